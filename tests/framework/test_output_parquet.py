"""``[output] format = "parquet"``: zhishu run writes the standard tables as Parquet, the same as the CSV files."""

from __future__ import annotations

import pandas as pd
import pytest

import zhishu
from zhishu.cli import main

pytest.importorskip("pyarrow")

CONFIG = """
[index]
id = "t"
[sources.s]
plugin = "table"
params = {{ path = "d.csv" }}
{output}
[nodes.index]
children = ["a", "b"]
[indicators.a]
direction = 1
[indicators.b]
direction = -1
"""
DATA = "unit,year,a,b\nx,2020,1,2\ny,2020,3,1\nz,2020,2,\n"


def test_parquet_tables_equal_the_csv_tables(tmp_path):
    (tmp_path / "d.csv").write_text(DATA, encoding="utf-8")
    (tmp_path / "csv.toml").write_text(CONFIG.format(output=""), encoding="utf-8")
    (tmp_path / "pq.toml").write_text(CONFIG.format(output='[output]\nformat = "parquet"\n'), encoding="utf-8")
    assert main(["run", str(tmp_path / "csv.toml"), "-o", str(tmp_path / "a"), "--top", "0"]) == 0
    assert main(["run", str(tmp_path / "pq.toml"), "-o", str(tmp_path / "b"), "--top", "0"]) == 0
    csvs = sorted(p.stem for p in (tmp_path / "a").glob("*.csv"))
    assert csvs == sorted(p.stem for p in (tmp_path / "b").glob("*.parquet"))
    assert not list((tmp_path / "b").glob("*.csv"))
    for name in csvs:
        back = pd.read_parquet(tmp_path / "b" / f"{name}.parquet")
        want = pd.read_csv(tmp_path / "a" / f"{name}.csv", keep_default_na=False, na_values=[""])
        assert list(back.columns) == list(want.columns), name
        back_text = pd.read_csv(pd.io.common.StringIO(back.to_csv(index=False)), keep_default_na=False,
                                na_values=[""])
        pd.testing.assert_frame_equal(back_text, want, check_dtype=False, obj=name)


def test_unknown_format_is_a_config_error(tmp_path):
    (tmp_path / "d.csv").write_text(DATA, encoding="utf-8")
    (tmp_path / "c.toml").write_text(CONFIG.format(output='[output]\nformat = "xlsx"\n'), encoding="utf-8")
    with pytest.raises(zhishu.ConfigError, match="format"):
        zhishu.load_config(tmp_path / "c.toml")
