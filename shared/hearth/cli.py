"""The ``hearth`` command.

hearth migrate              apply pending migrations to $DATABASE_URL
hearth openapi [--check]    write (or check) docs/openapi.json
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

Command = Callable[[argparse.Namespace], int]


def _migrate(args: argparse.Namespace) -> int:
    from hearth.migrate import migrate

    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        print(
            "hearth migrate: set DATABASE_URL (an administrative user) or pass --database-url",
            file=sys.stderr,
        )
        return 2
    applied = migrate(url, Path(args.dir) if args.dir else None, progress=print)
    print(f"{len(applied)} migration(s) applied" if applied else "database is up to date")
    return 0


def _openapi(args: argparse.Namespace) -> int:
    from hearth.sam.openapi import build_openapi, render
    from hearth.sam.template import load_template

    text = render(build_openapi(load_template()))
    out = Path(args.out)
    if args.check:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            print(f"{out} is out of date: run `hearth openapi` and review the change", file=sys.stderr)
            return 1
        print(f"{out} is up to date")
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    return 0


def _samples(args: argparse.Namespace) -> int:
    from hearth.sam.samples import write_samples
    from hearth.sam.template import load_template

    for path in write_samples(load_template(), force=args.force):
        print(f"wrote {path}")
    return 0


def parser() -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    root = argparse.ArgumentParser(prog="hearth", description="Hearth's command line.")
    sub = root.add_subparsers(dest="command", required=True)
    commands: dict[str, Command] = {}

    p = sub.add_parser("migrate", help="apply pending migrations")
    p.add_argument("--database-url", help="administrative connection URL (default: $DATABASE_URL)")
    p.add_argument("--dir", help="migrations folder (default: migrations/ of the checkout)")
    commands["migrate"] = _migrate

    p = sub.add_parser("openapi", help="write the OpenAPI document built from the route models")
    p.add_argument("--out", default="docs/openapi.json")
    p.add_argument("--check", action="store_true", help="fail if the committed document differs")
    commands["openapi"] = _openapi

    p = sub.add_parser("samples", help="write the sample events of API routes and the authorizer")
    p.add_argument("--force", action="store_true", help="rewrite existing generated samples")
    commands["samples"] = _samples
    return root, commands


def main(argv: Sequence[str] | None = None) -> int:
    root, commands = parser()
    args = root.parse_args(argv)
    return commands[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
