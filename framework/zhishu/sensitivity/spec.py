"""The ``[sensitivity]`` table: what is uncertain, how it is sampled — structured strictly and resolved against
the index's :class:`~zhishu.config.plan.Plan`, with every problem reported at its TOML path.

``docs/sensitivity.md`` is the reference. The spec lives in the index config or in a separate TOML file; the
index loader accepts (and ignores) the ``[sensitivity]`` section so such configs still run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..classes import frozen
from ..components import MethodSpec
from ..config.converter import make_converter
from ..config.messages import issues_from_cattrs, join
from ..config.plan import Method, Plan
from ..errors import ConfigError, Issue
from ..registry import unknown_name_message

WEIGHT_METHODS = ("uniform", "dirichlet")
#: most runs of the index one sensitivity analysis may ask for (N, or N·(D + 2) with Sobol): memory for the
#: sample matrix and the per-run results grows with it (docs/sensitivity.md)
MAX_REPLICATIONS = 1_000_000


# --------------------------------------------------------------------------------------------- TOML schema


@frozen(kw_only=True)
class WeightsSpec:
    """``[sensitivity.weights]``: perturb the weights of ``nodes`` (default: every node)."""

    method: str = "uniform"
    noise: float | None = None  # uniform: each weight × U(1 − noise, 1 + noise), then re-normalised
    concentration: float | None = None  # dirichlet: Dirichlet(concentration × nominal weights)
    nodes: tuple[str, ...] | None = None


@frozen(kw_only=True)
class AlternativesSpec:
    """``[sensitivity.normaliser]`` / ``[sensitivity.imputation]``: methods to choose from, nominal first."""

    alternatives: tuple[MethodSpec, ...]


@frozen(kw_only=True)
class AggregatorSpec:
    """``[sensitivity.aggregator]``: aggregators to choose from (nominal first) for ``nodes`` (default all)."""

    alternatives: tuple[MethodSpec, ...]
    nodes: tuple[str, ...] | None = None


@frozen(kw_only=True)
class LeaveOneOutSpec:
    """``[sensitivity.leave_one_out]``: each replication drops one of ``indicators`` (or none)."""

    indicators: Any = "all"  # "all" or a list of indicator ids


@frozen(kw_only=True)
class AHPSpec:
    """``[sensitivity.ahp]``: move each AHP judgment of ``nodes`` (default: every node weighted by AHP) up to
    ``steps`` steps either way on Saaty's scale 1/9 … 1/2, 1, 2 … 9, keeping reciprocity."""

    steps: int = 1
    nodes: tuple[str, ...] | None = None


@frozen(kw_only=True)
class AHPNode:
    """A node whose AHP judgments are perturbed: its nominal matrix, the judged pairs (i < j) and the method."""

    node: str
    matrix: Any  # numpy array, children × children
    pairs: tuple[tuple[int, int], ...]
    method: str


@frozen(kw_only=True)
class SensitivitySpec:
    """The whole ``[sensitivity]`` table."""

    replications: int
    seed: int = 0
    sobol: bool = False
    weights: WeightsSpec | None = None
    normaliser: AlternativesSpec | None = None
    aggregator: AggregatorSpec | None = None
    imputation: AlternativesSpec | None = None
    leave_one_out: LeaveOneOutSpec | None = None
    ahp: AHPSpec | None = None


# --------------------------------------------------------------------------------------------- resolved


@frozen(kw_only=True)
class UncertainInput:
    """One uncertain input: a name (``weights``, ``normaliser`` …), its kind and what it ranges over.

    ``columns`` is how many columns of the sample matrix it takes (one per perturbed weight for ``weights``, one
    for a discrete choice); a discrete input has ``choices`` (labels, nominal first)."""

    name: str
    kind: str  # "weights" or "choice"
    columns: int
    choices: tuple[str, ...] = ()
    description: str = ""


