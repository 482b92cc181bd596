"""Turn cattrs' nested exception groups into one :class:`~zhishu.errors.Issue` per problem, with its TOML path.

``nodes.scale.children[0]: expected a string, got an integer (3)`` — table keys are joined with dots (quoted
when they are not bare TOML keys), array items get ``[i]``.
"""

from __future__ import annotations

import re

from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)

from ..errors import Issue
from ..registry import did_you_mean

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


#: longest key shown whole in a dotted path; longer ones (a 1 MB key) are cut, their length given
MAX_KEY = 80


def key(name: str | int) -> str:
    """A TOML key as written in a dotted path (quoted unless bare; cut after :data:`MAX_KEY` characters)."""
    text = str(name)
    if len(text) > MAX_KEY:
        text = f"{text[:MAX_KEY]}…({len(text)} characters)"
        return '"' + text.replace('"', '\\"') + '"'
    if text.isascii() and text.isalnum():  # bare, as _BARE says, without the regex (most keys)
        return text
    return text if _BARE.match(text) else '"' + text.replace('"', '\\"') + '"'


def join(path: str, name: str | int, *, index: bool = False) -> str:
    """``path`` extended by a table key or, with ``index``, an array position."""
    if index:
        return f"{path}[{name}]"
    return f"{path}.{key(name)}" if path else key(name)


def _step(exc: BaseException, path: str) -> str:
    for note in getattr(exc, "__notes__", []):
        if isinstance(note, AttributeValidationNote):
            return join(path, note.name)
        if isinstance(note, IterableValidationNote):
            return join(path, note.index, index=isinstance(note.index, int))
    return path


def issues_from_cattrs(exc: BaseException, path: str = "", *, allowed: dict | None = None) -> list[Issue]:
    """Every leaf problem under ``exc``, each with the dotted path that leads to it."""
    if isinstance(exc, BaseValidationError):
        out: list[Issue] = []
        for sub in exc.exceptions:
            out.extend(issues_from_cattrs(sub, _step(sub, path), allowed=allowed))
        return out
    if isinstance(exc, ForbiddenExtraKeysError):
        known = sorted(_field_names(exc.cl))
        out = []
        for extra in sorted(exc.extra_fields):
            message = "unknown key"
            hints = did_you_mean(extra, known)
            if hints:
                message += ": did you mean " + " or ".join(repr(h) for h in hints) + "?"
            message += ("; allowed keys here: " + ", ".join(known)) if known else "; nothing can be set here"
            out.append(Issue(message, join(path, extra)))
        return out
    if isinstance(exc, KeyError) and getattr(exc, "__notes__", None):
        return [Issue("required key is missing", path)]
    message = str(exc) or type(exc).__name__
    return [Issue(message, path)]


def _field_names(cl) -> list[str]:
    import attrs

    try:
        return [a.alias or a.name for a in attrs.fields(cl)]
    except TypeError:
        return []
