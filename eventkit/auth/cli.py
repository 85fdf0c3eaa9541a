"""`python -m <service> keys add|revoke|list`: manages the API key file every service reads."""

from __future__ import annotations

import argparse
import os
import sys

from eventkit.auth.keys import KeyFileError, add_key, list_keys, revoke_key
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
    add.add_argument("--label", default="", help="a note for humans, e.g. who holds the key")
    revoke = sub.add_parser("revoke", help="revoke a key by its id (the part after dik_)")
    revoke.add_argument("key_id")
    sub.add_parser("list", help="list key ids, roles and partners (never the keys)")
    return parser


def keys_main(prog: str, argv: list[str]) -> int:
    args = _parser(prog).parse_args(argv)
    try:
        if args.action == "add":
            role: Role = "admin" if args.admin else "partner"
            print(add_key(args.file, role, None if args.admin else args.partner, args.label))
        elif args.action == "revoke":
            if not revoke_key(args.file, args.key_id):
                print(f"no active key {args.key_id} in {args.file}", file=sys.stderr)
                return 1
            print(f"revoked {args.key_id}")
        else:
            for record in list_keys(args.file):
                state = "revoked" if record.revoked_at else "active"
                print(
                    f"{record.key_id}  {record.role:<8}{record.partner_id or '*':<20}{state:<9}{record.label}"
                )
    except (KeyFileError, ValueError) as exc:
        print(f"{prog} keys: {exc}", file=sys.stderr)
        return 2
    return 0