@frozen(kw_only=True)
class ResolvedSpec:
    """The spec checked against the plan: the methods resolved, the nodes and indicators looked up."""

    spec: SensitivitySpec
    raw: Mapping[str, Any]
    weight_method: str | None  # None: weights not perturbed
    noise: float
    concentration: float
    weight_slots: tuple[tuple[str, str], ...]  # (node, child) of each perturbed weight, in sample-column order
    normalisers: tuple[Method, ...]  # alternatives (index 0 = the configured methods)
    aggregators: tuple[Method, ...]
    aggregator_nodes: tuple[str, ...]
    imputers: tuple[Method, ...]
    left_out: tuple[str, ...]  # indicators that may be left out (choice 0 = none)
    inputs: tuple[UncertainInput, ...]
    #: per discrete input, whether its first alternative is the configured (nominal) method; if so, choice 0
    #: leaves the plan as configured (per-indicator or per-node methods included)
    nominal_first: Mapping[str, bool] = attrs.field(factory=dict)
    ahp_nodes: tuple[AHPNode, ...] = ()
    ahp_steps: int = 0

    @property
    def reported_slots(self) -> tuple[tuple[str, str], ...]:
        """(node, child) of every weight that varies between replications (perturbed or from AHP judgments)."""
        extra = tuple((a.node, c) for a in self.ahp_nodes for c in self._children[a.node]
                      if (a.node, c) not in self.weight_slots)
        return self.weight_slots + extra

    _children: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict, repr=False)

    @property
    def base_samples(self) -> int:
        return self.spec.replications

    @property
    def total_replications(self) -> int:
        """N, or N·(D + 2) with Sobol (Saltelli's scheme without second-order terms, D = uncertain inputs)."""
        if self.spec.sobol:
            return self.spec.replications * (self.sobol_inputs + 2)
        return self.spec.replications

    @property
    def sobol_inputs(self) -> int:
        """D of Saltelli's scheme: the uncertain inputs, plus a dummy one when there is only one (SALib
        ignores a single group, which would split the weights input into one input per weight)."""
        return max(len(self.inputs), 2)

    @property
    def columns(self) -> int:
        return sum(i.columns for i in self.inputs)

    def describe_lines(self) -> list[str]:
        """Every uncertain input as resolved, one block each (printed before anything runs)."""
        s = self.spec
        if s.sobol:
            dummy = " incl. a dummy" if len(self.inputs) == 1 else ""
            head = (f"sensitivity: {self.total_replications} replications = {s.replications} × ({self.sobol_inputs} "
                    f"inputs{dummy} + 2), Sobol/Saltelli sample (SALib), seed {s.seed}")
        else:
            head = f"sensitivity: {s.replications} replications, seed {s.seed}, independent uniform sample (numpy)"
        lines = [head]
        if not self.inputs:
            lines.append("  no uncertain input: every replication is the nominal index")
        for inp in self.inputs:
            lines.append(f"  {inp.name}: {inp.description}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "replications": self.spec.replications,
            "total_replications": self.total_replications,
            "seed": self.spec.seed,
            "sobol": self.spec.sobol,
            "inputs": [attrs.asdict(i) for i in self.inputs],
            "weight_slots": [f"{n}/{c}" for n, c in self.weight_slots],
            "spec": dict(self.raw),
        }


# --------------------------------------------------------------------------------------------- loading


def read_spec_table(config_path: Path, spec_path: Path | None = None) -> tuple[Mapping[str, Any], str]:
    """The raw ``[sensitivity]`` table from ``spec_path`` (if given) or the config, and the file it came from."""
    from ..config.load import read_toml

    path = Path(spec_path) if spec_path is not None else Path(config_path)
    raw = read_toml(path)
    if "sensitivity" not in raw:
        hint = "" if spec_path is not None else " or pass a separate file with --spec FILE"
        raise ConfigError([Issue(f"no [sensitivity] table; add one{hint} (see docs/sensitivity.md)", "sensitivity",
                                 str(path))])
    return raw["sensitivity"], str(path)


def structure_spec(raw: Any) -> SensitivitySpec:
    """The raw table structured strictly; every problem as ``sensitivity.…: message``."""
    conv = make_converter()
    try:
        return conv.structure(raw, SensitivitySpec)
    except Exception as exc:
        raise ConfigError(issues_from_cattrs(exc, "sensitivity")) from None


