"""A resolved index: every name looked up, every method instantiated, the tree walked — ready to run.

A :class:`Plan` is what :func:`zhishu.load_config` returns and what :func:`zhishu.run_config` executes. It is
plain data plus configured (unfitted) component objects, so a sensitivity analysis can copy it with
``attrs.evolve`` and swap methods or weights without touching TOML.
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..classes import frozen
from ..components import IndicatorSpec
from ..formula import Formula
from ..components import UnitSpec
from .model import IndexConfig


@frozen(kw_only=True)
class Method:
    """A method chosen in the config: its registry kind and name, the plugin that provides it, the
    ``params`` as written, the configured object, and the TOML key path where it was chosen."""

    kind: str
    name: str
    plugin: str
    params: Mapping[str, Any]
    obj: Any = attrs.field(eq=False, repr=False)
    key_path: str

    def fresh(self) -> Any:
        """An unfitted copy of the configured object (fitting stores learned state on the copy)."""
        return copy.deepcopy(self.obj)

    def resolved_params(self) -> dict[str, Any]:
        """Every parameter with its default filled in (for the manifest and ``zhishu explain``)."""
        names = _init_names(type(self.obj))
        if names is not None:
            return {alias: _plain(getattr(self.obj, name)) for alias, name in names}
        return dict(self.params)

    def describe(self) -> dict[str, Any]:
        return {"method": self.name, "plugin": self.plugin, "params": self.resolved_params()}


def _table_params(source: "ResolvedSource") -> dict[str, Any]:
    """The ``table`` parameters equivalent to a frame source's as written (its ``name`` dropped)."""
    return {k: v for k, v in dict(source.method.params).items() if k != "name"}


@functools.cache
def _init_names(cls: type) -> tuple[tuple[str, str], ...] | None:
    """(alias or name, name) of an attrs class's ``__init__`` fields, in order; ``None`` for other classes
    (``attrs.fields`` costs ~20 µs a call, and the manifest describes every configured method)."""
    if not attrs.has(cls):
        return None
    return tuple((a.alias or a.name, a.name) for a in attrs.fields(cls) if a.init)


#: values :func:`_plain` returns as they are (most parameters), checked before anything else
_SCALAR_TYPES = frozenset([str, int, float, bool, type(None)])


