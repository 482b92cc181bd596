"""Errors a user can act on.

Every user-facing error says what is wrong, where (file, TOML key path, row/column, unit and year) and, where
we know it, how to fix it. Problems found in one phase are collected into a single :class:`ConfigError` (or
:class:`DataError`; both are :class:`InputError`) so that a user sees all of them at once instead of one per run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs
from .classes import frozen

#: a run of this many non-blank characters in a message is user input echoed whole (a 5,000-character name)
LONG_RUN = 200
#: the most characters one message (one issue, or an error without issues) keeps
MAX_MESSAGE = 2000

#: a long run, and the punctuation that closes it (a quote, a comma …)
_LONG_RUN = re.compile(r"(\S{%d,}?)([\'\",;:.)\]}]*)(?=\s|$)" % (LONG_RUN + 1))


def _cut_run(m: re.Match) -> str:
    body, close = m.group(1), m.group(2)
    if body[0] in "'\"" and close[:1] == body[0]:  # a quoted name: 'xxxx…' (5000 characters),
        return f"{body[:81]}…{close[0]} ({len(body) - 1} characters){close[1:]}"
    return f"{body[:80]}… ({len(body)} characters){close}"


def shorten(text: str) -> str:
    """``text`` with every run of more than :data:`LONG_RUN` non-blank characters cut to its first 80 (with the
    run's length), and the whole cut in the middle beyond :data:`MAX_MESSAGE`: however a message quotes user
    input (``{name!r}``, a file's cell, a key path), it never echoes a 1 MB name whole.

    Every message goes through here (:class:`Issue` and :class:`ZhishuError`), so the rule holds at its root,
    not only where a message was written with :func:`quote`."""
    if not isinstance(text, str) or len(text) <= LONG_RUN:
        return text
    text = _LONG_RUN.sub(_cut_run, text)
    if len(text) > MAX_MESSAGE:
        text = f"{text[:1200]} … ({len(text) - 1800} characters cut) … {text[-600:]}"
    return text


@frozen
class Issue:
    """One problem: a location (``file``, a dotted TOML ``path``) and a message, each cut by :func:`shorten`."""

    message: str = attrs.field(converter=shorten)
    path: str = attrs.field(default="", converter=shorten)
    file: str = attrs.field(default="", converter=shorten)

    def format(self) -> str:
        where = ": ".join(part for part in (self.file, self.path) if part)
        return f"{where}: {self.message}" if where else self.message

    def __str__(self) -> str:
        return self.format()


class ZhishuError(Exception):
    """Base class of every error zhishu raises for a user to read (the CLI prints it without a traceback). A
    message is cut by :func:`shorten` (an :class:`InputError`'s issues are each cut instead)."""

    def __init__(self, *args):
        if len(args) == 1 and isinstance(args[0], str) and not isinstance(self, InputError):
            args = (shorten(args[0]),)
        super().__init__(*args)


class InputError(ZhishuError):
    """Problems in what the user gave (a configuration or its input data), each an :class:`Issue` with its
    location. ``except InputError`` catches both kinds; :class:`ConfigError` and :class:`DataError` are siblings."""

    #: the sentence before the list of issues
    subject = "the input"

    def __init__(self, issues: Iterable[Issue]):
        self.issues = list(issues)
        super().__init__(self._text())

    def _text(self) -> str:
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} in {self.subject}:"
        return "\n".join([head, *(f"  {issue.format()}" for issue in self.issues)])


class ConfigError(InputError):
    """One or more problems in a configuration, each with its TOML key path."""

    subject = "the configuration"


class DataError(InputError):
    """Problems in the input data: files, columns, units, years, values."""

    subject = "the input data"


class OutputError(ZhishuError):
    """Outputs cannot be written where asked (the folder is a file, or a file would overwrite an input)."""


class PluginError(ZhishuError):
    """A plugin could not be loaded or registered, or two plugins claim the same name."""


def leave_out(plugin: str) -> str:
    """How to go on without ``plugin``, as every plugin problem's message ends."""
    return f"`zhishu --block {plugin} …` (or ZHISHU_BLOCK_PLUGINS={plugin})"


class UnknownNameError(ZhishuError, KeyError):
    """A name that no registered component has; the message offers close matches."""

    def __init__(self, message: str, name: str = "", suggestions: tuple[str, ...] = ()):
        self.name = name
        self.suggestions = suggestions
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


def add_note(exc: BaseException, note: str) -> None:
    """Attach ``note`` to ``exc`` (PEP 678) on every supported Python."""
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    else:  # pragma: no cover - Python 3.10
        exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]


def quote(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for quoting user input in messages (a 1 MB name must
    not be echoed whole)."""
    text = repr(value) if not isinstance(value, str) or len(value) <= limit else repr(value[:limit])
    if isinstance(value, str) and len(value) > limit:
        return f"{text[:-1]}…{text[-1]} ({len(value)} characters)"
    return text if len(text) <= limit + 2 else text[:limit] + "…"
