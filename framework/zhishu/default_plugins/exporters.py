"""Built-in exporters: the standard CSV tables, and one Excel workbook holding the same tables."""

from __future__ import annotations

import json

import attrs
import pandas as pd

from ..hookspecs import hookimpl


@attrs.define(kw_only=True)
class CsvExporter:
    """``scores.csv``, ``indicators.csv`` and ``weights.csv`` (UTF-8, comma-separated, full float precision)."""

    def export(self, result, outdir, writer) -> list:
        return [writer.write_csv(f"{name}.csv", table) for name, table in result.tables().items()]


@attrs.define(kw_only=True)
class ExcelExporter:
    """``results.xlsx``: one sheet per table (scores, indicators, weights) and the manifest as key/value rows."""

    filename: str = "results.xlsx"

    def export(self, result, outdir, writer) -> list:
        with writer.open_path(self.filename) as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as book:
                for name, table in result.tables().items():
                    table.to_excel(book, sheet_name=name[:31], index=False)  # Excel: at most 31 characters
                manifest = pd.DataFrame(
                    [(k, json.dumps(v, ensure_ascii=False, default=str)) for k, v in result.manifest.items()],
                    columns=["key", "value"],
                )
                manifest.to_excel(book, sheet_name="manifest", index=False)
        return [outdir / self.filename]


@hookimpl
def register_exporters(register):
    register("csv", CsvExporter)
    register("excel", ExcelExporter)
