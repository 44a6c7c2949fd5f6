"""The ``hearth`` command.

hearth local [--port 3000]           the whole stack of template.yaml on this machine
hearth invoke FUNCTION [--event F]   run one function once, in process, and print its response
hearth token [--user S --role R]     a development JWT signed with the local secret
hearth seed [--members N]            the demo tenant (and N more members)
hearth simulate PROVIDER EVENT ...   send a signed provider webhook to the running local stack
hearth migrate                       apply pending migrations to $DATABASE_URL
hearth openapi [--check]             write (or check) docs/openapi.json
hearth template [--check]            write (or check) the nested stacks from the function modules
hearth samples [--force]             write the sample events of API routes and the authorizer
hearth backups check                 the daily backup checks, against moto's RDS (a cluster made
                                     as production keeps it, when there is none)

``local``, ``invoke``, ``token`` and ``seed`` use ``DATABASE_URL`` (an administrative user) when
it is set, else the embedded PostgreSQL in ``.hearth/`` (started, and stopped again when the
command ends).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

Command = Callable[[argparse.Namespace], int]


def _migrate(args: argparse.Namespace) -> int:
    from hearth_dev.migrate import migrate

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
    from hearth_dev.sam.openapi import build_openapi, render
    from hearth_dev.sam.template import load_template

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


def _template(args: argparse.Namespace) -> int:
    from hearth_dev.sam.template import repo_root
    from hearth_dev.template.stacks import generate

    root = repo_root()
    outcome = generate(root, check=args.check)
    if args.check:
        if outcome.stale:
            names = ", ".join(str(p.relative_to(root)) for p in outcome.stale)
            print(f"out of date: {names}: run `hearth template` and review the change", file=sys.stderr)
            return 1
        print("the templates are up to date")
        return 0
    for path in outcome.written:
        print(f"wrote {path.relative_to(root)}" if path.exists() else f"removed {path.relative_to(root)}")
    if not outcome.written:
        print("the templates are up to date")
    return 0


def _samples(args: argparse.Namespace) -> int:
    from hearth_dev.sam.samples import write_samples
    from hearth_dev.sam.template import load_template

    for path in write_samples(load_template(), force=args.force):
        print(f"wrote {path}")
    return 0


# -- the local stack and its companions ---------------------------------------------------------


def _say(text: str) -> None:
    _line(sys.stdout, text)


def _note(text: str) -> None:
    _line(sys.stderr, text)


def _line(stream: TextIO, text: str) -> None:
    """One line in ONE write: the stack's own lines and its functions' log lines (written by
    the logging handler, also in one write each) come from many threads into the same stream,
    and ``print`` writes the text and its newline separately, so another thread's line could
    land between them."""
    stream.write(text + "\n")
    stream.flush()


def _root(args: argparse.Namespace) -> tuple[Path, str]:
    """The folder the template's paths are relative to, and the template's file name."""
    from hearth_dev.sam.template import repo_root

    if getattr(args, "template", None):
        path = Path(args.template).resolve()
        return path.parent, path.name
    cwd = Path.cwd()
    return (cwd if (cwd / "template.yaml").exists() else repo_root()), "template.yaml"


def _state_dir(args: argparse.Namespace, root: Path) -> Path:
    return Path(args.state_dir).resolve() if getattr(args, "state_dir", None) else root / ".hearth"


def _parameters(pairs: list[str] | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"hearth: --parameter-overrides takes Name=Value, not {pair!r}")
        values[name] = value
    return values


def _backups(args: argparse.Namespace) -> int:
    """The backup check's five checks of the template's BackupDbIdentifier, against moto's RDS:
    one line per check, exit status 1 when one fails (nothing is stored)."""
    from hearth import aws
    from hearth.lifecycle import backups
    from hearth_dev.local.aws import LOCAL_CREDENTIALS, LocalAws, MotoServer
    from hearth_dev.sam.events import REGION
    from hearth_dev.sam.template import load_template

    root, template_file = _root(args)
    template = load_template(root, template_file)
    overrides = _parameters(args.parameter_overrides)
    with MotoServer() as moto:
        local = LocalAws(moto.endpoint, template, parameters=overrides)
        local.provision()
        identifier = str(local.resolver.resolve({"Ref": "BackupDbIdentifier"}))
        saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", *LOCAL_CREDENTIALS)}
        os.environ.update(AWS_ENDPOINT_URL=moto.endpoint, AWS_DEFAULT_REGION=REGION, **LOCAL_CREDENTIALS)
        aws.reset("rds")
        try:
            report = backups.inspect(identifier)
        finally:
            aws.reset("rds")
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    print(f"{report.kind} {report.target}")
    for r in report.results:
        print(f"  {'pass' if r.passed else 'FAIL'}  {r.check:<20} {r.observed} (expected {r.expected})")
    return 0 if report.passed else 1


def _database_url(args: argparse.Namespace) -> str | None:
    return getattr(args, "database_url", None) or os.environ.get("DATABASE_URL") or None


def _local(args: argparse.Namespace) -> int:
    from hearth_dev.local.stack import LocalStack, StackOptions

    started = time.perf_counter()
    root, template_file = _root(args)
    options = StackOptions(
        root=root,
        template_file=template_file,
        host=args.host,
        port=args.port,
        state_dir=_state_dir(args, root),
        database_url=_database_url(args),
        parameters=_parameters(args.parameter_overrides),
        schedules=not args.no_schedules,
        schedules_every=args.schedules_every,
        consumers=not args.no_consumers,
        seed=not args.no_seed,
        seed_members=args.seed_members,
        concurrency=args.concurrency,
    )
    stack = LocalStack(options, say=_say)

    def terminate(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt  # while starting: unwind, stopping what has started

    signal.signal(signal.SIGTERM, terminate)
    try:
        stack.start(started_at=started)
    except KeyboardInterrupt:
        _say("interrupted while starting; stopped")
        return 130
    except RuntimeError as exc:
        _note(f"hearth local: {exc}")
        return 1
    stop = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C forces

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        stack.wait(stop)
    finally:
        embedded = stack.database is not None and stack.database.embedded is not None
        _say("stopping: gateway, scheduler, consumers, moto" + (", PostgreSQL" if embedded else ""))
        stack.stop()
        _say("stopped")
    # Everything the stack started is down. End here rather than in the interpreter's
    # finalization, which kills the stack's idle daemon threads (pollers, moto's output reader)
    # where they stand: one caught inside a C library's frame aborts the process
    # ("FATAL: exception not rethrown") after a clean stop.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@contextlib.contextmanager
def _local_database(args: argparse.Namespace, *, say: Callable[[str], None]) -> Iterator[Any]:
    """The database the local stack would use, migrated, with the local settings in the
    environment (so ``hearth.db`` reaches it as the app and system roles)."""
    from hearth import db
    from hearth.settings import settings
    from hearth_dev.local.environment import LocalSecrets, apply, local_overrides
    from hearth_dev.local.stack import open_database

    root, _ = _root(args)
    state = _state_dir(args, root)
    secrets = LocalSecrets.load(state)
    database = open_database(_database_url(args), state, root / "migrations", say)
    try:
        apply(
            {},
            local_overrides(
                app_url=database.app_url, system_url=database.system_url, secrets=secrets, aws_endpoint=None
            ),
        )
        settings.cache_clear()
        yield database
    finally:
        db.reset()
        database.close()


def _seed(args: argparse.Namespace) -> int:
    from hearth_dev.local.seed import SeedRefused, refuse_unless_local, seed_demo, summary
    from hearth_dev.local.stack import _progress

    try:
        url = _database_url(args)
        if url:
            refuse_unless_local(url)  # before migrating anything there
        with _local_database(args, say=_say) as database:
            report = seed_demo(database.admin_url, members=args.members, progress=_progress(_say))
    except SeedRefused as exc:
        _note(f"hearth seed: {exc}")
        return 2
    _say(summary(report))
    return 0


def _cognito_token(args: argparse.Namespace) -> int:
    """Sign in through the local stack's user pool in moto (USER_PASSWORD_AUTH; the TOTP code
    from ``--totp-secret`` when the pool asks) and print the RS256 access token."""
    from hearth_dev.cognito import local_sign_in

    root, _ = _root(args)
    try:
        result = local_sign_in(_state_dir(args, root), email=args.email, password=args.password,
                               totp_secret=args.totp_secret)  # fmt: skip
    except (FileNotFoundError, RuntimeError) as exc:
        _note(f"hearth token --cognito: {exc}")
        return 1
    print(result["AccessToken"])
    return 0


def _token(args: argparse.Namespace) -> int:
    if args.cognito:
        return _cognito_token(args)
    from hearth.auth.tokens import mint_dev_token
    from hearth.rbac import Role
    from hearth_dev import demo
    from hearth_dev.local.environment import DEV_AUDIENCE, DEV_ISSUER, LocalSecrets

    root, _ = _root(args)
    org = None if args.org in ("", "none") else (args.org or str(demo.DEMO_ORG_ID))
    if args.role:
        if org is None:
            _note("hearth token: --role needs an org (--org)")
            return 2
        from uuid import UUID

        from hearth_dev.local.seed import SeedRefused, ensure_member, refuse_unless_local

        try:
            refuse_unless_local(_database_url(args) or "")
        except SeedRefused as exc:
            _note(f"hearth token --role: {exc}")
            return 2
        with _local_database(args, say=_note):
            try:
                ensure_member(UUID(org), args.user, Role(args.role), email=args.email, name=args.name)
            except LookupError as exc:
                _note(f"hearth token: {exc}")
                return 1
        _note(f"{args.user} is {args.role} of org {org}")
    secrets = LocalSecrets.load(_state_dir(args, root))
    print(
        mint_dev_token(
            args.user,
            email=args.email,
            name=args.name,
            org_id=org,
            ttl_seconds=args.ttl,
            secret=secrets.jwt_dev_secret,
            issuer=os.environ.get("HEARTH_JWT_ISSUER") or DEV_ISSUER,
            audience=os.environ.get("HEARTH_JWT_AUDIENCE") or DEV_AUDIENCE,
        )
    )
    return 0


def _invoke(args: argparse.Namespace) -> int:
    """Runs the function with the local stack's environment; its logs go to stderr, the
    response alone to stdout (as ``sam local invoke`` does)."""
    from hearth_dev.local.aws import LocalAws, MotoServer
    from hearth_dev.local.environment import LocalSecrets
    from hearth_dev.local.seed import seed_demo
    from hearth_dev.local.stack import configure
    from hearth_dev.sam.functions import LambdaContext, invoke
    from hearth_dev.sam.template import load_template

    root, template_file = _root(args)
    template = load_template(root, template_file)
    fn = template.functions.get(args.function)
    if fn is None:
        known = ", ".join(sorted(template.functions))
        _note(f"hearth invoke: no function {args.function!r} in {root / template_file}; known: {known}")
        return 2
    if args.event == "-":
        event = json.load(sys.stdin)
    else:
        path = Path(args.event) if args.event else fn.sample_event
        if not path.exists():
            _note(f"hearth invoke: no event file {path}")
            return 2
        event = json.loads(path.read_text(encoding="utf-8"))
    state = _state_dir(args, root)
    with contextlib.redirect_stdout(sys.stderr), _local_database(args, say=_note) as database:
        if (root / "migrations").is_dir():
            seed_demo(database.admin_url)
        with MotoServer() as moto:
            aws = LocalAws(moto.endpoint, template, parameters=_parameters(args.parameter_overrides))
            aws.provision()
            configure(template, aws, database, LocalSecrets.load(state))
            started = time.perf_counter()
            try:
                result = invoke(fn, event, LambdaContext(fn))
                failed = None
            except Exception as exc:
                import traceback

                result = {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "stackTrace": traceback.format_tb(exc.__traceback__),
                }
                failed = exc
            took = (time.perf_counter() - started) * 1000
            _note(f"{fn.logical_id}: {'error' if failed else 'ok'} in {took:.1f} ms")
    print(json.dumps(result, indent=2, default=str))
    return 1 if failed else 0


def _simulate(args: argparse.Namespace) -> int:
    from hearth_dev import simulate
    from hearth_dev.local.stack import running_stack

    root, _ = _root(args)
    return simulate.run(args, running_stack(_state_dir(args, root)))


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

    p = sub.add_parser("template", help="write the nested stacks' function sections from the modules")
    p.add_argument("--check", action="store_true", help="fail if a committed template differs")
    commands["template"] = _template

    p = sub.add_parser("samples", help="write the sample events of API routes and the authorizer")
    p.add_argument("--force", action="store_true", help="rewrite existing generated samples")
    commands["samples"] = _samples

    p = sub.add_parser("backups", help="the daily backup checks, against moto's RDS")
    p.add_argument("action", choices=["check"])
    p.add_argument("--template", help="the root template (default: ./template.yaml)")
    p.add_argument("--parameter-overrides", nargs="*", metavar="NAME=VALUE")
    commands["backups"] = _backups

    _stack_commands(sub, commands)
    return root, commands


def _stack_commands(sub: Any, commands: dict[str, Command]) -> None:
    """The commands that run against the local stack's database and AWS."""

    def stack_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--template", help="the SAM template (default: ./template.yaml or the checkout's)")
        p.add_argument("--state-dir", help="local state: embedded PostgreSQL, secrets (default: .hearth/)")
        p.add_argument("--database-url", help="administrative URL (default: $DATABASE_URL, else embedded)")

    p = sub.add_parser("local", help="run the whole stack of template.yaml locally")
    stack_options(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000, help="0 picks a free port")
    p.add_argument("--parameter-overrides", nargs="*", metavar="NAME=VALUE", help="template parameters")
    p.add_argument(
        "--schedules-every", type=float, metavar="SECONDS", help="fire every schedule this often instead"
    )
    p.add_argument("--no-schedules", action="store_true", help="do not fire schedules")
    p.add_argument("--no-consumers", action="store_true", help="do not poll queues")
    p.add_argument("--no-seed", action="store_true", help="do not seed the demo tenant")
    p.add_argument("--seed-members", type=int, default=0, metavar="N", help="seed N more demo members")
    p.add_argument("--concurrency", type=int, default=8, help="concurrent HTTP invocations")
    commands["local"] = _local

    p = sub.add_parser("invoke", help="run one function once with an event and print its response")
    stack_options(p)
    p.add_argument("function", help="the function's logical id in the template")
    p.add_argument("--event", "-e", help="event file, or - for stdin (default: its sample in events/)")
    p.add_argument("--parameter-overrides", nargs="*", metavar="NAME=VALUE", help="template parameters")
    commands["invoke"] = _invoke

    p = sub.add_parser("token", help="mint a development JWT signed with the local secret")
    stack_options(p)
    p.add_argument("--user", default="demo|owner", help="the subject (sub claim); default: the demo owner")
    p.add_argument("--email")
    p.add_argument("--name")
    p.add_argument("--org", help="org_id claim (default: the demo org; 'none' for no claim)")
    p.add_argument(
        "--role",
        choices=["owner", "admin", "member", "viewer"],
        help="also make the user a member of the org with this role in the local database",
    )
    p.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    p.add_argument(
        "--cognito",
        action="store_true",
        help="sign in through the running local stack's user pool (moto) and print its RS256 access"
        " token (default user: the demo sign-in `hearth local` prints)",
    )
    p.add_argument("--password", help="with --cognito: the password (default: the demo user's)")
    p.add_argument("--totp-secret", help="with --cognito: the authenticator secret, for a user with TOTP")
    commands["token"] = _token

    p = sub.add_parser("seed", help="seed the demo tenant (idempotent)")
    stack_options(p)
    p.add_argument("--members", type=int, default=0, help="also seed N generated members")
    commands["seed"] = _seed

    from hearth_dev import simulate

    def simulate_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--state-dir", help="the running local stack's state (default: .hearth/)")

    simulate.add_parser(sub, simulate_options)
    commands["simulate"] = _simulate


def main(argv: Sequence[str] | None = None) -> int:
    # A development tool: with no stage named it runs as the local stage (deployed functions
    # have no default and refuse to start without HEARTH_STAGE).
    os.environ.setdefault("HEARTH_STAGE", "local")
    root, commands = parser()
    args = root.parse_args(argv)
    return commands[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
