"""Helpers shared by the sub-index plugin tests: a config whose root is one sub-index, run on a small CSV."""

from __future__ import annotations

import pandas as pd
import pytest

import zhishu

from toy_index import table_config

_CONFIG = """
[index]
id = "{root}-only"
root = "{root}"
{years}
[sources.main]
plugin = "table"
params = {{{{ path = "data.csv" }}}}
{{extra}}
"""


def sub_index(root: str, data: str, years: list[int] | None = None):
    """For the sub-index ``root`` on ``data`` (computing ``years``, default every year in the data): the config
    template (format it with ``extra=``), a ``run(write_config, extra="", data=data)`` function, and a
    module-scoped ``default_run`` fixture that runs it once with the plugin's defaults."""
    config = _CONFIG.format(root=root, years=f"years = {years}\n" if years else "")

    def run(write_config, extra: str = "", data: str = data):
        return zhishu.run(write_config(config.format(extra=extra), data__csv=data))

    @pytest.fixture(scope="module", name="default_run")
    def default_run(tmp_path_factory):
        folder = tmp_path_factory.mktemp("default")
        (folder / "data.csv").write_text(data, encoding="utf-8")
        (folder / "config.toml").write_text(config.format(extra=""), encoding="utf-8")
        return zhishu.run(folder / "config.toml")

    return config, run, default_run


def children_config(*children: str, index_id: str = "x") -> str:
    """A config on data.csv whose root lists ``children`` (registered nodes or indicators) and nothing else."""
    return table_config({}, "[nodes.index]\nchildren = [" + ", ".join(f'"{c}"' for c in children) + "]",
                        index_id=index_id, compact=True)


def column(frame: pd.DataFrame, name: str) -> dict:
    """One column as {(unit, year): value}."""
    return {(u, int(y)): v for (u, y), v in frame[name].items()}


def assert_higher_is_better(result, indicators) -> None:
    """Direction +1, checked on what a run computed: within each year, a unit with a larger raw value of an
    indicator gets a strictly larger normalised score, and equal raw values get equal scores."""
    import numpy as np

    for name in indicators:
        for year, raw in result.raw[name].dropna().groupby(level="year"):
            score = result.scores.loc[raw.index, name].to_numpy()
            r = raw.to_numpy()
            assert len(set(r)) > 1, f"{name} {year}: the data must separate units to test the direction"
            bigger = r[:, None] > r[None, :]
            assert (score[:, None] > score[None, :])[bigger].all(), (name, year)
            assert np.isclose(score[:, None], score[None, :])[r[:, None] == r[None, :]].all(), (name, year)
