"""Run a sensitivity analysis: sample, prepare the variants, compute the chunks, gather the results."""

from __future__ import annotations

import functools
import time
from datetime import datetime, timezone
from typing import Any

import attrs
import numpy as np
import pandas as pd

from ..config.plan import Plan
from .engine import CHOICES, Model, prepare
from .executors import DEFAULT_CHUNK_SIZE, LocalClusterStart, Progress, auto_chunk_size, run_chunks
from .sampling import sample_matrix
from .spec import ResolvedSpec


@attrs.frozen(kw_only=True)
class SensitivityResult:
    """Everything a sensitivity run produced.

    :ivar spec: the resolved spec.
    :ivar model: the prepared model (unit/year index, variants).
    :ivar sample: the sample matrix (replications × columns, in [0, 1)).
    :ivar choices: per replication the index of its normaliser, aggregator, imputation and left-out
        indicator (0 = nominal / none), replications × 4.
    :ivar weights: per replication the local weights used (replications × weight slots), each node's summing to 1.
    :ivar scores: per output node, scores (units·years × replications).
    :ivar ranks: per output node, ranks within each year (units·years × replications).
    :ivar nominal_scores: the nominal run's scores (every node and indicator), as :attr:`zhishu.Result.scores`.
    :ivar nominal_ranks: the nominal run's ranks.
    :ivar manifest: seed, spec, executor, versions, the index's provenance.
    """

    spec: ResolvedSpec
    model: Model = attrs.field(repr=False)
    sample: np.ndarray = attrs.field(repr=False)
    choices: np.ndarray = attrs.field(repr=False)
    weights: np.ndarray = attrs.field(repr=False)
    scores: dict = attrs.field(repr=False)
    ranks: dict = attrs.field(repr=False)
    nominal_scores: pd.DataFrame = attrs.field(repr=False)
    nominal_ranks: pd.DataFrame = attrs.field(repr=False)
    manifest: dict = attrs.field(factory=dict, repr=False)

    @property
    def replications(self) -> int:
        return len(self.sample)


def run_sensitivity(plan: Plan, rs: ResolvedSpec, *, executor: str = "inprocess", workers: int | None = None,
                    chunk_size: int | None = DEFAULT_CHUNK_SIZE, scheduler: str | None = None, client=None,
                    all_nodes: bool = False, progress: bool | None = False) -> SensitivityResult:
    """Sample, prepare the variants (pipeline stages once per distinct discrete choice), compute every chunk
    with ``executor`` and gather the results in replication order. A local Dask cluster (``executor =
    "dask"`` without ``scheduler`` or ``client``) boots while the variants are prepared."""
    from ..results import build_manifest

    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    booting = None
    if executor == "dask" and client is None and not scheduler and _have("distributed"):
        booting = client = LocalClusterStart(workers)
    try:
        U = sample_matrix(rs)
        outputs = tuple(plan.nodes) if all_nodes else (plan.root,)
        prepared = prepare(plan, rs, U, outputs)
        model = prepared.model
        t1 = time.perf_counter()
        bar = Progress(len(U), enabled=progress)
        if chunk_size is None:
            chunk_size = auto_chunk_size(model, len(U), executor, workers)
        parts = run_chunks(model, U, executor=executor, workers=workers, chunk_size=chunk_size,
                           scheduler=scheduler, client=client, progress=bar)
        bar.close()
        t2 = time.perf_counter()
    finally:
        if booting is not None:
            booting.close()
    cat = (lambda arrays, axis: np.concatenate(arrays, axis=axis) if arrays else None)
    n = model.units
    scores = {nid: cat([p.scores[nid] for p in parts], 1) if parts else np.empty((n, 0)) for nid in outputs}
    ranks = {nid: cat([p.ranks[nid] for p in parts], 1) if parts else np.empty((n, 0)) for nid in outputs}
    weights = cat([p.weights for p in parts], 0) if parts else np.empty((0, len(rs.reported_slots)))
    choices = cat([p.choices for p in parts], 0) if parts else np.empty((0, len(CHOICES)), dtype="int64")
    manifest = {
        "sensitivity": {
            **rs.to_dict(),
            "executor": executor,
            "workers": workers,
            "scheduler": scheduler,
            "chunk_size": chunk_size,
            "output_nodes": list(outputs),
            "variants": [list(k) for k in model.variants],
            "seconds": {"prepare": round(t1 - t0, 4), "replications": round(t2 - t1, 4)},
            "libraries": dict(_versions()),
        },
        "index": build_manifest(plan, prepared.inputs, prepared.details, started),
    }
    return SensitivityResult(spec=rs, model=model, sample=U, choices=choices, weights=weights, scores=scores,
                             ranks=ranks, nominal_scores=prepared.nominal_scores,
                             nominal_ranks=prepared.nominal_ranks, manifest=manifest)


def _have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@functools.cache
def _versions() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("zhishu", "numpy", "pandas", "scipy", "SALib", "dask", "distributed"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "-"
    return out
