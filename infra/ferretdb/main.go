// Command ferretdb-local runs FerretDB (a MongoDB-wire-compatible server) for this project's
// local stack through FerretDB's embeddable package.
//
// Why a wrapper and not `go install .../cmd/ferretdb`: the upstream command panics at start
// when built outside FerretDB's own repository, because build/version/version.txt is not part
// of the Go module (FerretDB issue 2982). The embeddable package skips that check.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // serves /debug/pprof/ on --debug-addr
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", envOr("FERRETDB_LISTEN_ADDR", "127.0.0.1:27017"), "TCP address to listen on")
	handler := flag.String("handler", envOr("FERRETDB_HANDLER", "sqlite"), "backend handler: sqlite or postgresql")
	sqliteURL := flag.String("sqlite-url", envOr("FERRETDB_SQLITE_URL", ""), "SQLite directory URI, e.g. file:/abs/dir/ (must end in /)")
	pgURL := flag.String("postgresql-url", envOr("FERRETDB_POSTGRESQL_URL", ""), "PostgreSQL URL for the postgresql handler")
	logLevel := flag.String("log-level", envOr("FERRETDB_LOG_LEVEL", "info"), "debug, info, warn or error")
	scalarPushdown := flag.Bool("scalar-pushdown", envOr("FERRETDB_SCALAR_PUSHDOWN", "") == "true",
		"push filters and sorts on top-level fields down to SQLite indexes "+
			"(patches/0002; correct only where those fields never hold arrays)")
	debugAddr := flag.String("debug-addr", envOr("FERRETDB_DEBUG_ADDR", ""),
		"TCP address for Go's /debug/pprof/ profiles (go tool pprof), e.g. 127.0.0.1:8088; empty: off")
	auth := flag.Bool("auth", envOr("FERRETDB_AUTH", "") == "true",
		"require SCRAM authentication for every command but the handshake (patches/0005)")
	authDatabase := flag.String("auth-database", envOr("FERRETDB_AUTH_DATABASE", ""), "database of the --auth-username user")
	authUsername := flag.String("auth-username", envOr("FERRETDB_AUTH_USERNAME", ""),
		"user made (or given its password again) at every start; needs --auth")
	authPasswordFile := flag.String("auth-password-file", envOr("FERRETDB_AUTH_PASSWORD_FILE", ""),
		"file holding that user's password (never on the command line, where ps shows it)")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail("invalid --log-level %q: %v", *logLevel, err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	var password string
	if *authPasswordFile != "" {
		b, err := os.ReadFile(*authPasswordFile)
		if err != nil {
			fail("cannot read --auth-password-file: %v", err)
		}
		password = strings.TrimRight(string(b), "\r\n")
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Logger:        logger,
		Handler:       *handler,
		SQLiteURL:     *sqliteURL,
		PostgreSQLURL: *pgURL,

		EnableScalarPushdown: *scalarPushdown,
		Auth: ferretdb.AuthConfig{
			Enabled:  *auth,
			Database: *authDatabase,
			Username: *authUsername,
			Password: password,
		},
	})
	if err != nil {
		fail("cannot start FerretDB: %v", err)
	}

	if *debugAddr != "" {
		go func() {
			logger.Info("profiles served", "addr", "http://"+*debugAddr+"/debug/pprof/")
			if err := http.ListenAndServe(*debugAddr, nil); err != nil {
				logger.Error("cannot serve profiles", "addr", *debugAddr, "error", err)
			}
		}()
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	logger.Info("FerretDB listening", "addr", *listen, "handler", *handler, "scalar_pushdown", *scalarPushdown,
		"auth", *auth)
	if err := f.Run(ctx); err != nil {
		fail("FerretDB stopped: %v", err)
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ferretdb-local: "+format+"\n", args...)
	os.Exit(1)
}
