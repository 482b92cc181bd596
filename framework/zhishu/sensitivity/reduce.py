"""Exact reductions of the replications, computed where the chunks are computed (a Dask worker, a local
process, this process), so that a large run never gathers units × replications arrays.

Ranks are integers 1 … units of the year, so everything the rank table needs has an exact sufficient
statistic:

- **rank counts** per unit and output node (units × (largest rank + 1) integers): the median and the 5th/95th
  percentiles (numpy's linear interpolation between the two order statistics, reproduced operation for
  operation by :func:`percentiles_from_counts`), min, max and the mean absolute shift (a sum of integers,
  exact in float64) are the same floats as those computed from every replication;
- **Sobol sums** per unit of the root's rank (with ``sobol = true``): for the point estimate and each bootstrap
  resample of SALib's Saltelli/Jansen estimators, Σ c·(A + B), Σ c·(A² + B²), Σ c·B·(ABᵢ − A), Σ c·(ABᵢ − A) and
  Σ c·(A − ABᵢ)², c the multiplicity of a base sample in the resample. They are sums of integers below 2⁵³, so
  they are exact whatever the order of the chunks; :func:`sobol_from_sums` turns them into the indices. The
  indices equal SALib's ``sobol.analyze`` up to SALib's own rounding (≈ 1e-15; tested to 1e-12), not bit for
  bit: SALib normalises the output and averages floats.

Everything here adds up integers, so the result does not depend on the executor, workers or chunk size.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import attrs
import numpy as np

from .engine import ChunkResult
from ..classes import define, frozen

#: base samples gathered before one Sobol matrix product: bigger means fewer passes over the
#: (resamples + 1) × units × (2 + 3D) sums, at the price of a (base samples × units × (2 + 3D)) temporary
SOBOL_BATCH = 128
#: units per block when a summary is computed from the counts (bounds the temporaries)
UNIT_BLOCK = 4096


@frozen(kw_only=True)
class SobolSetup:
    """What a worker needs for the Sobol sums: D inputs (SALib groups), N base samples and the bootstrap
    multiplicities (resamples + 1 rows; row 0 is all ones, the point estimate), and which base samples appear
    in some resample (SALib's test for a constant bootstrap output)."""

    D: int
    N: int
    weights: np.ndarray  # (resamples + 1) × N, float64 (integers)
    drawn: np.ndarray  # N booleans


@frozen(kw_only=True)
class Reduction:
    """What each block of replications is reduced to: the nodes whose full arrays are kept (``keep``), the
    nodes with rank counts (``counts``), the root's per-year mean absolute rank shift (``shifts``), and the
    Sobol sums (``sobol``)."""

    keep: tuple[str, ...] = ()
    keep_scores: bool = True
    counts: tuple[str, ...] = ()
    max_rank: int = 0
    shifts: bool = False
    nominal_root_ranks: np.ndarray | None = None
    sobol: SobolSetup | None = None


@define(kw_only=True)
class Partial:
    """The reduction of rows ``start … stop`` (one block); :func:`merge` adds two of them."""

    start: int
    stop: int
    pieces: list = attrs.field(factory=list)  # (start, weights, choices, scores, ranks, shifts) in row order
    counts: dict = attrs.field(factory=dict)
    sobol: np.ndarray | None = None  # (resamples + 1) × units × (2 + 3D)
    sobol_total: np.ndarray | None = None  # Σ of every replication's rank, per unit
    drawn_min: np.ndarray | None = None
    drawn_max: np.ndarray | None = None
    pending: list = attrs.field(factory=list, repr=False)  # (start, ranks) not yet in the Sobol sums


def new_partial(start: int, stop: int) -> Partial:
    return Partial(start=start, stop=stop)


def fold(part: Partial, chunk: ChunkResult, red: Reduction, model) -> None:
    """Add one chunk's results to ``part``."""
    root = model.root
    shifts = None
    if red.shifts:
        shifts = year_shifts(chunk.ranks[root], red.nominal_root_ranks, model.year_codes)
    part.pieces.append((chunk.start, chunk.weights, chunk.choices,
                        {n: chunk.scores[n] for n in red.keep} if red.keep_scores else {},
                        {n: chunk.ranks[n] for n in red.keep}, shifts))
    for nid in red.counts:
        if nid not in part.counts:
            part.counts[nid] = np.zeros((model.units, red.max_rank + 1), dtype="int32")
        add_counts(part.counts[nid], chunk.ranks[nid])
    if red.sobol is not None:
        part.pending.append((chunk.start, chunk.ranks[root]))
        if sum(r.shape[1] for _, r in part.pending) >= SOBOL_BATCH * (red.sobol.D + 2):
            flush(part, red, model.units)


def flush(part: Partial, red: Reduction, units: int) -> None:
    """Add the pending ranks to the Sobol sums (one matrix product for the whole batch)."""
    if not part.pending:
        return
    s = red.sobol
    step = s.D + 2
    start = part.pending[0][0]
    Y = np.concatenate([r for _, r in part.pending], axis=1) if len(part.pending) > 1 else part.pending[0][1]
    part.pending = []
    if start % step or Y.shape[1] % step:
        raise ValueError("Sobol chunks must hold whole base samples (A, AB_1 … AB_D, B)")
    j0, nj = start // step, Y.shape[1] // step
    Y = Y.reshape(units, nj, step)
    A, B = Y[:, :, 0], Y[:, :, step - 1]
    G = np.empty((nj, units, 2 + 3 * s.D))
    G[:, :, 0] = (A + B).T
    G[:, :, 1] = (A * A + B * B).T
    for i in range(s.D):
        d = Y[:, :, 1 + i] - A
        G[:, :, 2 + i] = (B * d).T
        G[:, :, 2 + s.D + i] = d.T
        G[:, :, 2 + 2 * s.D + i] = (d * d).T
    sums = (s.weights[:, j0:j0 + nj] @ G.reshape(nj, -1)).reshape(len(s.weights), units, -1)
    total = Y.reshape(units, -1).sum(axis=1)
    drawn = s.drawn[j0:j0 + nj]
    AB = np.concatenate([A[:, drawn], B[:, drawn]], axis=1)
    low = AB.min(axis=1, initial=np.inf)
    high = AB.max(axis=1, initial=-np.inf)
    if part.sobol is None:
        part.sobol, part.sobol_total, part.drawn_min, part.drawn_max = sums, total, low, high
    else:
        part.sobol += sums
        part.sobol_total += total
        np.minimum(part.drawn_min, low, out=part.drawn_min)
        np.maximum(part.drawn_max, high, out=part.drawn_max)


def finish(part: Partial, red: Reduction, units: int) -> Partial:
    if red.sobol is not None:
        flush(part, red, units)
    return part


def merge(a: Partial, b: Partial) -> Partial:
    """The reduction of both blocks (sums and counts added, kept pieces in row order)."""
    out = Partial(start=min(a.start, b.start), stop=max(a.stop, b.stop),
                  pieces=sorted(a.pieces + b.pieces, key=lambda p: p[0]))
    out.counts = dict(a.counts)
    for nid, c in b.counts.items():
        out.counts[nid] = out.counts[nid] + c if nid in out.counts else c
    if a.sobol is None or b.sobol is None:
        src = a if b.sobol is None else b
        out.sobol, out.sobol_total, out.drawn_min, out.drawn_max = (src.sobol, src.sobol_total, src.drawn_min,
                                                                    src.drawn_max)
    else:
        out.sobol = a.sobol + b.sobol
        out.sobol_total = a.sobol_total + b.sobol_total
        out.drawn_min = np.minimum(a.drawn_min, b.drawn_min)
        out.drawn_max = np.maximum(a.drawn_max, b.drawn_max)
    return out


def merge_into(a: Partial, b: Partial) -> Partial:
    """:func:`merge` with ``a``'s arrays added to in place (no third copy of the sums: a large run's rank
    counts and Sobol sums are hundreds of MB); ``a`` is returned and ``b`` is left as it was."""
    a.start, a.stop = min(a.start, b.start), max(a.stop, b.stop)
    a.pieces = sorted(a.pieces + b.pieces, key=lambda p: p[0])
    for nid, c in b.counts.items():
        if nid in a.counts:
            a.counts[nid] += c
        else:
            a.counts[nid] = c.copy()
    if b.sobol is not None:
        if a.sobol is None:
            a.sobol, a.sobol_total = b.sobol.copy(), b.sobol_total.copy()
            a.drawn_min, a.drawn_max = b.drawn_min.copy(), b.drawn_max.copy()
        else:
            a.sobol += b.sobol
            a.sobol_total += b.sobol_total
            np.minimum(a.drawn_min, b.drawn_min, out=a.drawn_min)
            np.maximum(a.drawn_max, b.drawn_max, out=a.drawn_max)
    return a


# --------------------------------------------------------------------------------------------- rank counts


def add_counts(counts: np.ndarray, ranks: np.ndarray) -> None:
    """Add each unit's ranks (units × R, NaN = no rank) to its counts (units × (largest rank + 1))."""
    rows, cols = np.nonzero(~np.isnan(ranks))
    if not len(rows):
        return
    flat = rows * counts.shape[1] + ranks[rows, cols].astype("int64")
    np.add.at(counts.reshape(-1), flat, 1)


def year_shifts(ranks: np.ndarray, nominal: np.ndarray, year_codes: np.ndarray) -> np.ndarray:
    """Per year (in order of first appearance) and replication, the mean over units of |rank − nominal rank|
    (as :func:`~zhishu.sensitivity.outputs.sobol_table` computes it from the full arrays)."""
    years = list(dict.fromkeys(year_codes.tolist()))
    out = np.empty((len(years), ranks.shape[1]))
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for k, code in enumerate(years):
            sel = year_codes == code
            out[k] = np.nanmean(np.abs(ranks[sel] - nominal[sel][:, None]), axis=0)
    return out


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's linear interpolation of quantiles (``numpy.lib._function_base_impl._lerp``), the same
    operations in the same order."""
    diff = b - a
    out = a + diff * t
    np.subtract(b, diff * (1 - t), out=out, where=t >= 0.5)
    return out


def percentiles_from_counts(counts: np.ndarray, q: tuple[float, ...]) -> np.ndarray:
    """``numpy.nanpercentile(ranks, q, axis=1)`` (linear) from the rank counts: (len(q) × units), NaN for
    a unit without any rank. Exactly the floats numpy gives on the full arrays: the virtual index
    (n − 1)·q/100, the two neighbouring order statistics and numpy's interpolation."""
    m = counts.sum(axis=1)
    qs = np.true_divide(np.asarray(q, dtype="float64"), 100)
    out = np.full((len(qs), len(m)), np.nan)
    for s in range(0, len(m), UNIT_BLOCK):
        c = counts[s:s + UNIT_BLOCK]
        n = m[s:s + UNIT_BLOCK]
        ok = n > 0
        if not ok.any():
            continue
        cum = np.cumsum(c, axis=1)
        for k, qk in enumerate(qs):
            v = (n - 1) * qk
            lo = np.floor(v)
            hi = lo + 1
            above = v >= n - 1
            lo = np.where(above, n - 1, lo)
            hi = np.where(above, n - 1, hi)
            prev = np.where(above, -1, np.floor(v))  # numpy's previous index after its bounds rule
            gamma = v - prev
            a = _order_statistic(cum, lo)
            b = _order_statistic(cum, hi)
            out[k, s:s + UNIT_BLOCK] = np.where(ok, _lerp(a, b, gamma), np.nan)
    return out


def _order_statistic(cum: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The k-th smallest value (0-based) of each row, from its cumulative counts (value = column)."""
    k = np.clip(k, 0, None).astype("int64")
    return (cum > k[:, None]).argmax(axis=1).astype("float64")


def summary_from_counts(counts: np.ndarray, nominal: np.ndarray) -> dict[str, np.ndarray]:
    """Median, 5th and 95th percentile, min, max and mean |rank − nominal| of each unit from its counts."""
    pct = percentiles_from_counts(counts, (50, 5, 95))
    m = counts.sum(axis=1)
    present = counts > 0
    low = np.where(m > 0, present.argmax(axis=1), np.nan)
    high = np.where(m > 0, counts.shape[1] - 1 - present[:, ::-1].argmax(axis=1), np.nan)
    shift = np.full(len(m), np.nan)
    values = np.arange(counts.shape[1], dtype="float64")
    for s in range(0, len(m), UNIT_BLOCK):
        c = counts[s:s + UNIT_BLOCK]
        dist = np.abs(values[None, :] - nominal[s:s + UNIT_BLOCK, None])
        with np.errstate(invalid="ignore", divide="ignore"):
            total = np.where(c > 0, dist * c, 0.0).sum(axis=1)
            shift[s:s + UNIT_BLOCK] = np.where(m[s:s + UNIT_BLOCK] > 0, total / m[s:s + UNIT_BLOCK], np.nan)
    shift = np.where(np.isnan(nominal), np.nan, shift)
    return {"median": pct[0], "p05": pct[1], "p95": pct[2], "min": low, "max": high, "mean_abs_shift": shift}


# --------------------------------------------------------------------------------------------- Sobol


def sobol_setup(D: int, N: int, seed: int, num_resamples: int) -> SobolSetup:
    """The bootstrap of SALib's ``sobol.analyze``: ``default_rng(seed).integers(N, size=(N, resamples))``,
    as multiplicities; also for seed 0, which zhishu passes to SALib as that generator (SALib itself would draw
    from numpy's global one: ``outputs.salib_indices``)."""
    r = np.random.default_rng(seed).integers(N, size=(N, num_resamples))
    weights = np.ones((num_resamples + 1, N))
    for k in range(num_resamples):
        weights[k + 1] = np.bincount(r[:, k], minlength=N)
    drawn = np.zeros(N, dtype=bool)
    drawn[np.unique(r)] = True
    return SobolSetup(D=D, N=N, weights=weights, drawn=drawn)


def sobol_from_sums(part: Partial, setup: SobolSetup, counts: np.ndarray, conf_level: float
                    ) -> dict[str, np.ndarray]:
    """S1, S1_conf, ST, ST_conf (units × D) from the Sobol sums: SALib's estimators
    S1 = mean(B·(ABᵢ − A)) / var(A ∪ B) and ST = ½·mean((A − ABᵢ)²) / var(A ∪ B) on the output normalised to
    mean 0 (the variance cancels), each bootstrap resample likewise, conf = z·sd(resamples, ddof = 1); a
    constant resampled output gets 0, as in SALib. Units with a missing rank get NaN, units whose rank never
    moves 0 (as :func:`~zhishu.sensitivity.outputs.sobol_table`)."""
    from scipy.stats import norm

    D, N = setup.D, setup.N
    n = N * (D + 2)
    sums = part.sobol  # (K, units, 2 + 3D)
    T = part.sobol_total[None, :]
    S, SS = sums[:, :, 0], sums[:, :, 1]
    b = 2 * N * SS - S * S  # (2N)² · var(A ∪ B), exact
    var = b / (2.0 * N) ** 2
    ok = b > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        S1 = np.stack([np.where(ok, ((n * sums[:, :, 2 + i] - T * sums[:, :, 2 + D + i]) / (n * N)) / var, 0.0)
                       for i in range(D)], axis=2)
        ST = np.stack([np.where(ok, 0.5 * (sums[:, :, 2 + 2 * D + i] / N) / var, 0.0) for i in range(D)], axis=2)
    z = norm.ppf(0.5 + conf_level / 2)
    varies = part.drawn_max != part.drawn_min
    out = {"S1": S1[0], "ST": ST[0],
           "S1_conf": np.where(varies[:, None], z * S1[1:].std(axis=0, ddof=1), 0.0),
           "ST_conf": np.where(varies[:, None], z * ST[1:].std(axis=0, ddof=1), 0.0)}
    R = n
    m = counts.sum(axis=1)
    present = counts > 0
    constant = present.sum(axis=1) == 1
    for k in out:
        out[k] = np.where((m < R)[:, None], np.nan, np.where(constant[:, None], 0.0, out[k]))
    return out


def collect(parts: list[Partial]) -> Partial:
    """One partial from all (in row order)."""
    out = parts[0]
    for p in parts[1:]:
        out = merge(out, p)
    return out


def concat_pieces(part: Partial, keep: Mapping | tuple, n_units: int, slots: int, n_choices: int,
                  keep_scores: bool = True):
    """The kept arrays of every piece, concatenated in row order."""
    pieces = sorted(part.pieces, key=lambda p: p[0])
    weights = np.concatenate([p[1] for p in pieces], axis=0) if pieces else np.empty((0, slots))
    choices = (np.concatenate([p[2] for p in pieces], axis=0) if pieces
               else np.empty((0, n_choices), dtype="int64"))
    scores = {n: np.concatenate([p[3][n] for p in pieces], axis=1) if pieces else np.empty((n_units, 0))
              for n in keep} if keep_scores else {}
    ranks = {n: np.concatenate([p[4][n] for p in pieces], axis=1) if pieces else np.empty((n_units, 0))
             for n in keep}
    shifts = (np.concatenate([p[5] for p in pieces], axis=1)
              if pieces and pieces[0][5] is not None else None)
    return weights, choices, scores, ranks, shifts