def resolve_spec(raw: Any, plan: Plan, file: str = "") -> ResolvedSpec:
    """Structure and check the ``[sensitivity]`` table against ``plan``; a :class:`ConfigError` lists every
    problem (each with its TOML path)."""
    try:
        spec = structure_spec(raw)
    except ConfigError as exc:
        raise ConfigError([attrs.evolve(i, file=file) for i in exc.issues]) from None
    issues: list[Issue] = []
    P = "sensitivity"

    def issue(message: str, path: str) -> None:
        issues.append(Issue(message, path, file))

    if spec.replications < 1:
        issue(f"replications must be at least 1, got {spec.replications}", join(P, "replications"))
    if spec.sobol and spec.replications >= 1 and spec.replications & (spec.replications - 1):
        issue(f"with sobol = true, replications is Saltelli's base sample N and must be a power of 2 (e.g. "
              f"{1 << max(spec.replications.bit_length() - 1, 0)} or {1 << spec.replications.bit_length()}); "
              f"{spec.replications} was given", join(P, "replications"))
    if spec.replications > MAX_REPLICATIONS:
        issue(f"replications must be at most {MAX_REPLICATIONS:,}, got {spec.replications:.3g}", join(P, "replications"))
    if spec.seed < 0:
        issue(f"seed must be a non-negative integer, got {spec.seed}", join(P, "seed"))

    inputs: list[UncertainInput] = []
    nominal_first: dict[str, bool] = {}
    # ------------------------------------------------------------- weights
    weight_method, noise, concentration, slots = None, 0.0, 0.0, ()
    if spec.weights is not None:
        wp = join(P, "weights")
        w = spec.weights
        if w.method not in WEIGHT_METHODS:
            message, _ = unknown_name_message("weights method", w.method, list(WEIGHT_METHODS))
            issue(message, join(wp, "method"))
        nodes = _nodes(w.nodes, plan, join(wp, "nodes"), issue)
        if w.method == "uniform":
            if w.concentration is not None:
                issue('concentration is for method = "dirichlet"; uniform noise takes noise = …', join(wp, "concentration"))
            if w.noise is None:
                issue("noise is required with method = \"uniform\" (e.g. noise = 0.25 for ±25%)", join(wp, "noise"))
            elif not (0.0 <= w.noise < 1.0 and math.isfinite(w.noise)):
                issue(f"noise must be at least 0 and below 1 (a fraction: 0.25 is ±25%), got {w.noise:g}",
                      join(wp, "noise"))
            else:
                noise = w.noise
        elif w.method == "dirichlet":
            if w.noise is not None:
                issue('noise is for method = "uniform"; the Dirichlet spread is set by concentration = …',
                      join(wp, "noise"))
            if w.concentration is None:
                issue('concentration is required with method = "dirichlet" (e.g. 100: larger is tighter around the '
                      "nominal weights)", join(wp, "concentration"))
            elif not (w.concentration > 0 and math.isfinite(w.concentration)):
                issue(f"concentration must be a positive number, got {w.concentration:g}", join(wp, "concentration"))
            else:
                concentration = w.concentration
        weight_method = w.method
        slots = tuple((n, c) for n in nodes for c in plan.nodes[n].children)
        if w.method == "uniform":
            desc = (f"uniform, each weight × U({1 - noise:g}, {1 + noise:g}) then re-normalised within its parent; "
                    f"{len(slots)} weights of {len(nodes)} node(s): {', '.join(nodes)}")
        else:
            desc = (f"Dirichlet(concentration {concentration:g} × nominal weights) per node; {len(slots)} weights "
                    f"of {len(nodes)} node(s): {', '.join(nodes)}")
        inputs.append(UncertainInput(name="weights", kind="weights", columns=len(slots), description=desc))

    # ------------------------------------------------------------- discrete choices
    registries = plan.hooks.registries
    normalisers: tuple[Method, ...] = ()
    if spec.normaliser is not None:
        path = join(P, "normaliser")
        normalisers = _alternatives(spec.normaliser.alternatives, registries, "normalisers", path, issue)
        if _usable(normalisers):
            ref = _default_normaliser(plan)
            nominal_first["normaliser"] = ref is not None and _same(normalisers[0], ref)
            custom = [i.id for i in plan.indicators.values() if i.normaliser.key_path != "normalisation.default"]
            note = (f"; every indicator, including those with their own normaliser ({', '.join(custom)}), takes the "
                    "alternative" + (" (except with the nominal one)" if nominal_first["normaliser"] else "")
                    if custom else "")
            inputs.append(UncertainInput(
                name="normaliser", kind="choice", columns=1, choices=tuple(_label(m) for m in normalisers),
                description=_alternatives_text(normalisers, nominal_first["normaliser"],
                                               _label(ref) if ref is not None else "per-indicator") + note))
    aggregators: tuple[Method, ...] = ()
    agg_nodes: tuple[str, ...] = ()
    if spec.aggregator is not None:
        path = join(P, "aggregator")
        agg_nodes = _nodes(spec.aggregator.nodes, plan, join(path, "nodes"), issue)
        aggregators = _alternatives(spec.aggregator.alternatives, registries, "aggregators", path, issue)
        if _usable(aggregators) and agg_nodes:
            configured = list(dict.fromkeys(_label(plan.nodes[n].aggregator) for n in agg_nodes))
            nominal_first["aggregator"] = all(_same(aggregators[0], plan.nodes[n].aggregator) for n in agg_nodes)
            inputs.append(UncertainInput(
                name="aggregator", kind="choice", columns=1, choices=tuple(_label(m) for m in aggregators),
                description=_alternatives_text(aggregators, nominal_first["aggregator"], " / ".join(configured))
                + f"; for node(s) {', '.join(agg_nodes)} together"))
    imputers: tuple[Method, ...] = ()
    if spec.imputation is not None:
        path = join(P, "imputation")
        imputers = _alternatives(spec.imputation.alternatives, registries, "imputers", path, issue)
        if _usable(imputers):
            nominal_first["imputation"] = _same(imputers[0], plan.imputer)
            custom = [i.id for i in plan.indicators.values() if i.imputer is not None]
            note = (f"; indicators with their own imputer ({', '.join(custom)}) take the alternative too"
                    + (" (except with the nominal one)" if nominal_first["imputation"] else "") if custom else "")
            inputs.append(UncertainInput(
                name="imputation", kind="choice", columns=1, choices=tuple(_label(m) for m in imputers),
                description=_alternatives_text(imputers, nominal_first["imputation"], _label(plan.imputer)) + note))
    left_out: tuple[str, ...] = ()
    if spec.leave_one_out is not None:
        path = join(join(P, "leave_one_out"), "indicators")
        value = spec.leave_one_out.indicators
        if value == "all":
            left_out = tuple(plan.indicators)
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            for i, iid in enumerate(value):
                if iid not in plan.indicators:
                    message, _ = unknown_name_message("indicator", iid, list(plan.indicators))
                    issue(message, f"{path}[{i}]")
            left_out = tuple(dict.fromkeys(v for v in value if v in plan.indicators))
            if not value:
                issue('indicators is empty: list indicator ids or write "all"', path)
        else:
            issue(f'expected "all" or an array of indicator ids, got {value!r:.60}', path)
        removed = {}
        for iid in left_out:
            item = removed_item(plan, iid)
            if item is None:
                issue(f"indicator {iid!r} is the only indicator under the root, so it cannot be left out", path)
            elif item != iid:
                removed[iid] = item
        if left_out:
            note = ("; an indicator that is the only child of its node takes that node out with it: "
                    + ", ".join(f"{i} → {n}" for i, n in removed.items()) if removed else "")
            inputs.append(UncertainInput(
                name="leave_one_out", kind="choice", columns=1, choices=("(none)", *left_out),
                description=f"each replication leaves out none or one of {len(left_out)} indicator(s): "
                            f"{', '.join(left_out)} (its weight is set to 0 and its siblings' re-normalised{note})"))
    ahp_nodes: tuple[AHPNode, ...] = ()
    ahp_steps = 0
    if spec.ahp is not None:
        ahp_nodes, ahp_steps = _ahp(spec.ahp, plan, join(P, "ahp"), issue)
        if ahp_nodes:
            count = sum(len(a.pairs) for a in ahp_nodes)
            inputs.append(UncertainInput(
                name="ahp", kind="ahp", columns=count,
                description=f"each of {count} AHP judgment(s) of node(s) {', '.join(a.node for a in ahp_nodes)} "
                            f"moved by −{ahp_steps} … +{ahp_steps} steps (uniformly) on Saaty's scale 1/9 … 9, "
                            "reciprocal kept, weights recomputed (CR not enforced)"))
    if spec.sobol and not inputs and not issues:
        issue("sobol = true needs at least one uncertain input (weights, normaliser, aggregator, imputation or "
              "leave_one_out)", join(P, "sobol"))
    if spec.sobol and not issues and spec.replications * (max(len(inputs), 2) + 2) > MAX_REPLICATIONS:
        issue(f"with sobol = true, replications = {spec.replications} gives {spec.replications} × "
              f"({max(len(inputs), 2)} inputs + 2) runs, more than the maximum {MAX_REPLICATIONS:,}; use a smaller "
              "power of 2", join(P, "replications"))
    if issues:
        raise ConfigError(issues)
    return ResolvedSpec(
        spec=spec, raw=dict(raw), weight_method=weight_method, noise=noise, concentration=concentration,
        weight_slots=slots, normalisers=normalisers, aggregators=aggregators, aggregator_nodes=agg_nodes,
        imputers=imputers, left_out=left_out, inputs=tuple(inputs), nominal_first=nominal_first,
        ahp_nodes=ahp_nodes, ahp_steps=ahp_steps, children={n: x.children for n, x in plan.nodes.items()},
    )


