"""Calling plugins: one place that names the plugin when its code raises, and never hides the error.

zhishu's own errors (:class:`~zhishu.errors.ZhishuError`: a config or data problem the plugin found, with its
location) pass through unchanged. Any other exception is a bug in the plugin: it is re-raised as it is, with
a note "in normaliser 'x' of plugin 'p' at indicators.y.normaliser" (PEP 678), so that the CLI's message and
the traceback say whose code failed and where it was chosen.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from .errors import ZhishuError, add_note
from .kinds import singular


def describe(method: Any, at: str | None = None) -> str:
    """``normaliser 'minmax' of plugin 'normalisers' at indicators.y.normaliser`` for a configured method."""
    where = at if at is not None else getattr(method, "key_path", "")
    text = f"{singular(method.kind)} {method.name!r} of plugin {method.plugin!r}"
    return f"{text} at {where}" if where else text


@contextlib.contextmanager
def blame(method: Any, at: str | None = None) -> Iterator[None]:
    """Run the block; an unexpected exception gets a note naming ``method``'s plugin, then propagates."""
    try:
        yield
    except ZhishuError:
        raise
    except Exception as exc:
        add_note(exc, f"in {describe(method, at)}")
        raise


def call(method: Any, name: str, *args: Any, at: str | None = None, obj: Any = None, **kwargs: Any) -> Any:
    """``obj.name(*args, **kwargs)`` (``obj`` defaults to ``method.obj``), an unexpected exception noted with
    the plugin's name (see :func:`blame`)."""
    target = method.obj if obj is None else obj
    with blame(method, at):
        return getattr(target, name)(*args, **kwargs)
