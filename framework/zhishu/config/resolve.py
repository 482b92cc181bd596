"""Resolve a structured config against the registries: the third phase of loading.

Every lookup that fails becomes an :class:`~zhishu.errors.Issue` at the TOML key path that named it, with
"did you mean"; resolution carries on past a failure so that one run reports everything it can.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from cattrs.errors import BaseValidationError, ForbiddenExtraKeysError

from ..calls import blame
from ..components import (
    ChecksChildren,
    ChecksConfig,
    IndicatorSpec,
    MethodSpec,
    ResolvesMethods,
    SubIndexSpec,
    UnitSpec,
    provides,
)
from ..errors import ConfigError, Issue, add_note
from ..kinds import singular
from ..formula import FormulaError, parse
from ..registry import Registries, unknown_name_message
from .converter import make_converter
from .messages import issues_from_cattrs, join
from .model import NONE_METHOD, IndexConfig, IndexMeta, IndicatorConfig, NodeConfig
from .plan import Method, Plan, ResolvedIndicator, ResolvedNode, ResolvedSource, tree_order

DEFAULT_WEIGHTING = MethodSpec(method="equal")
DEFAULT_AGGREGATOR = MethodSpec(method="arithmetic")
DEFAULT_MIN_SHARE = 0.0
#: what a config may set on an indicator that a plugin registered
ADJUSTABLE = ("params", "source", "denominator", "denominator_scale", "normaliser", "transform", "imputer",
              "outliers")


class _Resolver:
    def __init__(self, parts: dict[str, Any], raw: Mapping, registries: Registries):
        self.parts = parts
        self.raw = raw
        self.reg = registries
        self.conv = make_converter()
        self.issues: list[Issue] = []
        self._methods: dict[tuple[str, str], Method | None] = {}

    def issue(self, message: str, path: str) -> None:
        self.issues.append(Issue(message, path))

    def broken(self, section: str, key: str) -> bool:
        """True when ``[section.key]`` exists in the TOML but failed to structure (already reported)."""
        value = self.raw.get(section)
        return isinstance(value, dict) and key in value and key not in self.parts.get(section, {})

    # ------------------------------------------------------------------ methods
    def method(self, kind: str, spec: MethodSpec, path: str) -> Method | None:
        """The configured component for ``spec`` chosen at ``path`` (once per path)."""
        cache_key = (kind, path)
        if cache_key in self._methods:
            return self._methods[cache_key]
        registry = self.reg[kind]
        result = None
        if spec.method not in registry:
            message, _ = unknown_name_message(registry.singular, spec.method, registry.names())
            self.issue(message, path)
        else:
            entry = registry.entry(spec.method)
            where = join(path, "params") if spec.params else path
            obj = self._instantiate(entry.obj, spec.params, where,
                                    f"{singular(kind)} {spec.method!r} of plugin {entry.plugin!r} at {path}")
            if obj is not None:
                result = Method(
                    kind=kind, name=spec.method, plugin=entry.plugin, params=dict(spec.params), obj=obj, key_path=path
                )
                if provides(obj, ResolvesMethods):
                    # a method built from other methods (e.g. combination weighting): resolve them by name too
                    def make(sub_kind: str, sub_spec: MethodSpec, sub_path: str):
                        method = self.method(sub_kind, sub_spec, join(where, sub_path))
                        return None if method is None else method.obj

                    with blame(result):
                        obj.resolve_methods(make)
        self._methods[cache_key] = result
        return result

    def _instantiate(self, cls: Any, params: Mapping[str, Any], path: str, who: str) -> Any:
        """The configured object, or ``None`` with the problems recorded at ``path`` when the parameters do not
        validate; any other exception is a bug in the plugin and propagates, noted with ``who``."""
        try:
            return self.conv.structure(dict(params), cls) if attrs.has(cls) else cls(**params)
        except Exception as exc:
            bug = _bug_in(exc)
            if bug is not None:
                add_note(bug, f"while building {who}")
                raise bug from None if bug is exc else exc
            self.issues.extend(issues_from_cattrs(exc, path) if not isinstance(exc, ConfigError) else
                               [i if i.path else attrs.evolve(i, path=path) for i in exc.issues])
            return None

    # ------------------------------------------------------------------ sections
    def sources(self) -> dict[str, ResolvedSource]:
        out = {}
        configured = self.parts.get("sources", {})
        if not configured and not self.broken_section("sources"):
            self.issue('no data source: add one, e.g. [sources.main] plugin = "table", params = { path = "data.csv" }',
                       "sources")
        for sid, cfg in configured.items():
            method = self.method("sources", MethodSpec(method=cfg.plugin, params=cfg.params), join("sources", sid))
            if method is not None:
                out[sid] = ResolvedSource(id=sid, method=method)
        return out

    def broken_keys(self, section: str) -> set[str]:
        """The keys of ``[section.<key>]`` tables that exist in the TOML but failed to structure."""
        value = self.raw.get(section)
        if not isinstance(value, dict):
            return set()
        done = self.parts.get(section, {})
        return {k for k in value if k not in done}

    def broken_section(self, section: str) -> bool:
        return section in self.raw and section not in self.parts

    def units(self, unit_set: str | None) -> tuple[UnitSpec, ...]:
        """The unit set's units (if any), extended or adjusted by ``[[units]]`` (same id: name replaced,
        aliases added, groups merged)."""
        merged: dict[str, UnitSpec] = {}
        if unit_set is not None:
            if unit_set not in self.reg.unit_sets:
                message, _ = unknown_name_message("unit set", unit_set, self.reg.unit_sets.names())
                self.issue(message, "index.unit_set")
            else:
                merged = {u.id: u for u in self.reg.unit_sets.get(unit_set).units}
        paths = {}
        for i, unit in enumerate(self.parts.get("units", ())):
            paths[unit.id] = f"units[{i}]"
            base = merged.get(unit.id)
            if base is None:
                merged[unit.id] = UnitSpec(id=unit.id, name=unit.name, aliases=unit.aliases, groups=dict(unit.groups))
            else:
                merged[unit.id] = UnitSpec(id=unit.id, name=unit.name or base.name,
                                           aliases=(*base.aliases, *unit.aliases),
                                           groups={**base.groups, **unit.groups})
        seen: dict[str, str] = {}
        for unit in merged.values():
            for label in dict.fromkeys((unit.id, unit.name, *unit.aliases)):
                if not label:
                    continue
                if label in seen and seen[label] != unit.id:
                    self.issue(f"label {label!r} names both unit {seen[label]!r} and unit {unit.id!r}; every id, "
                               "name and alias must be unique", paths.get(unit.id, "index.unit_set"))
                seen.setdefault(label, unit.id)
        return tuple(merged.values())

    def analyses(self) -> dict[str, Method]:
        out = {}
        for name, cfg in self.parts.get("analyses", {}).items():
            method = self.method("analyses", MethodSpec(method=cfg.plugin or name, params=cfg.params),
                                 join("analyses", name))
            if method is not None:
                out[name] = method
        return out

    def indicator(self, iid: str, sources: Mapping[str, ResolvedSource]) -> ResolvedIndicator | None:
        cfg: IndicatorConfig | None = self.parts.get("indicators", {}).get(iid)
        path = join("indicators", iid)
        origin = "config"
        if iid in self.reg.indicators:
            entry = self.reg.indicators.entry(iid)
            spec: IndicatorSpec = entry.obj
            origin = entry.plugin
            if cfg is not None:
                defining = [k for k in IndicatorConfig.DEFINING if getattr(cfg, k) is not None]
                if defining:
                    self.issue(
                        f"indicator {iid!r} is registered by plugin {origin!r}, so only {', '.join(ADJUSTABLE)} "
                        f"can be set here, not {', '.join(defining)}; to define your own indicator, give it another id",
                        path,
                    )
                    return None
                unknown = [k for k in cfg.params if k not in spec.params]
                for k in unknown:
                    message, _ = unknown_name_message(f"constant of indicator {iid!r}", k, list(spec.params))
                    self.issue(message, join(join(path, "params"), k))
                spec = attrs.evolve(spec, params={**spec.params, **cfg.params})
        elif cfg is not None:
            spec = self._inline_spec(iid, cfg, path)
            if spec is None:
                return None
        else:
            return None
        normaliser = self.default_normaliser
        transform = self.default_transform
        imputer = treatment = None
        if cfg is not None:
            if cfg.normaliser is not None:
                normaliser = self.method("normalisers", cfg.normaliser, join(path, "normaliser"))
            if cfg.transform is not None:
                transform = self.method("transforms", cfg.transform, join(path, "transform"))
            if cfg.imputer is not None:
                imputer = self.method("imputers", cfg.imputer, join(path, "imputer"))
            if cfg.outliers is not None:
                treatment = self.method("treatments", cfg.outliers, join(path, "outliers"))
        formula = None
        if spec.formula is not None:
            try:
                formula = parse(spec.formula)
            except FormulaError as exc:
                suffix = "" if origin == "config" else f" (formula of plugin {origin!r})"
                self.issue(f"{exc}{suffix}", join(path, "formula") if origin == "config" else path)
                return None
            variables = formula.variables(spec.params)
        else:
            variables = frozenset([spec.variable or spec.id])
        denominator = cfg.denominator if cfg is not None else None
        scale = cfg.denominator_scale if cfg is not None and cfg.denominator_scale is not None else 1.0
        if cfg is not None and cfg.denominator_scale is not None and denominator is None:
            self.issue("denominator_scale needs a denominator", join(path, "denominator_scale"))
        if denominator is not None:
            variables = variables | {denominator}
        source = cfg.source if cfg is not None else None
        if source is not None and source not in sources and not self.broken("sources", source):
            message, _ = unknown_name_message("source", source, list(self.parts.get("sources", {})))
            self.issue(message, join(path, "source"))
        if normaliser is None:
            return None
        return ResolvedIndicator(
            spec=spec, origin=origin, formula=formula, variables=variables, source=source, normaliser=normaliser,
            key_path=path, transform=transform, imputer=imputer, treatment=treatment, denominator=denominator,
            denominator_scale=scale,
        )

    def _inline_spec(self, iid: str, cfg: IndicatorConfig, path: str) -> IndicatorSpec | None:
        if cfg.direction is None:
            self.issue("direction is required: 1 if higher values are better, -1 if lower values are better",
                       join(path, "direction"))
            return None
        if cfg.variable is not None and cfg.formula is not None:
            self.issue("give either variable or formula, not both", path)
            return None
        try:
            return IndicatorSpec(
                id=iid,
                name_zh=cfg.name_zh or "",
                name_en=cfg.name_en or "",
                unit=cfg.unit or "",
                direction=cfg.direction,
                variable=cfg.variable,
                formula=cfg.formula,
                params=dict(cfg.params),
                description=cfg.description or "",
            )
        except ValueError as exc:
            self.issue(str(exc), join(path, "direction"))
            return None

    # ------------------------------------------------------------------ the tree
    def tree(self, root: str, sources):
        cfg_nodes: Mapping[str, NodeConfig] = self.parts.get("nodes", {})
        broken_nodes = self.broken_keys("nodes")
        broken_indicators = self.broken_keys("indicators")
        known_nodes = set(cfg_nodes) | set(self.reg.subindices) | broken_nodes
        known_indicators = set(self.parts.get("indicators", {})) | set(self.reg.indicators) | broken_indicators
        for both in sorted(known_nodes & known_indicators):
            self.issue(f"{both!r} names both a node and an indicator; rename one of them", join("nodes", both))
        if root not in known_nodes:
            message, _ = unknown_name_message("root node", root, sorted(known_nodes))
            self.issue(message + f"; define it as [nodes.{root}] with children = [...]", "index.root")
            return {}, {}

        known = known_nodes | known_indicators
        nodes: dict[str, ResolvedNode] = {}
        indicators: dict[str, ResolvedIndicator] = {}
        parent_of: dict[str, str] = {}
        # (id, parent id, depth, inherited weighting, aggregator, min_share as (spec, path) pairs)
        root_path = join("nodes", root)  # where the built-in defaults apply
        inherited = ((DEFAULT_WEIGHTING, root_path), (DEFAULT_AGGREGATOR, root_path), DEFAULT_MIN_SHARE)
        stack: list[tuple[str, str | None, int, tuple]] = [(root, None, 0, inherited)]
        while stack:
            item, parent, depth, inh = stack.pop()
            if item in broken_indicators:
                continue
            if item in known_indicators:
                ind = self.indicator(item, sources)
                if ind is not None:
                    indicators[item] = ind
                continue
            if item in broken_nodes:
                continue
            cfg = cfg_nodes.get(item)
            resolved = self.node(item, parent, depth, inh, cfg)
            if resolved is None:
                continue
            node, own_inh = resolved
            nodes[item] = node
            children = node.children
            kids = set(children)
            if (len(kids) == len(children) and item not in kids and root not in kids and kids <= known
                    and parent_of.keys().isdisjoint(kids)):  # (iterates over kids, not over parent_of)
                # no child listed twice, the node itself, placed already or unknown: every child placed at once,
                # by set operations instead of the checks below one child at a time
                parent_of.update(dict.fromkeys(children, item))
                stack.extend([(child, item, depth + 1, own_inh) for child in reversed(children)])
                continue
            listed = cfg is not None and bool(cfg.children)  # else the children come from a plugin's sub-index
            child_list_path = join(join("nodes", item), "children") if listed else node.key_path
            seen_here = set()
            pushes = []
            for i, child in enumerate(node.children):
                # the key path of a problem is built only when there is one
                if child in seen_here:
                    self.issue(f"child {child!r} is listed twice", _child_path(child_list_path, i, listed))
                    continue
                seen_here.add(child)
                if child == item:
                    self.issue(f"node {item!r} lists itself as a child; a node cannot contain itself",
                               _child_path(child_list_path, i, listed))
                    continue
                if child in parent_of or child == root:  # placed already: in a cycle, or under another parent
                    chain = [item]  # item and its ancestors, up to the root
                    while chain[-1] in parent_of:
                        chain.append(parent_of[chain[-1]])
                    if child in chain:
                        cycle = " → ".join([*reversed(chain[: chain.index(child) + 1]), child])
                        self.issue(f"cycle in the tree: {cycle}; remove {child!r} from the children of {item!r}",
                                   _child_path(child_list_path, i, listed))
                        continue
                    self.issue(
                        f"{child!r} is already a child of {parent_of.get(child, '(the root)')!r}; each node and "
                        "indicator has exactly one parent (a tree, not a network)",
                        _child_path(child_list_path, i, listed),
                    )
                    continue
                if child not in known_nodes and child not in known_indicators:
                    message, _ = unknown_name_message(
                        "child (node or indicator)", child, sorted(known_nodes | known_indicators)
                    )
                    self.issue(message, _child_path(child_list_path, i, listed))
                    continue
                parent_of[child] = item
                pushes.append((child, item, depth + 1, own_inh))
            stack.extend(reversed(pushes))

        for nid in cfg_nodes:
            if nid not in nodes and nid not in parent_of and nid != root:
                self.issue(f"node {nid!r} is not reachable from the root {root!r}: add it to a parent's children "
                           "or remove it", join("nodes", nid))
        for iid, icfg in self.parts.get("indicators", {}).items():
            if iid not in parent_of and iid not in self.reg.indicators:
                self.issue(f"indicator {iid!r} is defined but not used in the tree: add it to a node's children "
                           "or remove it", join("indicators", iid))
        return nodes, indicators

    def node(self, nid: str, parent: str | None, depth: int, inh: tuple, cfg: NodeConfig | None):
        path = join("nodes", nid)
        plugin_spec: SubIndexSpec | None = self.reg.subindices.get(nid) if nid in self.reg.subindices else None
        origin = self.reg.subindices.entry(nid).plugin if plugin_spec is not None else "config"
        children = cfg.children if cfg is not None and cfg.children is not None else (
            plugin_spec.children if plugin_spec is not None else None
        )
        if not children:
            self.issue("a node needs children = [...] (ids of nodes or indicators)", join(path, "children"))
            return None
        (w_spec, w_path), (a_spec, a_path), min_share = inh
        own_weights = None
        if plugin_spec is not None:
            sub_path = f"{path} (sub-index of plugin {origin!r})"
            if plugin_spec.weighting is not None:
                w_spec, w_path = plugin_spec.weighting, sub_path
            if plugin_spec.aggregator is not None:
                a_spec, a_path = plugin_spec.aggregator, sub_path
            if plugin_spec.weights is not None:
                own_weights = (MethodSpec(method="fixed", params={"values": dict(plugin_spec.weights)}), sub_path)
        if cfg is not None:
            if cfg.weights is not None and cfg.weighting is not None:
                self.issue("give either weights (fixed weights) or weighting, not both", path)
            if cfg.weighting is not None:
                w_spec, w_path = cfg.weighting, join(path, "weighting")
                own_weights = None
            if cfg.weights is not None:
                own_weights = (MethodSpec(method="fixed", params={"values": dict(cfg.weights)}), join(path, "weights"))
            if cfg.aggregator is not None:
                a_spec, a_path = cfg.aggregator, join(path, "aggregator")
            if cfg.min_share is not None:
                if not 0.0 <= cfg.min_share <= 1.0:
                    self.issue(f"min_share must be between 0 and 1, got {cfg.min_share}", join(path, "min_share"))
                min_share = cfg.min_share
        node_w_spec, node_w_path = own_weights if own_weights is not None else (w_spec, w_path)
        weighting = self.method("weightings", node_w_spec, node_w_path)
        aggregator = self.method("aggregators", a_spec, a_path)
        if weighting is not None and provides(weighting.obj, ChecksChildren):
            with blame(weighting):
                problems = weighting.obj.check(tuple(children))
            for problem in problems:
                self.issue(f"{problem} (node {nid!r})", node_w_path)
        # a node whose methods failed still walks its children, so their problems are reported too
        names = cfg if cfg is not None and (cfg.name_zh or cfg.name_en) else plugin_spec
        node = ResolvedNode(
            id=nid,
            name_zh=getattr(names, "name_zh", "") or "",
            name_en=getattr(names, "name_en", "") or "",
            children=tuple(children),
            parent=parent,
            depth=depth,
            weighting=weighting,
            aggregator=aggregator,
            min_share=min_share,
            origin=origin,
            key_path=path,
        )
        return node, ((w_spec, w_path), (a_spec, a_path), min_share)


def _child_path(list_path: str, i: int, listed: bool) -> str:
    """Where a node's ``i``-th child is named: ``nodes.<id>.children[i]``, or the sub-index's own path when a
    plugin lists its children."""
    return f"{list_path}[{i}]" if listed else list_path


def resolve(parts: dict[str, Any], raw: Mapping, registries: Registries, *, hooks, path: Path | None,
            base_dir: Path) -> tuple[Plan | None, list[Issue]]:
    """Resolve structured sections into a :class:`Plan`; the plan is ``None`` when anything failed."""
    r = _Resolver(parts, raw, registries)
    meta: IndexMeta = parts.get("index") or IndexMeta(id="(invalid)")
    norm = parts.get("normalisation")
    r.default_normaliser = r.method(
        "normalisers", norm.default if norm else MethodSpec(method="minmax"), "normalisation.default"
    )
    r.default_transform = (
        r.method("transforms", norm.transform, "normalisation.transform") if norm and norm.transform else None
    )
    imputation = parts.get("imputation")
    outliers = parts.get("outliers")
    imputer = r.method("imputers", imputation.default if imputation else NONE_METHOD, "imputation.default")
    treatment = r.method("treatments", outliers.default if outliers else NONE_METHOD, "outliers.default")
    output = parts.get("output")
    exporters = []
    for i, name in enumerate(output.exporters if output else ("csv",)):
        if name == "csv" and output is not None and output.format == "parquet":
            name = "parquet"
        m = r.method("exporters", MethodSpec(method=name), f"output.exporters[{i}]")
        if m is not None:
            exporters.append(m)
    units = r.units(meta.unit_set)
    sources = r.sources()
    analyses = r.analyses()
    nodes, indicators = r.tree(meta.root, sources)

    years = tuple(sorted(set(meta.years))) if meta.years else None
    if meta.years is not None and not meta.years:
        r.issue("years is empty: list the years to compute, or leave it out to compute every year in the data",
                "index.years")
    reference_year = norm.reference_year if norm else None
    if reference_year is not None and years is not None and reference_year not in years:
        r.issue(f"reference_year {reference_year} is not one of index.years {list(years)}",
                "normalisation.reference_year")

    if r.issues or "index" not in parts:
        return None, r.issues
    config = IndexConfig(**parts)
    plan = Plan(
        config=config,
        raw=raw,
        path=path,
        base_dir=base_dir,
        hooks=hooks,
        units=units,
        sources=sources,
        indicators={i: indicators[i] for i in tree_order(meta.root, nodes) if i in indicators},
        nodes=nodes,
        root=meta.root,
        imputer=imputer,
        treatment=treatment,
        exporters=tuple(exporters),
        analyses=analyses,
        years=years,
        reference_year=reference_year,
        seed=meta.seed,
    )
    issues = plan_issues(plan)
    return (None if issues else plan), issues


#: exception types a component raises to reject its parameters (attrs validators, ``__attrs_post_init__``)
VALIDATION_ERRORS = (ValueError, TypeError, ConfigError, ForbiddenExtraKeysError)


def _bug_in(exc: BaseException) -> BaseException | None:
    """The first exception under ``exc`` (a cattrs group or a single exception) that is not a validation
    error: a bug in the component's code, not a problem with the user's parameters; ``None`` when all are."""
    if isinstance(exc, BaseValidationError):
        for sub in exc.exceptions:
            found = _bug_in(sub)
            if found is not None:
                return found
        return None
    if isinstance(exc, KeyError) and getattr(exc, "__notes__", None):  # cattrs: a required key is missing
        return None
    return None if isinstance(exc, VALIDATION_ERRORS) else exc


def configured_methods(plan: Plan) -> dict[str, Method]:
    """Every method of ``plan`` by the key path that chose it (once each, in a stable order)."""
    found: dict[str, Method] = {}

    def add(method: Method | None) -> None:
        if method is not None:
            found.setdefault(method.key_path, method)

    for source in plan.sources.values():
        add(source.method)
    for ind in plan.indicators.values():  # inlined add(): 4 methods of each of thousands of indicators
        for method in (ind.normaliser, ind.transform, ind.imputer, ind.treatment):
            if method is not None and method.key_path not in found:
                found[method.key_path] = method
    for node in plan.nodes.values():
        add(node.weighting)
        add(node.aggregator)
    add(plan.imputer)
    add(plan.treatment)
    for method in (*plan.analyses.values(), *plan.exporters):
        add(method)
    return found


def plan_issues(plan: Plan) -> list[Issue]:
    """The problems that methods declaring :class:`~zhishu.components.ChecksConfig` find in the resolved plan."""
    issues = []
    for where, method in configured_methods(plan).items():
        if provides(method.obj, ChecksConfig):
            with blame(method):
                found = method.obj.config_issues(plan, where)
            for path, problem in found:
                issues.append(Issue(problem, path or where))
    return issues


def resolve_method(registries: Registries, kind: str, spec: MethodSpec | str, path: str) -> Method:
    """One method outside a config file (e.g. ``--excel``); a :class:`ConfigError` if it does not resolve."""
    from ..errors import ConfigError

    r = _Resolver({}, {}, registries)
    method = r.method(kind, MethodSpec(method=spec) if isinstance(spec, str) else spec, path)
    if method is None:
        raise ConfigError(r.issues)
    return method
