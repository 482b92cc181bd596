"""The uncertainty and leave-one-out summary of the audit, from ``zhishu.sensitivity`` and the config's own
``[sensitivity]`` table (nothing is run when the config has none)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import zhishu

LOO_COLUMNS = ["year", "left_out", "replications", "mean_abs_shift", "max_abs_shift"]


def available(plan) -> str | None:
    """None when the summary can be computed, else why not (a sentence for audit.md)."""
    if not isinstance(getattr(plan, "raw", {}).get("sensitivity"), dict):
        return "the config has no [sensitivity] table, so no uncertainty analysis was run"
    return None


def sensitivity_tables(plan, replications: int | None = None) -> dict[str, pd.DataFrame]:
    """``sensitivity_ranks`` (the rank distribution of every unit: nominal, median, 5th and 95th percentiles,
    mean |shift|) and, when the spec has ``[sensitivity.leave_one_out]``, ``sensitivity_leave_one_out``: per
    indicator left out, the mean and largest |root rank − nominal rank| over the units and the replications
    leaving it out (with the spec's other uncertain inputs as sampled)."""
    spec = copy.deepcopy(plan.raw["sensitivity"])
    if replications is not None:
        spec["replications"] = int(replications)
    run = zhishu.sensitivity(plan, spec)
    tables = {"sensitivity_ranks": run.ranks}
    reps = run.replications
    if "left_out" in reps.columns:
        ranks = run.ranks
        root = plan.root
        nominal = ranks[ranks["node"] == root].set_index(["unit", "year"])["nominal_rank"].astype("float64")
        rank_col = next(c for c in ("rank", f"{root}_rank", "root_rank") if c in reps.columns)
        shift = (reps[rank_col].astype("float64").to_numpy()
                 - nominal.reindex(pd.MultiIndex.from_arrays([reps["unit"], reps["year"]])).to_numpy())
        frame = pd.DataFrame({"year": reps["year"], "left_out": reps["left_out"].fillna(""),
                              "replication": reps["replication"] if "replication" in reps.columns else 0,
                              "abs_shift": np.abs(shift)})
        loo = frame.groupby(["year", "left_out"], sort=True).agg(
            replications=("replication", "nunique"), mean_abs_shift=("abs_shift", "mean"),
            max_abs_shift=("abs_shift", "max")).reset_index()
        tables["sensitivity_leave_one_out"] = loo[LOO_COLUMNS]
    return tables


def markdown_lines(tables: dict[str, pd.DataFrame], root: str, note: str | None, names=None) -> list[str]:
    """The section of audit.md; ``names`` maps unit ids to display names."""
    lines = ["## Uncertainty and sensitivity", ""]
    if note:
        return lines + [f"Not computed: {note}.", ""]
    ranks = tables["sensitivity_ranks"]
    ranks = ranks[ranks["node"] == root]
    width = (ranks["p95_rank"] - ranks["p05_rank"]).astype("float64")
    lines.append(f"Over the replications of the config's [sensitivity] table, the 90 % interval of a unit's rank "
                 f"({root}) is {width.median():.1f} places wide at the median unit and {width.max():.1f} at most; "
                 f"mean |shift| from the nominal rank {ranks['mean_abs_shift'].mean():.2f}.")
    top = ranks.assign(width=width).sort_values("width", ascending=False).head(5)
    name = (lambda u: str(names.get(u, u))) if names is not None else str
    lines.append("Widest: " + ", ".join(f"{name(r.unit)} ({r.year}: rank {r.nominal_rank}, 90 % in "
                                        f"[{r.p05_rank:g}, {r.p95_rank:g}])" for r in top.itertuples()) + ".")
    if "sensitivity_leave_one_out" in tables:
        loo = tables["sensitivity_leave_one_out"]
        loo = loo[loo["left_out"] != ""].sort_values("mean_abs_shift", ascending=False).head(5)
        lines.append("Leaving one indicator out moves ranks most for: " + ", ".join(
            f"{r.left_out} ({r.year}: mean |shift| {r.mean_abs_shift:.2f})" for r in loo.itertuples()) + ".")
    return lines + [""]
