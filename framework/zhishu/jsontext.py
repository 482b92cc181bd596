"""JSON text of manifests: ``json.dumps(data, ensure_ascii=False, indent=2, default=str)``, character for
character, in under half the time.

With ``indent`` set, :mod:`json` cannot use its C encoder and yields every token through nested generators;
a sensitivity run's 87 kB manifest took ~8 ms. Here one recursive function appends the same tokens to a list:
strings through json's own (C) ``encode_basestring``, numbers through ``int.__repr__``/``float.__repr__`` as
json writes them (``NaN``, ``Infinity``), keys converted as json converts them, anything else as ``str(value)``
(``default=str``). A structure that refers to itself, or nests too deeply for recursion, is handed to
:func:`json.dumps`, which raises its own error. ``tests/framework/test_jsontext.py`` compares the two on random
structures.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring

__all__ = ["dumps"]

_float_repr = float.__repr__
_int_repr = int.__repr__
_INF = float("inf")


def _float_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return _float_repr(value)


def _key_text(key) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float_text(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return _int_repr(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def dumps(data) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=2, default=str)``."""
    parts: list[str] = []
    append = parts.append

    def encode(value, newline: str) -> None:
        if isinstance(value, str):
            append(encode_basestring(value))
        elif value is None:
            append("null")
        elif value is True:
            append("true")
        elif value is False:
            append("false")
        elif isinstance(value, int):
            append(_int_repr(value))
        elif isinstance(value, float):
            append(_float_text(value))
        elif isinstance(value, (list, tuple)):
            if not value:
                append("[]")
                return
            inner = newline + "  "
            append("[")
            separator = inner
            for item in value:
                append(separator)
                separator = "," + inner
                encode(item, inner)
            append(newline + "]")
        elif isinstance(value, dict):
            if not value:
                append("{}")
                return
            inner = newline + "  "
            append("{")
            separator = inner
            for key, item in value.items():
                append(separator)
                separator = "," + inner
                append(encode_basestring(_key_text(key)))
                append(": ")
                encode(item, inner)
            append(newline + "}")
        else:
            encode(str(value), newline)  # default=str

    try:
        encode(data, "\n")
    except RecursionError:  # a cycle, or very deep nesting: json's own message
        return json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return "".join(parts)
