"""Run a sensitivity analysis: sample, prepare the variants, compute the chunks, gather the results."""

from __future__ import annotations

import functools
import time
from datetime import datetime, timezone
from typing import Any

import attrs
import numpy as np
import pandas as pd

from ..classes import frozen
from ..config.plan import Plan
from ..optional import installed
from .engine import CHOICES, Model, prepare
from .executors import DEFAULT_CHUNK_SIZE, LocalClusterStart, Progress, auto_chunk_size, run_chunks
from .reduce import Reduction, concat_pieces, sobol_setup
from .sampling import sample_matrix
from .spec import ResolvedSpec


@frozen(kw_only=True)
class SensitivityResult:
    """Everything a sensitivity run produced.

    :ivar spec: the resolved spec.
    :ivar model: the prepared model (unit/year index, variants).
    :ivar sample: the sample matrix (replications × columns, in [0, 1)).
    :ivar choices: per replication the index of its normaliser, aggregator, imputation and left-out
        indicator (0 = nominal / none), replications × 4.
    :ivar weights: per replication the local weights used (replications × weight slots), each node's summing to 1.
    :ivar scores: per output node, scores (units·years × replications); empty when the run kept only the
        reductions (``replications = False``).
    :ivar ranks: per output node, ranks within each year (units·years × replications); likewise (with Sobol
        indices, the root's ranks are kept when they fit under :data:`KEEP_CELLS`).
    :ivar reduced: the exact reductions of every replication (:class:`~zhishu.sensitivity.reduce.Partial`:
        rank counts per output node, the root's yearly rank shifts, Sobol sums), or ``None`` when the full
        arrays were kept.
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
    reduced: Any = attrs.field(default=None, repr=False)
    shifts: np.ndarray | None = attrs.field(default=None, repr=False)
    sobol_setup: Any = attrs.field(default=None, repr=False)

    @property
    def replications(self) -> int:
        return len(self.sample)


#: with ``replications = False`` and Sobol indices, the root's rank arrays (units·years × replications) are
#: still kept, and the indices computed by SALib from them as with ``replications = True``, up to this many
#: cells (128 MiB); above it the indices come from the exact Sobol sums (:mod:`~zhishu.sensitivity.reduce`)
KEEP_CELLS = 2**24
#: bootstrap resamples and confidence level of the Sobol indices (as passed to SALib)
NUM_RESAMPLES, CONF_LEVEL = 100, 0.95


def run_sensitivity(plan: Plan, rs: ResolvedSpec, *, executor: str = "inprocess", workers: int | None = None,
                    chunk_size: int | None = DEFAULT_CHUNK_SIZE, scheduler: str | None = None, client=None,
                    all_nodes: bool = False, progress: bool | None = False,
                    replications: bool = True) -> SensitivityResult:
    """Sample, prepare the variants (pipeline stages once per distinct discrete choice), compute every chunk
    with ``executor`` and gather the results in replication order. A local Dask cluster (``executor =
    "dask"`` without ``scheduler`` or ``client``) boots while the variants are prepared.

    ``replications = False``: keep only exact reductions of the replications (rank counts, Sobol sums), folded
    where the chunks run, so nothing of size units × replications is gathered; the rank table is the same to
    the last bit, the per-replication tables are not available, and Sobol indices of large runs (over
    :data:`KEEP_CELLS`) come from the Sobol sums (equal to SALib's to ~1e-15, not bit for bit)."""
    from ..results import build_manifest

    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    booting = None
    U = sample_matrix(rs)
    if isinstance(client, LocalClusterStart):  # started by the caller (zhishu sensitivity: before loading)
        client.give(U)
    elif executor == "dask" and client is None and not scheduler and installed("distributed"):
        booting = client = LocalClusterStart(workers, U)  # its workers inherit U
    try:
        outputs = tuple(plan.nodes) if all_nodes else (plan.root,)
        prepared = prepare(plan, rs, U, outputs)
        model = prepared.model
        red = _reduction(model, rs, prepared, len(U), replications)
        t1 = time.perf_counter()
        bar = Progress(len(U), enabled=progress)
        step = red.sobol.D + 2 if red.sobol is not None else 1
        if chunk_size is None:
            chunk_size = auto_chunk_size(model, len(U), executor, workers, step)
        elif chunk_size >= 1:
            chunk_size = -(-chunk_size // step) * step  # whole base samples (the manifest says what ran)
        reduced = run_chunks(model, U, executor=executor, workers=workers, chunk_size=chunk_size,
                             scheduler=scheduler, client=client, progress=bar, reduction=red)
        bar.close()
        t2 = time.perf_counter()
    finally:
        if booting is not None:
            booting.close()
    n = model.units
    weights, choices, scores, ranks, shifts = concat_pieces(reduced, red.keep, n, len(rs.reported_slots),
                                                            len(CHOICES), red.keep_scores)
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
    full = bool(red.keep) and red.keep_scores
    return SensitivityResult(spec=rs, model=model, sample=U, choices=choices, weights=weights, scores=scores,
                             ranks=ranks, nominal_scores=prepared.nominal_scores,
                             nominal_ranks=prepared.nominal_ranks, manifest=manifest,
                             reduced=None if full else reduced, shifts=shifts, sobol_setup=red.sobol)


def _reduction(model: Model, rs: ResolvedSpec, prepared, total: int, replications: bool) -> Reduction:
    """What the replications are reduced to: everything kept (``replications``), else rank counts of every
    output node, plus for Sobol the root's ranks (when they fit) or its Sobol sums and yearly rank shifts."""
    if replications:
        return Reduction(keep=tuple(model.outputs))
    root = model.root
    nominal = prepared.nominal_ranks[root].to_numpy(dtype="float64")
    largest = int(np.bincount(model.year_codes).max()) if model.units else 0
    if not rs.spec.sobol:
        return Reduction(counts=tuple(model.outputs), max_rank=largest)
    if model.units * total <= KEEP_CELLS or not rs.inputs:  # SALib on the kept ranks, as with every one kept
        return Reduction(keep=(root,), keep_scores=False, counts=tuple(model.outputs), max_rank=largest)
    from .sampling import salib_problem

    D = len(dict.fromkeys(salib_problem(rs)["groups"]))
    setup = sobol_setup(D, rs.spec.replications, rs.spec.seed, NUM_RESAMPLES)
    return Reduction(counts=tuple(model.outputs), max_rank=largest, shifts=True, nominal_root_ranks=nominal,
                     sobol=setup)


@functools.cache
def _versions() -> dict[str, Any]:
    from ..versions import PackageNotFoundError, version

    out = {}
    for name in ("zhishu", "numpy", "pandas", "scipy", "SALib", "dask", "distributed"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "-"
    return out