def _nodes(value, plan: Plan, path: str, issue) -> tuple[str, ...]:
    if value is None:
        return tuple(plan.nodes)
    if not value:
        issue("nodes is empty: list node ids, or leave nodes out for every node", path)
    out = []
    for i, nid in enumerate(value):
        if nid in plan.nodes:
            out.append(nid)
        elif nid in plan.indicators:
            issue(f"{nid!r} is an indicator, not a node; list the node above it ({plan.parent_of(nid)!r})",
                  f"{path}[{i}]")
        else:
            message, _ = unknown_name_message("node", nid, list(plan.nodes))
            issue(message, f"{path}[{i}]")
    return tuple(dict.fromkeys(out))


def _alternatives(specs, registries, kind: str, path: str, issue) -> tuple:
    from ..config.resolve import resolve_method

    apath = join(path, "alternatives")
    if len(specs) < 2:
        issue("give at least two alternatives, the nominal method first", apath)
    out = []
    for i, spec in enumerate(specs):
        try:
            out.append(resolve_method(registries, kind, spec, f"{apath}[{i}]"))
        except ConfigError as exc:
            for found in exc.issues:
                issue(found.message, found.path)
            out.append(None)
    return tuple(out)


def removed_item(plan: Plan, iid: str) -> str | None:
    """What leaving out indicator ``iid`` removes: itself or, when it is an only child, the highest ancestor
    that would be left without children (None when that is the root)."""
    item = iid
    while True:
        parent = plan.parent_of(item)
        if parent is None:
            return None
        if len(plan.nodes[parent].children) > 1:
            return item
        item = parent


