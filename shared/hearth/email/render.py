"""Email templates rendered with Jinja2's ``SandboxedEnvironment`` (jinja2 comes from its own
layer: only the functions that render declare ``needs.EMAIL_TEMPLATES`` and import it, on the
first render)::

    rendered = render(subject="Hi {{ person.first_name }}", text=None, html="<p>{{ note }}</p>",
                      variables={"person": {"first_name": "Ada"}, "note": "<b>"})
    rendered.html   # "<p>&lt;b&gt;</p>": HTML is autoescaped, the subject and text are not

The sandbox refuses what reaches Python's internals (``__class__``, ``__globals__``, ``mro``,
``__subclasses__``…) and unsafe callables; a variable a template names and the send does not
give is an error, not an empty string. Every failure is a :class:`RenderError` (422
``template_render_failed`` at the route), so an email is rendered whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

#: The longest a rendered part may be (characters): a template cannot blow up a message.
MAX_RENDERED = 200_000


class RenderError(Exception):
    """The template did not render; ``part`` says which (subject, text or html)."""

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(f"{part}: {reason}")
        self.part = part
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str | None
    html: str | None


@cache
def _environments() -> tuple[Any, Any]:
    """(plain, html): sandboxed, undefined variables strict; the HTML one autoescapes."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    plain = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
    html = ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    return plain, html


@lru_cache(maxsize=64)
def _compiled(source: str, html: bool) -> Any:
    """The template ``source`` compiled once (a campaign renders one template for each person)."""
    return _environments()[1 if html else 0].from_string(source)


def _one(part: str, source: str, variables: dict[str, Any], *, html: bool) -> str:
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    try:
        out = str(_compiled(source, html).render(variables))
    except SecurityError as exc:
        raise RenderError(part, f"not allowed in a template ({exc})") from None
    except TemplateError as exc:
        raise RenderError(part, str(exc) or type(exc).__name__) from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError, RecursionError) as exc:
        raise RenderError(part, f"{type(exc).__name__}: {exc}") from None
    if len(out) > MAX_RENDERED:
        raise RenderError(part, f"longer than {MAX_RENDERED} characters once rendered")
    return out


def render(*, subject: str, text: str | None, html: str | None, variables: dict[str, Any]) -> Rendered:
    """Every part of a template, rendered with ``variables``, or :class:`RenderError`."""
    rendered_subject = " ".join(_one("subject", subject, variables, html=False).split())
    if not rendered_subject:
        raise RenderError("subject", "the subject is empty once rendered")
    return Rendered(
        subject=rendered_subject[:1000],
        text=_one("text", text, variables, html=False) if text is not None else None,
        html=_one("html", html, variables, html=True) if html is not None else None,
    )


def parse(*, subject: str, text: str | None, html: str | None) -> None:
    """:class:`RenderError` when a part is not a template Jinja2 can parse."""
    from jinja2 import TemplateSyntaxError

    plain, escaped = _environments()
    for part, source, env in (("subject", subject, plain), ("text", text, plain), ("html", html, escaped)):
        if source is None:
            continue
        try:
            env.parse(source)
        except TemplateSyntaxError as exc:
            raise RenderError(part, f"line {exc.lineno}: {exc.message}") from None
