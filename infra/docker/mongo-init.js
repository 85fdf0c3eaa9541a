// docker-compose.yml's MongoDB: run once by the image (mongosh, as the root user) on an empty data volume.
// query_svc's user may read and write its own database, `query`, and nothing else (no other database, no
// user or server administration). Changing its password later: db.getSiblingDB("query").changeUserPassword.
const password = process.env.MONGO_QUERY_PASSWORD;
if (!password || password === "query") {
  throw new Error("MONGO_QUERY_PASSWORD must be set and must not be the user name (see .env.example)");
}
db.getSiblingDB("query").createUser({
  user: "query",
  pwd: password,
  roles: [{ role: "readWrite", db: "query" }],
});
