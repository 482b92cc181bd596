"""Built-in exporters: the standard CSV tables, the same tables as Parquet, and a formatted Excel workbook."""

from __future__ import annotations

import json
import unicodedata

import attrs
import numpy as np
import pandas as pd

from ..classes import define
from ..hookspecs import hookimpl

CHART_UNITS = 60  # the bar chart shows at most this many units (best first)
_SCALE = ("F8696B", "FFEB84", "63BE7B")  # red → yellow → green, Excel's own 3-colour scale


@define(kw_only=True)
class CsvExporter:
    """``ranking.csv`` (wide) and the tidy ``scores.csv``, ``indicators.csv``, ``weights.csv`` … (UTF-8,
    comma-separated, full float precision unless ``--round``)."""

    def export(self, result, outdir, writer) -> list:
        return [writer.write_csv(f"{name}.csv", table) for name, table in result.tables().items()]


@define(kw_only=True)
class ParquetExporter:
    """The tables of the CSV exporter as Parquet files (``ranking.parquet``, ``scores.parquet`` …; needs
    pyarrow), for indices too large for CSV: ``[output] format = "parquet"``.

    The two long tables (``scores``: units × years × items rows, ``indicators``: units × years × indicators)
    are built by :func:`long_parts` straight from the wide frames as Arrow columns, a few items at a time
    (about :data:`PARQUET_PART_ROWS` rows), and appended to one file as row groups: the rows, values and
    schema (pandas metadata included) are those of ``Result.tables()``'s table written at once — tested —
    without 10⁸ Python objects for the repeated unit and item labels at 10⁶ units × 100 indicators.
    """

    def export(self, result, outdir, writer) -> list:
        from ..optional import require

        require("pyarrow", extra="parquet", purpose='[output] format = "parquet"')
        written = []
        for name, parts in _table_parts(result):
            with writer.open_path(f"{name}.parquet") as tmp:
                _write_parquet(tmp, parts)
            written.append(outdir / f"{name}.parquet")
        return written


#: rows of a long table built and written at once by the Parquet exporter (a few items × all units)
PARQUET_PART_ROWS = 2**22


def _finish(result, table: pd.DataFrame) -> pd.DataFrame:
    """The steps ``Result.tables()`` applies to every table: whole-number ranks as integers, rounding."""
    from ..results import integer_ranks, round_numbers

    table = integer_ranks(table)
    return round_numbers(table, result.round) if result.round is not None else table


def _table_parts(result):
    """``(name, iterator of parts)`` for every table of ``result.tables()``, in its order: ``scores`` and
    ``indicators`` as Arrow tables of whole items (:func:`long_parts`), the others as one frame."""
    small = {"ranking": result.ranking_table, "weights": result.weights_table}
    names = ["ranking", "scores", "indicators", "weights"]
    if result.treatment_details is not None:
        small["outliers"] = lambda: result.treatment_details
        names.append("outliers")
    for name, table in result.analyses.items():
        small[f"analysis-{name}"] = lambda table=table: table
        names.append(f"analysis-{name}")
    for name in names:
        yield name, (long_parts(result, name) if name in ("scores", "indicators")
                     else iter([_finish(result, small[name]())]))


