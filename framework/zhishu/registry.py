"""Named registries of components that plugins contribute through the ``register_*`` hooks.

A registry belongs to one run (it is built from a plugin manager, never at import time). Two plugins that
register the same name are an error naming both; an unknown name is answered with close matches and the list
of what is available.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar


from .classes import frozen
from .errors import PluginError, UnknownNameError, leave_out, quote
from .kinds import KINDS as _KINDS
from .kinds import singular as _singular
from .listing import MAX_LISTED_NAMES

T = TypeVar("T")

#: Registry kinds, in the order they are listed by ``zhishu plugins`` (from the one map, :data:`zhishu.kinds.KINDS`).
KINDS: tuple[str, ...] = tuple(_KINDS)


#: how many names an "unknown name" message lists at most
MAX_LISTED = MAX_LISTED_NAMES


def did_you_mean(name: str, choices: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Up to three names from ``choices`` that look like ``name`` (case-insensitive)."""
    lowered = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    return tuple(lowered[h] for h in hits)


def unknown_name_message(kind: str, name: str, choices: list[str] | tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The standard "unknown X 'name': did you mean …?; available: …" sentence and its suggestions."""
    suggestions = did_you_mean(name, choices)
    text = f"unknown {kind} {quote(name)}"  # cut short: the name is user input
    if suggestions:
        text += ": did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
    listed = sorted(choices)
    if len(listed) > MAX_LISTED:  # a long list hides the point; say how many and where to see them all
        listed = [*listed[:MAX_LISTED], f"… ({len(choices)} in all; `zhishu plugins` lists what plugins register)"]
    text += "; available: " + (", ".join(listed) if choices else "none (is the plugin installed?)")
    return text, suggestions


@frozen
class Lazy:
    """A component named by where it lives, ``"package.module:Name"``, imported when a run first uses it.

    A plugin registers ``zhishu.lazy("mypkg.methods:MyNormaliser")`` instead of the class so that importing the
    plugin (which every ``zhishu`` command does) does not import the component's module: its name is
    registered, listed and suggested at once; the object is imported by :meth:`Registry.entry` (and
    :meth:`Registry.entries`, ``zhishu plugins``) the first time it is asked for."""

    target: str

    def load(self):
        module, _, path = self.target.partition(":")
        obj = importlib.import_module(module)
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj


def lazy(target: str) -> Lazy:
    """``Lazy(target)`` after checking that ``target`` is ``"module:attribute"`` (a ValueError otherwise)."""
    module, colon, path = str(target).partition(":")
    parts = [*module.split("."), *path.split(".")]
    if not (isinstance(target, str) and colon and all(p.isidentifier() for p in parts)):
        raise ValueError(f"zhishu.lazy needs 'package.module:Name', got {target!r}")
    return Lazy(target)


@frozen
class Entry(Generic[T]):
    """A registered component and the plugin that registered it."""

    name: str
    obj: T
    plugin: str


class Registry(Generic[T]):
    """Name → component, filled through a ``register(name, obj)`` callback handed to one plugin at a time."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

    @property
    def singular(self) -> str:
        return _singular(self.kind)

    def add(self, name: str, obj: T, plugin: str) -> None:
        if not isinstance(name, str) or not name:
            article = _KINDS[self.kind].article if self.kind in _KINDS else "a"
            raise PluginError(f"plugin {plugin!r} registered {article} {self.singular} with an invalid name {name!r}")
        if name in self._entries:
            first = self._entries[name].plugin
            raise PluginError(
                f"{self.singular} {name!r} is registered twice: by plugin {first!r} and by plugin {plugin!r}; "
                f"block one of them (config [plugins] block = [...] or ZHISHU_BLOCK_PLUGINS)"
            )
        self._entries[name] = Entry(name, obj, plugin)

    def callback(self, plugin: str):
        """The ``register`` function handed to ``plugin``'s hook implementation."""

        def register(name: str, obj: T) -> None:
            self.add(name, obj, plugin)

        register.__doc__ = f"Register a {self.singular} under ``name``."
        return register

    def get(self, name: str) -> T:
        return self.entry(name).obj

    def entry(self, name: str) -> Entry[T]:
        try:
            found = self._entries[name]
        except (KeyError, TypeError):
            message, suggestions = unknown_name_message(self.singular, str(name), self.names())
            raise UnknownNameError(message, name=str(name), suggestions=suggestions) from None
        return self._loaded(found) if isinstance(found.obj, Lazy) else found

    def _loaded(self, entry: Entry) -> Entry:
        """``entry`` with its :class:`Lazy` object imported (once: the entry is replaced); a plugin whose
        component cannot be imported is a :class:`~zhishu.PluginError` naming the plugin and the component."""
        try:
            obj = entry.obj.load()
        except Exception as exc:  # anything its import raises (ImportError, SyntaxError, a bug at import)
            raise PluginError(
                f"plugin {entry.plugin!r} registered {self.singular} {entry.name!r} as {entry.obj.target!r}, "
                f"which failed to import: {type(exc).__name__}: {exc}; reinstall (or repair) the plugin, or "
                f"leave it out: {leave_out(entry.plugin)}"
            ) from exc
        loaded = Entry(entry.name, obj, entry.plugin)
        self._entries[entry.name] = loaded
        return loaded

    def names(self) -> list[str]:
        return list(self._entries)

    def entries(self) -> list[Entry[T]]:
        """Every entry in registration order, each :class:`Lazy` one imported."""
        return [self._loaded(e) if isinstance(e.obj, Lazy) else e for e in list(self._entries.values())]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {sorted(self._entries)})"


class Registries:
    """One :class:`Registry` per kind, as attributes (``registries.normalisers`` …).

    With ``fill`` (what :class:`zhishu.Hooks` passes: ``fill(kind, registry)`` asks every plugin's
    ``register_<kind>`` hook), each kind's registry is filled when first used, so that a run asks plugins
    only for the kinds it needs (a config without analyses never imports the plugins' analyses); a kind whose
    filling fails is not kept, and is asked again on its next use. Without it, every registry starts empty."""

    def __init__(self, fill: Callable[[str, Registry], None] | None = None) -> None:
        self._fill = fill
        if fill is None:
            for kind in KINDS:
                setattr(self, kind, Registry(kind))

    def __getattr__(self, kind: str) -> Registry:  # only for a kind not filled yet
        fill = self.__dict__.get("_fill")
        if fill is None or kind not in KINDS:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {kind!r}")
        registry: Registry = Registry(kind)
        fill(kind, registry)
        setattr(self, kind, registry)
        return registry

    def __getitem__(self, kind: str) -> Registry:
        if kind not in KINDS:
            raise KeyError(kind)
        return getattr(self, kind)

    def items(self) -> list[tuple[str, Registry]]:
        return [(kind, self[kind]) for kind in KINDS]

    # declared for type checkers; set in __init__ (one attribute per kind of zhishu.kinds.KINDS)
    unit_sets: Registry
    analyses: Registry
    sources: Registry
    indicators: Registry
    subindices: Registry
    normalisers: Registry
    weightings: Registry
    aggregators: Registry
    imputers: Registry
    treatments: Registry
    transforms: Registry
    exporters: Registry
    commands: Registry
    geometries: Registry
