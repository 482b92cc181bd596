"""The result of a run: every frame the pipeline produced, the tidy output tables, and the provenance.

Wide frames are indexed by (unit, year). ``scores`` and ``ranks`` have one column per tree item in pre-order
(root first): aggregate nodes hold their scores, indicators their normalised values.
"""

from __future__ import annotations

import hashlib
import platform
import sys
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import attrs
import pandas as pd

SCORES_COLUMNS = ["unit", "year", "node", "level", "score", "rank"]
INDICATORS_COLUMNS = ["unit", "year", "indicator", "raw", "normalised", "flag"]
WEIGHTS_COLUMNS = ["parent", "node", "weight", "effective_weight"]


@attrs.frozen(kw_only=True)
class Result:
    """What :func:`zhishu.run` returns.

    :ivar raw: derived indicator values before imputation and outlier treatment.
    :ivar data: the values that were normalised (after imputation and outlier treatment).
    :ivar normalised: normalised indicator values (higher is better for every indicator).
    :ivar scores: every node's score and every indicator's normalised value, root first.
    :ivar ranks: the rank of each column of ``scores`` within each year (1 = best, ties share the best rank).
    :ivar weights: parent, node, weight within the parent, effective weight (product down from the root).
    :ivar flags: per indicator cell, "" or "imputed" or "treated".
    :ivar units: unit id → name and groups.
    :ivar weight_reports: per node, diagnostics of its weighting where it has them (AHP: λmax, CI, CR …).
    :ivar treatment_details: what outlier treatments that report it did, per indicator (and year): e.g. the
        JRC rule's skewness, kurtosis, action and values winsorised; ``None`` when none reports.
    :ivar sources: each source's frame (unit ids, all years), e.g. for analyses that need an external variable.
    :ivar analyses: the table of each analysis switched on in ``[analyses]``.
    :ivar manifest: what produced these numbers (versions, plugins, resolved config, input hashes, seeds).
    """

    plan: Any = attrs.field(repr=False)
    raw: pd.DataFrame
    data: pd.DataFrame
    normalised: pd.DataFrame
    scores: pd.DataFrame
    ranks: pd.DataFrame
    weights: pd.DataFrame
    flags: pd.DataFrame
    units: pd.DataFrame
    weight_reports: dict = attrs.field(factory=dict, repr=False)
    treatment_details: pd.DataFrame | None = attrs.field(default=None, repr=False)
    sources: dict = attrs.field(factory=dict, repr=False)
    analyses: dict = attrs.field(factory=dict, repr=False)
    manifest: dict = attrs.field(factory=dict, repr=False)

    @property
    def root(self) -> str:
        return self.plan.root

    def index_scores(self, year: int | None = None) -> pd.DataFrame:
        """The root's score and rank per unit for one year (default: the last), best first."""
        year = year if year is not None else int(self.scores.index.get_level_values("year").max())
        rows = self.scores.xs(year, level="year")
        table = pd.DataFrame({"score": rows[self.root], "rank": self.ranks.xs(year, level="year")[self.root]})
        return table.sort_values(["rank", "score"], ascending=[True, False], na_position="last")

    def scores_table(self) -> pd.DataFrame:
        """``scores.csv``: unit, year, node, level, score, rank — every node and indicator, root first."""
        order = list(self.scores.columns)
        long = _long(self.scores, "node", "score")
        long["rank"] = _long(self.ranks[order], "node", "rank")["rank"].astype("Int64")
        levels = {item: self.plan.level_of(item) for item in order}
        long.insert(3, "level", long["node"].map(levels).astype("int64"))
        return long[SCORES_COLUMNS]

    def indicators_table(self) -> pd.DataFrame:
        """``indicators.csv``: unit, year, indicator, raw, normalised, flag ("imputed", "treated" or empty)."""
        cols = list(self.raw.columns)
        long = _long(self.raw, "indicator", "raw")
        long["normalised"] = _long(self.normalised[cols], "indicator", "normalised")["normalised"]
        long["flag"] = _long(self.flags[cols], "indicator", "flag")["flag"]
        return long[INDICATORS_COLUMNS]

    def weights_table(self) -> pd.DataFrame:
        """``weights.csv``: parent, node, weight, effective_weight."""
        return self.weights[WEIGHTS_COLUMNS].copy()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The output tables by file stem: scores, indicators, weights, outliers (when a treatment reports what
        it did), then ``analysis-<name>`` for each analysis."""
        tables = {"scores": self.scores_table(), "indicators": self.indicators_table(), "weights": self.weights_table()}
        if self.treatment_details is not None:
            tables["outliers"] = self.treatment_details
        tables.update({f"analysis-{name}": table for name, table in self.analyses.items()})
        return tables


def _long(frame: pd.DataFrame, key: str, value: str) -> pd.DataFrame:
    """Wide (unit, year) × items → long rows item-major, then unit and year in the frame's order."""
    flat = frame.reset_index()
    return flat.melt(id_vars=["unit", "year"], var_name=key, value_name=value)


# --------------------------------------------------------------------------------------------- provenance


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _dist_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def build_manifest(plan, inputs: list[Path], details: dict, started: datetime) -> dict:
    """Everything needed to know what produced a run's numbers."""
    from . import __version__

    files = []
    for p in dict.fromkeys(Path(p).resolve() for p in inputs):
        entry = {"path": str(p), "sha256": sha256_of(p), "bytes": p.stat().st_size}
        if str(p) in details or str(Path(p)) in details:
            entry["detected"] = details.get(str(p), {})
        files.append(entry)
    for key, value in details.items():
        for entry in files:
            if Path(key).resolve() == Path(entry["path"]):
                entry["detected"] = value
    config = None
    if plan.path is not None:
        cp = Path(plan.path).resolve()
        config = {"path": str(cp), "sha256": sha256_of(cp)}
    return {
        "zhishu_version": __version__,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": {name: _dist_version(name) for name in ("pandas", "numpy", "pluggy", "attrs", "cattrs")},
        "config": config,
        "inputs": files,
        "plugins": [attrs.asdict(p) for p in plan.hooks.plugins()],
        "seeds": {"index.seed": plan.seed},
        "resolved_config": plan.describe(),
    }
