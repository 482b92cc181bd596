"""Comparisons of rankings: two runs (two configs, or a run and a published ranking) and two years of one run.

Kendall's τ-b and Spearman's ρ over the units ranked by both, and per unit the rank in each and the shift.
For two years of one run, each unit's rank change is split into the part due to its own data and the part
due to the other units' data (the decomposition the Global Innovation Index reports), see
:func:`rank_change_decomposition`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import zhishu

from . import frames
from .correlation import average_ranks

UNIT_COLUMNS = ["unit", "name", "score_a", "rank_a", "score_b", "rank_b", "shift"]
SUMMARY_COLUMNS = ["node", "year_a", "year_b", "n", "kendall_tau", "spearman_rho", "mean_abs_shift",
                   "max_abs_shift", "only_a", "only_b"]
DECOMPOSITION_COLUMNS = ["unit", "name", "node", "year_from", "year_to", "score_from", "score_to", "rank_from",
                         "rank_to", "change", "own", "others", "rank_own_only"]


def kendall_tau_b(x, y) -> float:
    """Kendall's τ-b = (n_c − n_d) / √((n₀ − t_x)(n₀ − t_y)) over the n₀ = n(n − 1)/2 pairs (ties allowed)."""
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    upper = np.triu_indices(len(x), 1)
    sx = np.sign(x[:, None] - x[None, :])[upper]
    sy = np.sign(y[:, None] - y[None, :])[upper]
    n0 = len(sx)
    d = math.sqrt((n0 - float((sx == 0).sum())) * (n0 - float((sy == 0).sum())))
    return float((sx * sy).sum()) / d if d > 0 else math.nan


def spearman_rho(x, y) -> float:
    """The Pearson correlation of the average ranks of x and y."""
    rx, ry = average_ranks(np.asarray(x, "float64")), average_ranks(np.asarray(y, "float64"))
    rx, ry = rx - rx.mean(), ry - ry.mean()
    d = math.sqrt(float(rx @ rx) * float(ry @ ry))
    return float(rx @ ry) / d if d > 0 else math.nan


def _rank_desc(scores: np.ndarray) -> np.ndarray:
    """1 = highest; ties share the best rank (as the pipeline ranks)."""
    return pd.Series(-scores).rank(method="min").to_numpy()


def _year_of(result, year: int | None, what: str) -> int:
    years = frames.years(result)
    if year is None:
        return years[-1]
    if year not in years:
        raise zhishu.DataError([zhishu.Issue(f"year {year} is not in the run of {what}, which covers {years}",
                                             "year")])
    return year


def _node_of(result, node: str | None, what: str) -> str:
    node = node or result.plan.root
    if node not in result.scores.columns:
        hints = zhishu.did_you_mean(node, list(result.scores.columns))
        hint = f"; did you mean {' or '.join(map(repr, hints))}?" if hints else ""
        raise zhishu.ConfigError([zhishu.Issue(f"node {node!r} is not in {what}{hint}", "node")])
    return node


def _paired(a: pd.Series, b: pd.Series, names: pd.Series, node: str, year_a, year_b) -> dict[str, pd.DataFrame]:
    both = a.index[a.notna()].intersection(b.index[b.notna()], sort=False)
    if len(both) < 2:
        raise zhishu.DataError([zhishu.Issue(f"the two rankings of {node!r} share {len(both)} unit(s) with a "
                                             "score; a comparison needs at least 2", "node")])
    sa, sb = a[both].to_numpy("float64"), b[both].to_numpy("float64")
    ra, rb = _rank_desc(sa), _rank_desc(sb)
    units = pd.DataFrame({"unit": list(both), "name": names.reindex(both).fillna(pd.Series(both, index=both))
                          .to_numpy(object), "score_a": sa, "rank_a": ra, "score_b": sb, "rank_b": rb,
                          "shift": ra - rb})
    units = units.assign(_abs=units["shift"].abs()).sort_values(["_abs", "rank_a"], ascending=[False, True],
                                                                 kind="stable").drop(columns="_abs")
    summary = pd.DataFrame([{
        "node": node, "year_a": year_a, "year_b": year_b, "n": len(both),
        "kendall_tau": kendall_tau_b(sa, sb), "spearman_rho": spearman_rho(sa, sb),
        "mean_abs_shift": float(np.abs(ra - rb).mean()), "max_abs_shift": float(np.abs(ra - rb).max()),
        "only_a": " ".join(map(str, a.index[a.notna()].difference(both, sort=False))),
        "only_b": " ".join(map(str, b.index[b.notna()].difference(both, sort=False))),
    }], columns=SUMMARY_COLUMNS)
    for col in ("rank_a", "rank_b", "shift"):
        units[col] = units[col].astype("int64")
    return {"summary": summary, "units": units.reset_index(drop=True)[UNIT_COLUMNS]}


def compare(result_a, result_b, node: str | None = None, year_a: int | None = None,
            year_b: int | None = None) -> dict[str, pd.DataFrame]:
    """Compare the rankings of ``node`` (default: the root) in two runs, over the units with a score in both.

    Returns ``summary`` (one row: n, Kendall τ-b, Spearman ρ, mean and largest |shift|, units only in one) and
    ``units`` (per unit: score and rank among the common units in a and in b, ``shift = rank_a − rank_b``,
    positive when the unit ranks better in b; largest |shift| first)."""
    node_a = _node_of(result_a, node, "run a")
    node_b = _node_of(result_b, node or result_b.plan.root, "run b")
    ya, yb = _year_of(result_a, year_a, "a"), _year_of(result_b, year_b, "b")
    a = result_a.scores[node_a].xs(ya, level="year")
    b = result_b.scores[node_b].xs(yb, level="year")
    names = frames.unit_names(result_a).combine_first(frames.unit_names(result_b))
    return _paired(a, b, names, node_a, ya, yb)