def _plain(value: Any) -> Any:
    if type(value) in _SCALAR_TYPES:
        return value
    names = _init_names(type(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for _, name in names}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@frozen(kw_only=True)
class ResolvedSource:
    """A configured data source: its id and the source plugin's configured object."""

    id: str
    method: Method

    @property
    def obj(self) -> Any:
        return self.method.obj

    @property
    def key_path(self) -> str:
        return self.method.key_path


@frozen(kw_only=True)
class ResolvedIndicator:
    """An indicator of the tree: its spec (constants merged), where it came from, how it is computed."""

    spec: IndicatorSpec
    origin: str  # "config" or the name of the plugin that registered it
    formula: Formula | None
    variables: frozenset[str]  # every source variable needed, the denominator included
    source: str | None
    normaliser: Method
    key_path: str
    transform: Method | None = None
    imputer: Method | None = None  # None: the config's default
    treatment: Method | None = None
    denominator: str | None = None
    denominator_scale: float = 1.0

    @property
    def id(self) -> str:
        return self.spec.id


@frozen(kw_only=True)
class ResolvedNode:
    """An aggregate node: children in order, methods in force (own or inherited), depth from the root."""

    id: str
    name_zh: str
    name_en: str
    children: tuple[str, ...]
    parent: str | None
    depth: int
    weighting: Method
    aggregator: Method
    min_share: float
    origin: str
    key_path: str


def tree_order(root: str, nodes: Mapping[str, ResolvedNode]) -> list[str]:
    """``root`` and everything below it in pre-order (children in config order)."""
    out: list[str] = []
    stack = [root]
    while stack:
        item = stack.pop()
        out.append(item)
        if item in nodes:
            stack.extend(reversed(nodes[item].children))
    return out


@frozen(kw_only=True)
class Plan:
    config: IndexConfig
    raw: Mapping[str, Any] = attrs.field(repr=False)
    path: Path | None
    base_dir: Path
    hooks: Any = attrs.field(eq=False, repr=False)
    units: tuple[UnitSpec, ...]
    sources: Mapping[str, ResolvedSource]
    indicators: Mapping[str, ResolvedIndicator]  # the tree's leaves, in tree order
    nodes: Mapping[str, ResolvedNode]  # aggregate nodes, in pre-order (root first)
    root: str
    imputer: Method
    treatment: Method
    exporters: tuple[Method, ...]
    analyses: Mapping[str, Method]
    years: tuple[int, ...] | None
    reference_year: int | None
    seed: int
    data_roots: tuple[Path, ...] = ()  # sources may read only files inside each (zhishu.data_root)

    @property
    def aggregation_order(self) -> list[str]:
        """Aggregate nodes with every child before its parent (reverse pre-order)."""
        return list(reversed(list(self.nodes)))

    @functools.cached_property
    def parents(self) -> dict[str, str]:
        """Every node and indicator below the root → its parent (computed once)."""
        return {child: node.id for node in self.nodes.values() for child in node.children}

    def parent_of(self, item: str) -> str | None:
        return self.parents.get(item)

    def level_of(self, item: str) -> int:
        """Depth from the root: 0 for the root, parent's depth + 1 below it."""
        if item in self.nodes:
            return self.nodes[item].depth
        return self.nodes[self.parent_of(item)].depth + 1

    def tree_order(self) -> list[str]:
        """Every node and indicator id in pre-order (root first, children in config order)."""
        return tree_order(self.root, self.nodes)

    def to_toml(self, path: str | os.PathLike | None = None, *, data_dir: str | os.PathLike | None = None) -> str:
        """The config as TOML text, exactly as given (a dict or string config too), so that a notebook
        experiment becomes a reviewable file; with ``path``, also written there (UTF-8).

        DataFrame (``frame``) sources cannot live in TOML: with ``data_dir`` each frame is written to
        ``<data_dir>/<source id>.csv`` and its source becomes a ``table`` source reading that file (``data_dir``
        relative to the working directory; the TOML names the file relative to ``path``'s folder, or as
        ``data_dir`` was given when there is no ``path``). Without ``data_dir`` a frame source is an error.
        Relative paths of other sources are kept as written: save the file in the folder they are relative to.
        """
        import tomli_w

        from ..errors import ConfigError, Issue

        raw = copy.deepcopy(dict(self.raw))
        frames = {sid: s for sid, s in self.sources.items() if hasattr(s.obj, "cells") and hasattr(s.obj, "table")}
        if frames and data_dir is None:
            raise ConfigError([Issue(f"source {sid!r} reads a DataFrame, which a TOML file cannot hold: call "
                                     "to_toml(data_dir=\"data\") to write each frame as a CSV file and refer "
                                     "to it", f"sources.{sid}") for sid in frames])
        if frames:
            folder = Path(data_dir)
            folder.mkdir(parents=True, exist_ok=True)
            for sid, source in frames.items():
                target = folder / f"{sid}.csv"
                source.obj.cells().to_csv(target, index=False, encoding="utf-8")
                written = Path(os.path.relpath(target.resolve(), Path(path).resolve().parent)) if path else target
                params = {"path": written.as_posix(), **_table_params(source)}
                raw["sources"][sid] = {"plugin": "table", "params": params}
        text = tomli_w.dumps(raw)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def __repr__(self) -> str:
        sources = ", ".join(f"{sid} ({s.method.name})" for sid, s in self.sources.items())
        return (f"<Plan {self.config.index.id!r}: root {self.root!r}, {len(self.nodes)} nodes, "
                f"{len(self.indicators)} indicators, {len(self.units)} declared units, "
                f"years {list(self.years) if self.years else 'all'}, sources {sources or 'none'}; "
                f"{self.path or 'in memory'}>")

    def describe(self) -> dict[str, Any]:
        """The resolved configuration: every method with its parameters filled in, and where it came from."""
        return {
            "index": attrs.asdict(self.config.index),
            "root": self.root,
            "years": list(self.years) if self.years else None,
            "reference_year": self.reference_year,
            "seed": self.seed,
            "units": [attrs.asdict(u) for u in self.units],
            "sources": {s.id: s.method.describe() for s in self.sources.values()},
            "indicators": {
                i.id: {
                    "origin": i.origin,
                    "name_zh": i.spec.name_zh,
                    "name_en": i.spec.name_en,
                    "unit": i.spec.unit,
                    "direction": i.spec.direction,
                    "variable": i.spec.variable,
                    "formula": i.spec.formula,
                    "params": dict(i.spec.params),
                    "source": i.source,
                    "denominator": i.denominator,
                    "denominator_scale": i.denominator_scale,
                    "normaliser": i.normaliser.describe(),
                    "transform": i.transform.describe() if i.transform else None,
                    "imputation": (i.imputer or self.imputer).describe(),
                    "outliers": (i.treatment or self.treatment).describe(),
                }
                for i in self.indicators.values()
            },
            "nodes": {
                n.id: {
                    "origin": n.origin,
                    "name_zh": n.name_zh,
                    "name_en": n.name_en,
                    "children": list(n.children),
                    "weighting": n.weighting.describe(),
                    "aggregator": n.aggregator.describe(),
                    "min_share": n.min_share,
                }
                for n in self.nodes.values()
            },
            "imputation": self.imputer.describe(),
            "outliers": self.treatment.describe(),
            "analyses": {name: m.describe() for name, m in self.analyses.items()},
            "exporters": [e.name for e in self.exporters],
        }
