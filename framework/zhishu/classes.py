"""``define`` and ``frozen``: attrs' class decorators, with ``__repr__``, ``__eq__`` and ``__hash__`` that are not
compiled per class.

attrs writes each class's methods as Python source and compiles it when the class is created: ~0.5–1 ms per
class, and zhishu creates ~120 classes in every command, ~100 ms of a ``zhishu sensitivity`` run. Only
``__init__`` is worth compiling (it runs for every object; a config of 10,000 indicators makes tens of thousands).
``__repr__``, ``__eq__`` and ``__hash__`` here are closures made from the class's fields, which give what attrs'
generated methods give (the same text, the same comparisons in the same order, the same short-circuit; hashes
that agree with equality — attrs' own hashes change with ``PYTHONHASHSEED`` too):

* ``repr``: ``Name(a=…, b=…)`` over the fields with ``repr=True``, ``NOTHING`` for an unset ``init=False`` field,
  ``...`` for an object already being represented higher up the same call (a cycle);
* ``==``: ``NotImplemented`` for another class, else ``self.a == other.a and self.b == other.b …`` over the
  fields with ``eq=True``;
* ``hash``: a frozen class hashes the tuple of its ``eq`` fields; a mutable one is unhashable (``__hash__ =
  None``), as attrs makes it.

A class whose body defines ``__eq__``, ``__ne__`` or ``__hash__``, an exception class, or any option besides
``kw_only`` and ``slots`` is left to attrs entirely; a body's own ``__repr__`` is kept. Field options other than
``repr``/``eq`` True or False (a custom repr or eq key, ``hash=``) are refused when the class is created, so
nothing is silently compared differently. :mod:`tests.framework.test_classes` checks all of this against attrs.
"""

from __future__ import annotations

import operator
import threading
from typing import Any

import attrs

__all__ = ["define", "frozen"]

_OWN = ("__eq__", "__ne__", "__hash__")
_OPTIONS = {"kw_only", "slots"}
_repring = threading.local()


def define(maybe_cls: type | None = None, /, **options: Any):
    """``attrs.define`` (mutable, slotted, validated on set), with uncompiled ``repr``/``==`` (unhashable)."""
    return _decorator(maybe_cls, options, frozen=False)


def frozen(maybe_cls: type | None = None, /, **options: Any):
    """``attrs.frozen`` (immutable, slotted), with uncompiled ``repr``/``==``/``hash``."""
    return _decorator(maybe_cls, options, frozen=True)


def _decorator(maybe_cls, options, *, frozen: bool):
    if maybe_cls is None:
        return lambda cls: _build(cls, options, frozen)
    return _build(maybe_cls, options, frozen)


def _build(cls: type, options: dict, frozen: bool) -> type:
    make = attrs.frozen if frozen else attrs.define
    own = cls.__dict__
    if set(options) - _OPTIONS or any(name in own for name in _OWN) or issubclass(cls, BaseException):
        return make(cls, **options)  # attrs' own methods: nothing here to get right
    own_repr = "__repr__" in own
    new = make(cls, repr=False if not own_repr else None, eq=False, **options)
    fields = attrs.fields(new)
    for a in fields:
        if a.repr not in (True, False) or a.eq_key is not None or a.hash is not None or a.eq not in (True, False):
            raise TypeError(f"{cls.__qualname__}.{a.name}: zhishu.classes supports the field options repr and eq "
                            "as True or False only; decorate the class with attrs.define / attrs.frozen instead")
    if not own_repr:
        _attach(new, "__repr__", _repr([(a.name, a.init) for a in fields if a.repr]))
    eq_names = tuple(a.name for a in fields if a.eq)
    _attach(new, "__eq__", _eq(eq_names))
    if frozen:
        _attach(new, "__hash__", _hash(new, eq_names))
    else:
        new.__hash__ = None  # mutable and compared by value: unhashable, as attrs makes it
    return new


def _attach(cls: type, name: str, fn) -> None:
    fn.__name__ = name
    fn.__qualname__ = f"{cls.__qualname__}.{name}"
    fn.__module__ = cls.__module__
    setattr(cls, name, fn)


def _repr(fields: list[tuple[str, bool]]):
    """attrs' ``__repr__``: the class's name (its qualified name's last part after ``>.``) and each field."""
    names = tuple(name for name, _ in fields)
    unset = tuple(not init for _, init in fields)  # attrs reads init=False fields with getattr(…, NOTHING)
    nothing = attrs.NOTHING

    def __repr__(self):
        try:
            seen = _repring.already
        except AttributeError:
            seen = {id(self)}
            _repring.already = seen
        else:
            if id(self) in seen:
                return "..."
            seen.add(id(self))
        try:
            parts = [f"{name}={(getattr(self, name, nothing) if lazy else getattr(self, name))!r}"
                     for name, lazy in zip(names, unset)]
            return f'{self.__class__.__qualname__.rsplit(">.", 1)[-1]}({", ".join(parts)})'
        finally:
            seen.remove(id(self))

    return __repr__


def _eq(names: tuple[str, ...]):
    """attrs' ``__eq__``: ``self.a == other.a and self.b == other.b …`` — the first false result, else the last."""
    if not names:
        def __eq__(self, other):
            if other.__class__ is not self.__class__:
                return NotImplemented
            return True
        return __eq__
    getters = tuple(operator.attrgetter(name) for name in names[:-1])
    last = operator.attrgetter(names[-1])

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        for get in getters:
            result = get(self) == get(other)
            if not result:
                return result
        return last(self) == last(other)

    return __eq__


def _hash(cls: type, names: tuple[str, ...]):
    """attrs' ``__hash__`` of a frozen class: a hash of a per-class constant and the ``eq`` fields."""
    salt = hash(f"<zhishu hash {cls.__module__}.{cls.__qualname__}>")
    if not names:
        def __hash__(self):
            return hash((salt,))
    elif len(names) == 1:
        get = operator.attrgetter(names[0])

        def __hash__(self):
            return hash((salt, get(self)))
    else:
        get = operator.attrgetter(*names)

        def __hash__(self):
            return hash((salt, *get(self)))
    return __hash__