def read_ranking(path) -> pd.DataFrame:
    """A published ranking: a CSV with a ``unit`` column (ids or names) and a ``rank`` or ``score`` column
    (``rank``: 1 = best)."""
    try:
        table = pd.read_csv(path, dtype={"unit": str})
    except FileNotFoundError:
        raise zhishu.DataError([zhishu.Issue("file not found", str(path))]) from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise zhishu.DataError([zhishu.Issue(f"not a readable CSV: {exc}", str(path))]) from None
    if "unit" not in table.columns or not ({"rank", "score"} & set(table.columns)):
        raise zhishu.DataError([zhishu.Issue(
            f"a ranking file needs a 'unit' column and a 'rank' or 'score' column; it has {list(table.columns)}",
            str(path))])
    return table


def compare_ranking(result, ranking: pd.DataFrame, node: str | None = None, year: int | None = None,
                    where: str = "ranking") -> dict[str, pd.DataFrame]:
    """Compare ``node``'s ranking in ``result`` with a published ranking (a frame as :func:`read_ranking`
    reads: units by id or name; ``rank`` with 1 = best, or ``score`` with higher = better)."""
    node = _node_of(result, node, "the run")
    year = _year_of(result, year, "the config")
    names = frames.unit_names(result)
    lookup = {str(u): str(u) for u in names.index}
    lookup.update({str(n).strip(): str(u) for u, n in names.items()})
    ids = ranking["unit"].astype(str).str.strip().map(lookup)
    unknown = ranking["unit"][ids.isna()].tolist()
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:10]) + (f" … ({len(unknown) - 10} more)" if len(unknown) > 10
                                                            else "")
        raise zhishu.DataError([zhishu.Issue(f"{len(unknown)} unit(s) of the ranking are not units of the config: "
                                             f"{shown}; use the config's unit ids or names", f"{where}: unit")])
    value = (-ranking["rank"] if "rank" in ranking.columns else ranking["score"]).astype("float64")
    b = pd.Series(value.to_numpy(), index=pd.Index(ids, dtype=object))
    a = result.scores[node].xs(year, level="year")
    out = _paired(a, b, names, node, year, None)
    out["units"] = out["units"].drop(columns="score_b").assign(score_b=np.nan)[UNIT_COLUMNS]
    return out


def rank_change_decomposition(result, year_from: int | None = None, year_to: int | None = None,
                              node: str | None = None) -> pd.DataFrame:
    """Each unit's rank change between two years, split into its own data and the others' data.

    Over the units with a score in both years, with s₀, s₁ the scores and ranks taken as the pipeline takes
    them (1 = best, ties share the best rank):

    - rank_from = 1 + #{v ≠ u : s₀(v) > s₀(u)}, rank_to = 1 + #{v ≠ u : s₁(v) > s₁(u)};
    - rank_own_only = 1 + #{v ≠ u : s₀(v) > s₁(u)}: the rank u would have with its new score had every other
      unit kept its old score;
    - change = rank_from − rank_to (positive = better), own = rank_from − rank_own_only (due to u's own new
      data), others = rank_own_only − rank_to (due to the other units' new data); own + others = change.

    Scores of different years are comparable only when the normalisation is (``reference_year``, or a
    normaliser with fixed bounds); with per-year min-max the split mixes in the rescaling.
    """
    node = _node_of(result, node, "the run")
    years = frames.years(result)
    if len(years) < 2:
        raise zhishu.DataError([zhishu.Issue(f"the run covers only {years}; a rank-change decomposition needs "
                                             "two years", "years")])
    y0 = years[-2] if year_from is None else _year_of(result, year_from, "the config")
    y1 = years[-1] if year_to is None else _year_of(result, year_to, "the config")
    s0 = result.scores[node].xs(y0, level="year")
    s1 = result.scores[node].xs(y1, level="year")
    both = s0.index[s0.notna()].intersection(s1.index[s1.notna()], sort=False)
    a, b = s0[both].to_numpy("float64"), s1[both].to_numpy("float64")
    others = ~np.eye(len(both), dtype=bool)
    rank_from = 1 + ((a[None, :] > a[:, None]) & others).sum(axis=1)
    rank_to = 1 + ((b[None, :] > b[:, None]) & others).sum(axis=1)
    rank_own = 1 + ((a[None, :] > b[:, None]) & others).sum(axis=1)
    table = pd.DataFrame({
        "unit": list(both), "name": frames.unit_names(result).reindex(both).to_numpy(object), "node": node,
        "year_from": y0, "year_to": y1, "score_from": a, "score_to": b, "rank_from": rank_from,
        "rank_to": rank_to, "change": rank_from - rank_to, "own": rank_from - rank_own,
        "others": rank_own - rank_to, "rank_own_only": rank_own,
    })
    table = table.assign(_abs=table["change"].abs()).sort_values(["_abs", "rank_to"], ascending=[False, True],
                                                                  kind="stable").drop(columns="_abs")
    return table.reset_index(drop=True)[DECOMPOSITION_COLUMNS]
