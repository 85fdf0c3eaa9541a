"""`python -m <service> keys add|revoke|limit|list`: manages the API key file every service reads."""

from __future__ import annotations

import argparse
import os
import sys

from eventkit.auth.keys import KeyFileError, add_key, list_keys, revoke_key, set_rate_limit
from eventkit.auth.principal import Role


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{prog} keys", description=__doc__)
    parser.add_argument(
        "--file",
        default=os.environ.get("API_KEYS_FILE", "api-keys.json"),
        help="the key file (default: $API_KEYS_FILE)",
    )
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="create a key and print it once")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--partner", metavar="PARTNER_ID", help="a key that acts for this partner only")
    who.add_argument("--admin", action="store_true", help="an operator key that sees every partner")
    who.add_argument(
        "--service",
        action="store_true",
        help="a key for another service of the system (consumers asking ingestion for data keys)",
    )
    add.add_argument("--label", default="", help="a note for humans, e.g. who holds the key")
    add.add_argument(
        "--rate-limit", default=None, help="its own request rate, e.g. 600/minute (else RATE_LIMIT)"
    )
    revoke = sub.add_parser("revoke", help="revoke a key by its id (the part after dik_)")
    revoke.add_argument("key_id")
    limit = sub.add_parser("limit", help="set a key's own request rate limit, or `default` for RATE_LIMIT's")
    limit.add_argument("key_id")
    limit.add_argument("rate", help="e.g. 600/minute, 20/second, or default")
    sub.add_parser("list", help="list key ids, roles and partners (never the keys)")
    return parser


def keys_main(prog: str, argv: list[str]) -> int:
    args = _parser(prog).parse_args(argv)
    try:
        if args.action == "add":
            role: Role = "admin" if args.admin else "service" if args.service else "partner"
            partner = args.partner if role == "partner" else None
            print(add_key(args.file, role, partner, args.label, args.rate_limit))
        elif args.action == "revoke":
            if not revoke_key(args.file, args.key_id):
                print(f"no active key {args.key_id} in {args.file}", file=sys.stderr)
                return 1
            print(f"revoked {args.key_id}")
        elif args.action == "limit":
            rate = None if args.rate == "default" else args.rate
            if not set_rate_limit(args.file, args.key_id, rate):
                print(f"no key {args.key_id} in {args.file}", file=sys.stderr)
                return 1
            print(f"{args.key_id}: {rate or 'the default rate limit (RATE_LIMIT)'}")
        else:
            for record in list_keys(args.file):
                state = "revoked" if record.revoked_at else "active"
                rate = record.rate_limit or "default"
                print(
                    f"{record.key_id}  {record.role:<8}{record.partner_id or '*':<20}{state:<9}{rate:<16}"
                    f"{record.label}"
                )
    except (KeyFileError, ValueError) as exc:
        print(f"{prog} keys: {exc}", file=sys.stderr)
        return 2
    return 0
