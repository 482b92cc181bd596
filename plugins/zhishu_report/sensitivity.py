"""Reading the tables ``zhishu sensitivity`` writes (docs/sensitivity.md) for the report's sensitivity section."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pandas as pd

import zhishu

RANKS = "sensitivity-ranks.csv"
SOBOL = "sensitivity-sobol.csv"
MANIFEST = "sensitivity-manifest.json"
RANK_COLUMNS = ("unit", "year", "node", "nominal_score", "nominal_rank", "median_rank", "p05_rank", "p95_rank")
SOBOL_COLUMNS = ("output", "unit", "year", "input", "S1", "S1_conf", "ST", "ST_conf")


def rerun(result, folder: Path) -> str:
    """The command that writes the sensitivity tables of this config into ``folder``."""
    config_arg = shlex.quote(str(result.plan.path) if result.plan.path is not None else "CONFIG")
    folder_arg = shlex.quote(str(folder))
    return f"`zhishu sensitivity {config_arg} -o {folder_arg}`"


def _read(path: Path, columns: tuple[str, ...], result) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype={"unit": str}, keep_default_na=True)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise zhishu.DataError([zhishu.Issue(f"cannot read it as CSV ({exc})", file=str(path))]) from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise zhishu.DataError([zhishu.Issue(f"missing column(s) {', '.join(missing)}: not a table the sensitivity "
                                             f"command writes; write it again with {rerun(result, path.parent)}",
                                             file=str(path))])
    return frame


def read(folder: str | Path, result) -> tuple[pd.DataFrame, pd.DataFrame | None, str]:
    """(ranks, sobol or None, a sentence saying what was run) from a ``zhishu sensitivity`` output folder."""
    folder = Path(folder)
    ranks_path = folder / RANKS
    if not ranks_path.is_file():
        raise zhishu.DataError([zhishu.Issue(f"no {RANKS} in this folder; write it with {rerun(result, folder)}",
                                             path="--sensitivity", file=str(folder))])
    ranks = _read(ranks_path, RANK_COLUMNS, result)
    units = set(result.units.index.astype(str))
    unknown = sorted(set(ranks["unit"]) - units)
    if unknown:
        raise zhishu.DataError([zhishu.Issue(f"unit(s) {', '.join(unknown[:5])} are not units of this index; was "
                                             "it written for another config?", file=str(ranks_path))])
    sobol = _read(folder / SOBOL, SOBOL_COLUMNS, result) if (folder / SOBOL).is_file() else None
    info = f"{RANKS}" + (f", {SOBOL}" if sobol is not None else "") + f" ({folder})"
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            spec = json.loads(manifest.read_text(encoding="utf-8")).get("sensitivity", {})
        except (OSError, json.JSONDecodeError):
            spec = {}
        total, base = spec.get("total_replications"), spec.get("replications")
        if total:
            sample = f" (base sample {base})" if base and base != total else ""
            info = f"{total} replications{sample}; " + info
    return ranks, sobol, info
