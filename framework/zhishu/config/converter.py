"""A strict cattrs converter for TOML data: no silent coercion, unknown keys rejected.

cattrs on its own would turn ``"false"`` into ``True``, ``1.7`` into ``1`` and a string into a tuple of its
characters. Here a string field takes only a string, an integer field only an integer (not a bool), a float
field an integer or a float (not a bool), a bool field only a bool, an array only an array and a table only a
table. Errors carry cattrs' notes so :mod:`zhishu.config.messages` can turn them into TOML key paths.
"""

from __future__ import annotations

import datetime
import functools
import types
import typing
from collections.abc import Mapping
from typing import Any, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import IterableValidationError, IterableValidationNote

from ..components import MethodSpec


def toml_type(value: Any) -> str:
    """How TOML would call the type of ``value`` (for messages)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime.datetime):
        return "a date-time"
    if isinstance(value, datetime.date):
        return "a date"
    if isinstance(value, datetime.time):
        return "a time"
    return f"a {type(value).__name__}"


def _show(value: Any) -> str:
    text = ("true" if value else "false") if isinstance(value, bool) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _wrong(expected: str, value: Any) -> TypeError:
    return TypeError(f"expected {expected}, got {toml_type(value)} ({_show(value)})")


def _str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise _wrong("a string", value)
    return value


def _int(value: Any, _: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong("an integer", value)
    return value


def _float(value: Any, _: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _wrong("a number", value)
    return float(value)


def _bool(value: Any, _: Any) -> bool:
    if not isinstance(value, bool):
        raise _wrong("true or false", value)
    return value


def _any(value: Any, _: Any) -> Any:
    return value


def _is_homogeneous_seq(tp: Any) -> bool:
    origin = get_origin(tp)
    if origin in (list, typing.Sequence, __import__("collections.abc").abc.Sequence):
        return True
    args = get_args(tp)
    return origin is tuple and len(args) == 2 and args[1] is Ellipsis


def _is_mapping(tp: Any) -> bool:
    return get_origin(tp) in (dict, Mapping, typing.Mapping, typing.Dict)


@functools.cache
def make_converter() -> cattrs.Converter:
    """The strict converter, built once and shared: cattrs generates and compiles a structuring function per
    class on first use, which is most of a config's load time when done anew for every load. Nothing
    registers hooks on it after it is built, and generated functions are cached per class object."""
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook(int, _int)
    conv.register_structure_hook(float, _float)
    conv.register_structure_hook(bool, _bool)
    conv.register_structure_hook(Any, _any)

    def seq_factory(tp: Any):
        elem = get_args(tp)[0] if get_args(tp) else Any
        make = tuple if get_origin(tp) is tuple else list

        def structure_seq(value: Any, _: Any):
            if not isinstance(value, (list, tuple)):
                raise _wrong("an array", value)
            out, errors = [], []
            for i, item in enumerate(value):
                try:
                    out.append(conv.structure(item, elem))
                except Exception as exc:  # collected, reported together with its index
                    exc.__notes__ = [*getattr(exc, "__notes__", []), IterableValidationNote(f"@ {i}", i, elem)]
                    errors.append(exc)
            if errors:
                raise IterableValidationError("invalid array items", errors, tp)
            return make(out)

        return structure_seq

    def mapping_factory(tp: Any):
        args = get_args(tp)
        val_type = args[1] if len(args) == 2 else Any

        def structure_mapping(value: Any, _: Any):
            if not isinstance(value, dict):
                raise _wrong("a table", value)
            out, errors = {}, []
            for key, item in value.items():
                try:
                    out[key] = conv.structure(item, val_type)
                except Exception as exc:
                    exc.__notes__ = [*getattr(exc, "__notes__", []), IterableValidationNote(f"@ {key}", key, val_type)]
                    errors.append(exc)
            if errors:
                raise IterableValidationError("invalid table values", errors, tp)
            return out

        return structure_mapping

    def attrs_factory(cl: Any):
        from_dict = conv.gen_structure_attrs_fromdict(cl)

        def structure_table(value: Any, _: Any):
            if not isinstance(value, dict):  # cattrs would fail with "'list' object has no attribute 'keys'"
                raise _wrong("a table", value)
            return from_dict(value, cl)

        return structure_table

    conv.register_structure_hook_factory(_is_homogeneous_seq, seq_factory)
    conv.register_structure_hook_factory(_is_mapping, mapping_factory)
    conv.register_structure_hook_factory(attrs.has, attrs_factory)

    method_from_table = conv.get_structure_hook(MethodSpec)

    def structure_method(value: Any, _: Any) -> MethodSpec:
        if isinstance(value, str):
            return MethodSpec(method=value)
        if not isinstance(value, dict):
            raise _wrong('a method name ("minmax") or a table { method = "…", params = { … } }', value)
        return method_from_table(value, MethodSpec)

    conv.register_structure_hook(MethodSpec, structure_method)
    return conv


_STR, _INT, _STRS = "str", "int", "strs"


def _simple_kind(tp: Any) -> str | None:
    """How a field of type ``tp`` is structured without cattrs: a string, an integer (not a bool), an array of
    strings (made a tuple), each optionally ``None`` in the model (TOML never gives ``None``); ``None`` for any
    other type."""
    if get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) != 1:
            return None
        tp = args[0]
    if tp is str:
        return _STR
    if tp is int:
        return _INT
    if get_origin(tp) is tuple and get_args(tp) == (str, Ellipsis):
        return _STRS
    return None


@functools.cache
def simple_structurer(cl: type):
    """A structuring function for the attrs class ``cl`` that builds, without the converter, the tables whose
    every key is a field of a simple type (:func:`_simple_kind`) holding a value of exactly that type — what
    most ``[indicators.<id>]`` and ``[nodes.<id>]`` tables are — and returns ``None`` for any other table, so
    that the converter structures it (and reports its problems). It builds the same object the converter
    would: the converter's string and integer hooks return such values as they are, and an array of strings
    becomes the same tuple."""
    attrs.resolve_types(cl)
    kinds = {a.name: _simple_kind(a.type) for a in attrs.fields(cl) if a.init and a.alias == a.name}
    kinds = {name: kind for name, kind in kinds.items() if kind is not None}

    def structure(value: dict) -> Any:
        args = {}
        for key, item in value.items():
            kind = kinds.get(key)
            if kind is _STR:
                if type(item) is not str:
                    return None
            elif kind is _INT:
                if type(item) is not int:
                    return None
            elif kind is _STRS:
                if type(item) is not list and type(item) is not tuple:
                    return None
                for x in item:
                    if type(x) is not str:
                        return None
                item = tuple(item)
            else:
                return None
            args[key] = item
        try:
            return cl(**args)
        except Exception:  # a validator's complaint: the converter reports it at its key path
            return None

    return structure
