"""The one list of component kinds: what plugins register, under which hook, named how in messages.

Every registry, the ``zhishu plugins`` listing, the run manifest and every message that names a component's
kind ("unknown normaliser 'x'", "in outlier treatment 'jrc' of plugin 'p'") are driven by :data:`KINDS`;
``tests/framework/test_kinds.py`` checks that it matches the ``register_*`` hook specs one for one.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


from . import components as c
from .classes import frozen
from .geometry import Geometry


@frozen
class Kind:
    """One kind of component: its registry name (plural, as in ``registries.normalisers``), the singular used
    in messages, the registration hook, and the protocol (or spec class) its registered objects follow."""

    name: str
    singular: str
    hook: str
    protocol: Any = None  # a Protocol for method classes, the spec class for data; None: not checked

    @property
    def article(self) -> str:
        """``a`` or ``an``, for "registered an outlier treatment"."""
        return "an" if self.singular[:1] in "aeiou" else "a"


def _kind(name: str, singular: str, protocol: Any = None) -> Kind:
    return Kind(name=name, singular=singular, hook=f"register_{name}", protocol=protocol)


#: kind name → :class:`Kind`, in the order ``zhishu plugins`` lists them.
KINDS: Mapping[str, Kind] = MappingProxyType({k.name: k for k in (
    _kind("unit_sets", "unit set", c.UnitSet),
    _kind("sources", "source", c.Source),
    _kind("indicators", "indicator", c.IndicatorSpec),
    _kind("subindices", "sub-index", c.SubIndexSpec),
    _kind("normalisers", "normaliser", c.Normaliser),
    _kind("weightings", "weighting", c.Weighting),
    _kind("aggregators", "aggregator", c.Aggregator),
    _kind("imputers", "imputer", c.Imputer),
    _kind("treatments", "outlier treatment", c.Treatment),
    _kind("transforms", "pre-transform", c.Transform),
    _kind("analyses", "analysis", c.Analysis),
    _kind("exporters", "exporter", c.Exporter),
    _kind("commands", "command"),  # zhishu.Command objects (the CLI's subcommands)
    _kind("geometries", "geometry", Geometry),  # boundaries for maps (zhishu.Geometry)
)})


def kind(name: str) -> Kind:
    """The :class:`Kind` called ``name``; a :class:`KeyError` listing the kinds when there is none."""
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"unknown component kind {name!r}; kinds: {', '.join(KINDS)}") from None


def singular(name: str) -> str:
    """The singular of a kind for messages (``"analyses"`` → ``"analysis"``); unknown kinds unchanged."""
    found = KINDS.get(name)
    return found.singular if found is not None else name
