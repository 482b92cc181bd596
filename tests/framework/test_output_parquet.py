"""``[output] format = "parquet"``: zhishu run writes the standard tables as Parquet, the same as the CSV files."""

from __future__ import annotations

import contextlib

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


def test_parquet_parts_make_exactly_the_tables(tmp_path, monkeypatch):
    """The long tables written in parts of a few items are, read back, exactly ``Result.tables()``'s (rows,
    order, values, dtypes), including a rounded result and the outliers and analysis tables."""
    import pyarrow.parquet as pq

    from zhishu.default_plugins import exporters

    monkeypatch.setattr(exporters, "PARQUET_PART_ROWS", 4)  # 3 units: one item per part
    rows = "".join(f"u{i},{2019 + y},{i * 1.5 + y},{(7 * i) % 5 + 0.25 * y}\n" for i in range(3) for y in range(2))
    (tmp_path / "d.csv").write_text("unit,year,a,b\n" + rows + "u9,2020,,1\n", encoding="utf-8")
    config = CONFIG.format(output='[output]\nformat = "parquet"\n') + (
        '[imputation]\ndefault = "mean"\n[outliers]\ndefault = "jrc"\n'
        '[analyses.top]\nplugin = "tiers"\nparams = { by = "rank", thresholds = [2], labels = ["top", "rest"] }\n')
    (tmp_path / "c.toml").write_text(config, encoding="utf-8")
    result = zhishu.run(tmp_path / "c.toml")
    for res in (result, result.rounded(3)):
        out = tmp_path / f"out{res.round}"
        out.mkdir()
        names = [p.name for p in exporters.ParquetExporter().export(res, out, _Writer(out))]
        tables = res.tables()
        assert names == [f"{name}.parquet" for name in tables]
        for name, want in tables.items():  # what the whole table written at once gives
            want.to_parquet(tmp_path / "whole.parquet", engine="pyarrow", index=False)
            whole, back = pq.read_table(tmp_path / "whole.parquet"), pq.read_table(out / f"{name}.parquet")
            assert back.schema.equals(whole.schema, check_metadata=True), name
            assert back.equals(whole), name
            assert len(want) == back.num_rows
        parts = pq.ParquetFile(out / "scores.parquet").num_row_groups
        assert parts == len(res.scores.columns) > 1  # one part per item: the parts were really written apart


class _Writer:
    """The one method of an output folder the exporter uses: a path to write ``name`` to."""

    def __init__(self, outdir):
        self.outdir = outdir

    @contextlib.contextmanager
    def open_path(self, name):
        yield self.outdir / name
