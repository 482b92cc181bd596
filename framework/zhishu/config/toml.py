"""TOML parsing for configs: Python's ``tomllib``, or the same parser compiled, with the same results.

``tomli`` is the project ``tomllib`` was copied from; its wheels for CPython are compiled with mypyc and parse
about twice as fast (tomllib is half of a large config's load time). tomli 2.1–2.3 parse TOML 1.0 with the
code of Python 3.11's ``tomllib`` (the same values, types and messages); from 2.4 tomli reads TOML 1.1, which
accepts files tomllib rejects, so it is not used then. What :func:`loads` returns or raises is what
``tomllib.loads`` returns or raises, so that messages, lines and columns never depend on which is installed:

- a document the compiled parser rejects is parsed again by ``tomllib``, whose exception (a
  ``TOMLDecodeError``, or ``RecursionError`` for arrays or inline tables nested hundreds deep) is raised;
- a document it accepts whose tables and arrays nest deeper than :data:`NESTING_CHECKED` levels (tomllib,
  recursing, gives up at about 300 levels of inline tables, the compiled parser only past 1,000) is parsed again
  by ``tomllib`` too, which returns the same value or raises the ``RecursionError`` it would have raised.

Without a suitable compiled tomli, ``tomllib`` parses (``tomli`` itself before Python 3.11).
"""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable



@functools.cache
def _tomllib():
    """``tomllib``, imported when first needed: a config the compiled parser reads never needs it (its import
    compiles a dozen regular expressions, ~3 ms)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


def __getattr__(name: str):
    """``TOMLDecodeError`` — the error ``tomllib`` raises for a document that is not TOML, the only one
    :func:`loads` raises with ``RecursionError`` (``except toml.TOMLDecodeError`` looks it up only when something
    was raised) — and ``tomllib``, both imported on first use."""
    if name == "TOMLDecodeError":
        return _tomllib().TOMLDecodeError
    if name == "tomllib":
        return _tomllib()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

#: tables and arrays nested deeper than this are parsed again by ``tomllib`` (configs nest a few levels)
NESTING_CHECKED = 100


@functools.cache
def compiled_parser() -> Callable[[str], dict] | None:
    """``tomli.loads`` when the installed tomli is compiled (not its pure-Python fallback, no faster than
    tomllib) and parses TOML 1.0 (it rejects the TOML 1.1 escape ``\\e``); else ``None``. Imported on first
    use, so that commands that read no config do not import it."""
    try:
        import tomli
        import tomli._parser as parser
    except ImportError:
        return None
    if sys.version_info < (3, 11) or str(getattr(parser, "__file__", "")).endswith(".py"):  # tomli is tomllib
        return None
    try:
        tomli.loads('a = "\\e"')
    except tomli.TOMLDecodeError:
        return tomli.loads
    except Exception:  # pragma: no cover - an unexpected tomli: keep tomllib
        return None
    return None  # TOML 1.1: accepts what tomllib rejects


def loads(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``: the same dict, or the same exception (see the module docstring)."""
    fast = compiled_parser()
    if fast is None:
        return _tomllib().loads(text)
    try:
        data = fast(text)
    except Exception:  # the document's problem, as tomllib reports it (or tomllib's value, if it accepts it)
        return _tomllib().loads(text)
    if _nests_deeper(data, NESTING_CHECKED):
        return _tomllib().loads(text)
    return data


def _nests_deeper(value: dict, limit: int) -> bool:
    """Whether tables and arrays in ``value`` nest more than ``limit`` levels deep."""
    stack = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        container, depth = pop()
        if depth > limit:
            return True
        for item in (container.values() if type(container) is dict else container):
            kind = type(item)
            if kind is dict or kind is list:
                push((item, depth + 1))
    return False