def _ahp(spec: AHPSpec, plan: Plan, path: str, issue) -> tuple[tuple[AHPNode, ...], int]:
    from ..ahp import matrix_from_judgments, reciprocal_matrix
    from ..default_plugins.ahp import AHP

    if not 1 <= spec.steps <= 16:
        issue(f"steps must be between 1 and 16 (steps on Saaty's 17-point scale), got {spec.steps}",
              join(path, "steps"))
    ahp_nodes = [n for n, node in plan.nodes.items() if type(node.weighting.obj) is AHP]
    if spec.nodes is None:
        chosen = ahp_nodes
        if not chosen:
            issue("no node is weighted by AHP, so there are no judgments to perturb; remove [sensitivity.ahp]", path)
    else:
        chosen = []
        for i, nid in enumerate(_nodes(spec.nodes, plan, join(path, "nodes"), issue)):
            if nid not in ahp_nodes:
                issue(f"node {nid!r} is weighted by {plan.nodes[nid].weighting.name!r}, not AHP"
                      + (f"; AHP nodes: {', '.join(ahp_nodes)}" if ahp_nodes else ""),
                      f"{join(path, 'nodes')}[{list(spec.nodes).index(nid)}]")
            else:
                chosen.append(nid)
    out = []
    for nid in chosen:
        node = plan.nodes[nid]
        obj = node.weighting.obj
        if obj.experts is not None:
            issue(f"node {nid!r} combines several experts' judgments; perturbing a group AHP is not supported "
                  "(leave it out of nodes, or perturb its weights with [sensitivity.weights])", path)
            continue
        if obj.judgments is not None:
            A, _ = matrix_from_judgments(obj.judgments, node.children)
        else:
            A = reciprocal_matrix(obj.matrix)
        if A is None:  # already reported when the config was loaded
            continue
        m = len(node.children)
        out.append(AHPNode(node=nid, matrix=A, pairs=tuple((i, j) for i in range(m) for j in range(i + 1, m)),
                           method=obj.method))
    return tuple(out), spec.steps


def _usable(methods: tuple) -> bool:
    """Alternatives that resolved (at least two, each a method): only these are described and compared with the
    nominal method; otherwise :func:`_alternatives` has already reported the issue."""
    return len(methods) >= 2 and all(m is not None for m in methods)


def _alternatives_text(methods, nominal_first: bool, nominal: str) -> str:
    text = f"{len(methods)} alternatives: " + ", ".join(
        _label(m) + (" [nominal]" if i == 0 and nominal_first else "") for i, m in enumerate(methods))
    if not nominal_first:
        text += f" (the nominal {nominal} is not among them: nominal ranks use it, replications never do)"
    return text


def _default_normaliser(plan: Plan) -> Method | None:
    for ind in plan.indicators.values():
        if ind.normaliser.key_path == "normalisation.default":
            return ind.normaliser
    return None


def _same(a: Method, b: Method) -> bool:
    return a.name == b.name and a.resolved_params() == b.resolved_params()


def _label(m: Method) -> str:
    params = m.resolved_params()
    inner = ", ".join(f"{k}={v}" for k, v in params.items())
    return f"{m.name}({inner})" if inner else m.name


__all__ = ["SensitivitySpec", "ResolvedSpec", "UncertainInput", "read_spec_table", "resolve_spec", "structure_spec"]
