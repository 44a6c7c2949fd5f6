"""Mentions in notes: ``@[user:<uuid>]`` only, each user once, shown by name."""

from __future__ import annotations

import uuid

from hearth.notifications import mentions


def test_mentions_are_user_ids_in_the_documented_syntax():
    a, b = uuid.uuid4(), uuid.uuid4()
    text = f"Hi @[user:{a}], @[user:{a}] and @[user:{str(b).upper()}]; not @{a}, @[person:{b}] or @[user:{a}x"
    assert mentions.mentioned(text) == {a, b}
    assert mentions.mentioned(None) == set()
    assert mentions.mentioned("@[user:not-a-uuid]") == set()


def test_only_new_mentions_count_after_an_edit():
    a, b = uuid.uuid4(), uuid.uuid4()
    assert mentions.added(f"@[user:{a}]", f"@[user:{a}] @[user:{b}]") == {b}
    assert mentions.added(f"@[user:{a}] @[user:{b}]", f"@[user:{a}]") == set()
    assert mentions.added(None, f"@[user:{a}]") == {a}


def test_mentions_are_shown_by_name():
    a, b = uuid.uuid4(), uuid.uuid4()
    assert mentions.shown(f"Ask @[user:{a}] and @[user:{b}]", {a: "Ada"}) == "Ask @Ada and @someone"
