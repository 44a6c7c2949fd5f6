"""``hearth simulate github ...``: deliveries signed with the app's webhook secret (GitHub's
documented HMAC), naming the stand-in's installation and repositories."""

from __future__ import annotations

import argparse
import json
from typing import Any

from hearth_dev.simulate.kit import (
    Delivery,
    Target,
    _json_argument,
    _token,
    register,
)
from hearth_dev.standins.providers import (
    GITHUB_INSTALLATION_ID,
    GITHUB_WEBHOOK_SECRET,
)


def github_event_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--event", required=True, help="X-GitHub-Event, e.g. push, issues, installation")
    parser.add_argument("--payload", default="{}", help="the payload: JSON, or a file (@FILE) holding it")
    parser.add_argument(
        "--path", default="/webhooks/github/events", help="where GitHub sends (default: %(default)s)"
    )
    parser.add_argument("--secret", default=GITHUB_WEBHOOK_SECRET, help="the webhook secret (default: local)")


def build_github_event(args: argparse.Namespace, target: Target) -> Delivery:
    from hearth_dev.standins.github import delivery_headers

    body = json.dumps(_json_argument(args.payload, "--payload")).encode("utf-8")
    headers = delivery_headers(args.event, body, args.secret)
    return Delivery(args.path, body, headers, label=f"github {args.event} {headers['X-GitHub-Delivery']}")


def _github_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default="demo-co/web", help="owner/name (default: %(default)s)")
    parser.add_argument(
        "--installation", type=int, default=GITHUB_INSTALLATION_ID, help="installation id (default: local)"
    )
    parser.add_argument("--sender", default="ada", help="who did it on GitHub (default: %(default)s)")
    parser.add_argument(
        "--path", default="/webhooks/github/events", help="where GitHub sends (default: %(default)s)"
    )
    parser.add_argument("--secret", default=GITHUB_WEBHOOK_SECRET, help="the webhook secret (default: local)")


def _github_delivery(args: argparse.Namespace, event: str, payload: dict[str, Any]) -> Delivery:
    from hearth_dev.standins.github import delivery_headers, repository_object

    payload = {
        **payload,
        "repository": repository_object(args.repo),
        "installation": {"id": args.installation},
        "sender": {"login": args.sender, "type": "Bot" if args.sender.endswith("[bot]") else "User"},
    }
    body = json.dumps(payload).encode("utf-8")
    headers = delivery_headers(event, body, args.secret)
    return Delivery(args.path, body, headers, label=f"github {event} {headers['X-GitHub-Delivery']}")


def github_push_options(parser: argparse.ArgumentParser) -> None:
    _github_common(parser)
    parser.add_argument("--branch", default="main", help="the branch pushed to (default: %(default)s)")
    parser.add_argument(
        "--message", action="append", default=[], help="a commit message (repeatable), e.g. 'Fixes TASK-1'"
    )


def build_github_push(args: argparse.Namespace, target: Target) -> Delivery:
    import hashlib

    commits = []
    for i, message in enumerate(args.message or ["Work in progress"]):
        sha = hashlib.sha1(f"{args.repo}:{args.branch}:{i}:{message}:{_token()}".encode()).hexdigest()  # noqa: S324 (a git sha's shape)
        commits.append(
            {
                "id": sha,
                "message": message,
                "url": f"https://github.com/{args.repo}/commit/{sha}",
                "author": {
                    "name": args.sender,
                    "email": f"{args.sender}@example.com",
                    "username": args.sender,
                },
            }
        )
    return _github_delivery(
        args,
        "push",
        {
            "ref": f"refs/heads/{args.branch}",
            "before": "0" * 40,
            "after": commits[-1]["id"],
            "commits": commits,
        },
    )


def github_pull_request_options(parser: argparse.ArgumentParser) -> None:
    _github_common(parser)
    parser.add_argument(
        "--action", default="opened", help="opened, edited, closed, reopened (default: opened)"
    )
    parser.add_argument("--number", type=int, default=1)
    parser.add_argument("--title", default="A change", help="its title, e.g. 'Fixes TASK-1'")
    parser.add_argument("--body", default="")
    parser.add_argument("--branch", default="feature", help="its head branch, e.g. task-1-login")
    parser.add_argument("--base", default="main", help="the branch it merges into")
    parser.add_argument("--merged", action="store_true", help="closed by merging")


def build_github_pull_request(args: argparse.Namespace, target: Target) -> Delivery:
    pr = {
        "number": args.number,
        "title": args.title,
        "body": args.body,
        "state": "closed" if args.action == "closed" or args.merged else "open",
        "merged": args.merged,
        "merged_at": "2026-01-01T00:00:00Z" if args.merged else None,
        "html_url": f"https://github.com/{args.repo}/pull/{args.number}",
        "user": {"login": args.sender},
        "head": {"ref": args.branch},
        "base": {"ref": args.base},
    }
    action = "closed" if args.merged else args.action
    return _github_delivery(
        args, "pull_request", {"action": action, "number": args.number, "pull_request": pr}
    )


def github_issues_options(parser: argparse.ArgumentParser) -> None:
    _github_common(parser)
    parser.add_argument(
        "--action", default="edited", help="opened, edited, closed, reopened (default: edited)"
    )
    parser.add_argument("--number", type=int, default=1)
    parser.add_argument("--title", required=True, help="the issue's title now")
    parser.add_argument("--state", choices=("open", "closed"), default="open")


def build_github_issues(args: argparse.Namespace, target: Target) -> Delivery:
    issue = {
        "number": args.number,
        "title": args.title,
        "state": args.state,
        "html_url": f"https://github.com/{args.repo}/issues/{args.number}",
        "user": {"login": args.sender},
    }
    return _github_delivery(args, "issues", {"action": args.action, "issue": issue})


def github_installation_options(parser: argparse.ArgumentParser) -> None:
    _github_common(parser)
    parser.add_argument(
        "--action", default="created", help="created, deleted, suspend, unsuspend (default: created)"
    )


def build_github_installation(args: argparse.Namespace, target: Target) -> Delivery:
    from hearth_dev.standins.github import repository_object

    return _github_delivery(
        args,
        "installation",
        {"action": args.action, "repositories": [repository_object(args.repo)]},
    )


register(
    "github", "event", build_github_event, options=github_event_options, help="any GitHub delivery, signed"
)
register(
    "github",
    "push",
    build_github_push,
    options=github_push_options,
    help="commits pushed (messages naming task keys)",
)
register(
    "github",
    "pull_request",
    build_github_pull_request,
    options=github_pull_request_options,
    help="a pull request opened, closed or merged",
)
register("github", "issues", build_github_issues, options=github_issues_options, help="an issue changed")
register(
    "github",
    "installation",
    build_github_installation,
    options=github_installation_options,
    help="the app installed, uninstalled, suspended",
)