def long_parts(result, name: str):
    """The Arrow tables, a few items each, whose rows one after the other are ``result.tables()[name]``
    (``"scores"`` or ``"indicators"``): item-major, then the wide frame's (unit, year) rows in order.

    The schema (pandas metadata included) is that of the table method's own output for one cell; the columns
    are built from the wide frames: unit and year repeated per item, the item label and level repeated per
    row, the values of a column block laid out item-major; ranks as integers with nulls; the flag of an
    imputed cell picks ``data`` for ``raw`` (``Result.indicators_table``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    scores = name == "scores"
    frame = result.scores if scores else result.raw
    items = list(frame.columns)
    if scores:
        tiny = attrs.evolve(result, scores=frame.iloc[:1, :1], ranks=result.ranks.iloc[:1, :1]).scores_table()
    else:
        first = (slice(0, 1), slice(0, 1))
        tiny = attrs.evolve(result, raw=frame.iloc[first], data=result.data[items].iloc[first],
                            normalised=result.normalised[items].iloc[first],
                            flags=result.flags[items].iloc[first]).indicators_table()
    schema = pa.Table.from_pandas(_finish(result, tiny), preserve_index=False).schema
    n = len(frame)
    units = pa.array(np.asarray(frame.index.get_level_values("unit"), dtype=object))
    years = np.asarray(frame.index.get_level_values("year"))
    decimals = result.round

    def values(block: pd.DataFrame) -> np.ndarray:  # rows × items → item-major
        return np.ascontiguousarray(block.to_numpy(dtype="float64", na_value=np.nan).T).reshape(-1)

    def rounded(v: np.ndarray) -> np.ndarray:
        return v if decimals is None else pd.Series(v).round(decimals).to_numpy()

    step = max(1, PARQUET_PART_ROWS // max(n, 1))
    for start in range(0, max(len(items), 1), step):  # a table without items is still written (empty)
        part = items[start:start + step]
        k = len(part)
        labels = pc.take(pa.array(part, type=pa.string()), pa.array(np.repeat(np.arange(k), n)))
        common = [pa.concat_arrays([units] * k) if k else units[:0], pa.array(np.tile(years, k)), labels]
        if scores:
            levels = np.repeat(np.array([result.plan.level_of(i) for i in part], dtype="int64"), n)
            ranks = values(result.ranks[part])
            missing = np.isnan(ranks)
            columns = [*common, pa.array(levels), pa.array(rounded(values(frame[part]))),
                       pa.array(np.where(missing, 0, ranks).astype("int64"), mask=missing)]
        else:
            flags = _item_major_text(result.flags[part])
            imputed = pc.equal(flags, "imputed").to_numpy()
            raw = np.where(imputed, values(result.data[part]), values(frame[part]))
            columns = [*common, pa.array(rounded(raw)), pa.array(rounded(values(result.normalised[part]))), flags]
        yield pa.Table.from_arrays([c.cast(f.type) for c, f in zip(columns, schema)], schema=schema)


def _item_major_text(block: pd.DataFrame):
    """The text cells of ``block`` column after column as one Arrow string array (Arrow-backed string
    columns are taken as they are, without a Python object per cell)."""
    import pyarrow as pa

    table = pa.Table.from_pandas(block, preserve_index=False)
    return pa.chunked_array([chunk for column in table.columns for chunk in column.cast(pa.string()).chunks],
                            type=pa.string())


def _write_parquet(path, parts) -> None:
    """Append each part (an Arrow table, or a frame) to one Parquet file (the first part's schema for all)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = None
    try:
        for part in parts:
            if isinstance(part, pd.DataFrame):
                part = pa.Table.from_pandas(part, preserve_index=False, schema=out.schema if out else None)
            if out is None:
                out = pq.ParquetWriter(path, part.schema)
            out.write_table(part)
    finally:
        if out is not None:
            out.close()


@define(kw_only=True)
class ExcelExporter:
    """``results.xlsx``: a formatted ranking sheet first (display names, frozen header, number formats, colour
    scale on scores), a native bar chart of the index, one sheet per table, the methodology (the tree with
    every method as rows and columns) and the manifest as key/value rows."""

    filename: str = "results.xlsx"

    def export(self, result, outdir, writer) -> list:
        tables = result.tables()
        with writer.open_path(self.filename) as tmp:
            with pd.ExcelWriter(tmp, engine="openpyxl") as book:
                names = _SheetNames()
                ranking = tables.pop("ranking")
                sheet = names.make("ranking")
                display = _ranking_headers(ranking, result)
                display.to_excel(book, sheet_name=sheet, index=False)
                _format_ranking(book.sheets[sheet], ranking, display, result.round)
                _add_chart(book, names.make("chart"), sheet, ranking, result)
                for name, table in tables.items():
                    sheet = names.make(name)
                    table.to_excel(book, sheet_name=sheet, index=False)
                    _format_table(book.sheets[sheet], table)
                method = result.methodology_table()
                sheet = names.make("methodology")
                method.to_excel(book, sheet_name=sheet, index=False)
                _format_table(book.sheets[sheet], method, number_format="0.0000")
                manifest = pd.DataFrame(_flatten(result.manifest), columns=["key", "value"])
                sheet = names.make("manifest")
                manifest.to_excel(book, sheet_name=sheet, index=False)
                _format_table(book.sheets[sheet], manifest)
        return [outdir / self.filename]


class _SheetNames:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``, unique."""

    def __init__(self):
        self.used: set[str] = set()

    def make(self, name: str) -> str:
        base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31]
        candidate, n = base, 1
        while candidate.lower() in self.used:
            n += 1
            candidate = f"{base[:31 - len(str(n)) - 1]}~{n}"
        self.used.add(candidate.lower())
        return candidate


def _label(plan, node: str) -> str:
    n = plan.nodes.get(node)
    return (n.name_zh or n.name_en or node) if n is not None else node


def _ranking_headers(ranking: pd.DataFrame, result) -> pd.DataFrame:
    """The ranking table with display names as headers: ``<sub-index name> score`` / ``… rank``."""
    plan = result.plan
    rename = {"score": f"{_label(plan, plan.root)}"}
    for node in plan.nodes:
        rename[f"{node}_score"] = f"{_label(plan, node)} score"
        rename[f"{node}_rank"] = f"{_label(plan, node)} rank"
    headers = [rename.get(c, c) for c in ranking.columns]
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):  # two sub-indices with one display name: keep the columns apart
        seen[h] = seen.get(h, 0) + 1
        if seen[h] > 1:
            headers[i] = f"{h} ({ranking.columns[i]})"
    out = ranking.copy()
    out.columns = headers
    return out


def _score_format(decimals: int | None) -> str:
    decimals = 2 if decimals is None else decimals
    return "0" if decimals == 0 else "0." + "0" * decimals


def _width(value) -> int:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _set_widths(ws, table: pd.DataFrame, sample: int = 200) -> None:
    from openpyxl.utils import get_column_letter

    for j, col in enumerate(table.columns, start=1):
        values = table[col].head(sample)
        if pd.api.types.is_float_dtype(values.dtype):
            widest = 10
        else:
            widest = max((_width(v) for v in values), default=0)
        ws.column_dimensions[get_column_letter(j)].width = min(max(_width(col), widest, 6) + 2, 60)


def _is_rank(col) -> bool:
    return isinstance(col, str) and (col == "rank" or col.endswith("_rank") or col.endswith(" rank"))


def _as_text(ws) -> None:
    """Text beginning with ``=`` stays text: zhishu writes no formulas, and a unit name from a data file must
    not become one (formula injection)."""
    for row in ws.iter_rows(min_row=1):
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _format_table(ws, table: pd.DataFrame, number_format: str | None = None) -> None:
    """Frozen header, filter, widths; rank columns as whole numbers; no cell a formula."""
    _as_text(ws)
    ws.freeze_panes = "A2"
    if len(table.columns):
        ws.auto_filter.ref = ws.dimensions
    _set_widths(ws, table)
    for j, col in enumerate(table.columns, start=1):
        fmt = "0" if _is_rank(col) else (number_format if pd.api.types.is_float_dtype(table[col].dtype) else None)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt


def _format_ranking(ws, ranking: pd.DataFrame, display: pd.DataFrame, decimals: int | None) -> None:
    """The ranking sheet: frozen header and name columns, scores with fixed decimals and a colour scale."""
    from openpyxl.formatting.rule import ColorScaleRule
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    _format_table(ws, ranking, number_format=_score_format(decimals))
    _set_widths(ws, display)
    ws.freeze_panes = f"{get_column_letter(list(ranking.columns).index('score') + 1)}2"
    for cell in ws[1]:
        cell.font = Font(bold=True)
    last = len(ranking) + 1
    if last < 2:
        return
    for j, col in enumerate(ranking.columns, start=1):
        if col == "score" or col.endswith("_score"):
            letter = get_column_letter(j)
            ws.conditional_formatting.add(
                f"{letter}2:{letter}{last}",
                ColorScaleRule(start_type="min", start_color=_SCALE[0], mid_type="percentile", mid_value=50,
                               mid_color=_SCALE[1], end_type="max", end_color=_SCALE[2]))


def _add_chart(book, sheet: str, ranking_sheet: str, ranking: pd.DataFrame, result) -> None:
    """A native Excel bar chart of the root's score in the last year, best first, on its own sheet. The data
    are the ranking sheet's cells (its last year is one contiguous block)."""
    from openpyxl.chart import BarChart, Reference

    ws = book.book.create_sheet(sheet)
    if ranking.empty:
        ws["A1"] = "no scores to chart"
        return
    year = int(ranking["year"].max())
    rows = [i for i in range(len(ranking)) if ranking["year"].iat[i] == year and pd.notna(ranking["score"].iat[i])]
    if not rows:
        ws["A1"] = f"no unit has a score in {year}"
        return
    rows = rows[:CHART_UNITS]
    first, last = rows[0] + 2, rows[-1] + 2  # sheet rows: header is row 1
    cols = list(ranking.columns)
    source = book.sheets[ranking_sheet]
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    meta = result.plan.config.index
    chart.title = f"{meta.name_zh or meta.name_en or meta.id} {year}"
    chart.y_axis.title = _label(result.plan, result.plan.root)
    chart.x_axis.scaling.orientation = "maxMin"  # best at the top
    chart.legend = None
    data = Reference(source, min_col=cols.index("score") + 1, min_row=first, max_row=last)
    names = Reference(source, min_col=cols.index("name") + 1, min_row=first, max_row=last)
    chart.add_data(data, titles_from_data=False)
    chart.set_categories(names)
    chart.height = max(7.5, 0.5 * len(rows))
    chart.width = 18
    ws["A1"] = f"{chart.title}: {len(rows)} units, best first (data: sheet {ranking_sheet})"
    _as_text(ws)
    ws.add_chart(chart, "A3")


def _flatten(value, key: str = "") -> list[tuple[str, object]]:
    """Nested manifest → (dotted key, scalar) rows, so no cell holds a JSON document."""
    if isinstance(value, dict) and value:
        return [row for k, v in value.items() for row in _flatten(v, f"{key}.{k}" if key else str(k))]
    if isinstance(value, (list, tuple)) and value and any(isinstance(v, (dict, list, tuple)) for v in value):
        return [row for i, v in enumerate(value) for row in _flatten(v, f"{key}[{i}]")]
    if isinstance(value, (list, tuple)):
        return [(key, ", ".join(str(v) for v in value))]
    if isinstance(value, dict):
        return [(key, "")]
    if value is None or isinstance(value, (str, int, float, bool)):
        return [(key, value)]
    return [(key, json.dumps(value, ensure_ascii=False, default=str))]


@hookimpl
def register_exporters(register):
    register("csv", CsvExporter)
    register("excel", ExcelExporter)
    register("parquet", ParquetExporter)
