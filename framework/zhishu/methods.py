"""Every registered method by name, configured as in TOML, for use on any matrix.

``zhishu.methods.get("normaliser", "minmax", low=1, high=100)`` is the object the config
``normaliser = { method = "minmax", params = { low = 1, high = 100 } }`` builds: the same registry lookup (an
unknown name answers with close matches), the same strict parameter checks and messages. It works outside a
pipeline too: ``zhishu.methods.get("weighting", "entropy").weights(df)`` weighs the columns of ``df``.
"""

from __future__ import annotations

from typing import Any

from .components import MethodSpec
from .errors import ConfigError
from .hooks import Hooks

#: the kinds :func:`get` serves, singular → registry name (the plural is accepted as well)
METHOD_KINDS: dict[str, str] = {
    "normaliser": "normalisers",
    "weighting": "weightings",
    "aggregator": "aggregators",
    "imputer": "imputers",
    "treatment": "treatments",
    "transform": "transforms",
}


def _registry_kind(kind: str) -> str:
    if kind in METHOD_KINDS:
        return METHOD_KINDS[kind]
    if kind in METHOD_KINDS.values():
        return kind
    from .registry import did_you_mean

    hints = did_you_mean(kind, [*METHOD_KINDS, *METHOD_KINDS.values()])
    hint = (" (did you mean " + " or ".join(map(repr, hints)) + "?)") if hints else ""
    raise ValueError(f"unknown method kind {kind!r}{hint}; kinds: {', '.join(METHOD_KINDS)}")


def _hooks(hooks: Hooks | None) -> Hooks:
    if hooks is not None:
        return hooks
    from .plugins import get_plugin_manager

    return Hooks(get_plugin_manager())


def get(kind: str, name: str, *, hooks: Hooks | None = None, **params: Any) -> Any:
    """The configured (unfitted) component ``name`` of ``kind`` (``"normaliser"``, ``"weighting"``,
    ``"aggregator"``, ``"imputer"``, ``"treatment"``, ``"transform"``; plurals too) with ``params``.

    :param hooks: the plugins to look in (default: a fresh plugin manager of every installed plugin).
    :raises ConfigError: an unknown name (with close matches) or parameters that do not check, located at
        ``params.<name>`` exactly as in a config.
    """
    from .config.resolve import _Resolver

    registry_kind = _registry_kind(kind)
    resolver = _Resolver({}, {}, _hooks(hooks).registries)
    method = resolver.method(registry_kind, MethodSpec(method=name, params=params), "")
    if resolver.issues or method is None:
        raise ConfigError(resolver.issues)
    return method.obj


def names(kind: str, *, hooks: Hooks | None = None) -> list[str]:
    """The names registered for ``kind``, sorted."""
    return sorted(_hooks(hooks).registries[_registry_kind(kind)].names())


__all__ = ["METHOD_KINDS", "get", "names"]
