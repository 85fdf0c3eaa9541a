"""`python -m reliability`: runs the fault scenarios (see --help) and prints and writes the table."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from reliability.runner import main
from reliability.settings import PROFILES, profile_named, stack_from_env


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    parser.add_argument("--only", nargs="*", help="run the scenarios whose name contains any of these")
    parser.add_argument("--records", type=int, help="records per scenario (overrides the profile)")
    parser.add_argument("--converge-bound", type=float, help="seconds the system gets to converge")
    parser.add_argument("--json", type=Path, help="where to write the table (default .run/reliability.json)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    args = _arguments(sys.argv[1:])
    stack = stack_from_env()
    out = args.json or stack.run_dir / "reliability.json"
    sys.exit(main(stack, profile_named(args.profile, args.records, args.converge_bound), args.only, out))
