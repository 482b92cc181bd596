"""Parse one export of the NBS data portal (data.stats.gov.cn) in the 分省年度数据 layout.

The portal's "下载" button writes one indicator per file, provinces in rows and years in columns, with a few
description lines above the table and notes below it::

    数据库：分省年度数据
    指标：移动互联网接入流量(万GB)
    时间：最近10年
    地区,2024年,2023年,2022年,…
    北京市,…,…,…
    …
    注：…
    数据来源：国家统计局

This module is pure: :func:`parse_rows` takes the file's rows (each with its line or sheet-row number) and
returns the values indexed by (unit label, year); :func:`text_rows` and :func:`excel_rows` produce those
rows from a text file or from a reader's frame of an Excel sheet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

import zhishu
from zhishu import MAX_LISTED

#: Cells read as missing (after removing surrounding whitespace); the portal leaves missing cells empty.
DEFAULT_NA_VALUES: tuple[str, ...] = ("", "…", "...", "-", "--", "—", "NA", "N/A", "NaN", "nan", "null")

#: First-cell prefixes of the lines below the table (notes, source); the table ends at the first of them.
NOTE_PREFIXES: tuple[str, ...] = ("注", "数据来源", "资料来源", "说明", "备注", "Note", "Source")

#: The label of the national-total row, dropped unless ``keep_national``.
NATIONAL = "全国"

_YEAR = re.compile(r"^(\d{4})\s*年?$")
_META = re.compile(r"^(数据库|指标|时间|地区)\s*[:：]\s*(.*)$")
_HEADER = re.compile(r"^地区(\s*[\\/]\s*时间)?$")  # "地区", also "地区\时间" / "地区/时间"
_WHOLE = re.compile(r"^(-?\d+)\.0$")


@attrs.frozen
class Row:
    """One row of the file: its 1-based line (text) or sheet-row (Excel) number and its cells as text."""

    position: int
    cells: tuple[str, ...]


@attrs.frozen
class Export:
    """A parsed export: the values (index (unit label, year), one float column) and its description lines."""

    frame: pd.DataFrame
    meta: dict[str, str]


# --------------------------------------------------------------------------------------------- reading


def text_rows(frame: pd.DataFrame) -> list[Row]:
    """The rows of a delimited text read by the framework's reader with ``header = None`` (every non-blank line
    a row, indexed by the line it starts on, padded with "" to the longest row): trailing padding is dropped so
    that each row has its own cells, as written."""
    rows = []
    for position, values in zip(frame.index.to_numpy(), frame.itertuples(index=False, name=None)):
        cells = list(values)
        while cells and cells[-1] == "":
            cells.pop()
        rows.append(Row(int(position), tuple(cells)))
    return rows


def excel_rows(frame: pd.DataFrame) -> list[Row]:
    """The rows of a sheet read by the framework's reader with ``header = 0``: the header row (the sheet's
    first row, number 1) is rebuilt from the column labels, then every non-blank row by its row number."""
    header = [("" if re.fullmatch(r"Unnamed: \d+", str(c)) else str(c)) for c in frame.columns]
    rows = [Row(1, tuple(header))] if any(h.strip() for h in header) else []
    positions = frame.index.to_numpy() if frame.index.name == "row" else np.arange(2, len(frame) + 2)
    for position, values in zip(positions, frame.itertuples(index=False, name=None)):
        rows.append(Row(int(position), tuple(_cell_text(v) for v in values)))
    return rows


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return str(int(value)) if value.is_integer() else repr(value)  # repr round-trips exactly
    return str(value)


# --------------------------------------------------------------------------------------------- parsing


def canonical(text: str) -> str:
    """Text as compared: NFKC (full-width ``：`` → ``:``), surrounding whitespace removed."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_rows(
    rows: Sequence[Row],
    *,
    file: str,
    key_path: str,
    where: str = "line",
    keep_national: bool = False,
    na_values: Sequence[str] = DEFAULT_NA_VALUES,
) -> Export:
    """The values of one export as an :class:`Export`; a :class:`zhishu.DataError` lists every problem.

    :param rows: the file's non-blank rows.
    :param where: how positions are named in messages (``"line"`` or ``"row"``).
    """
    issues: list[zhishu.Issue] = []

    def problem(message: str) -> None:
        issues.append(zhishu.Issue(message, path=key_path, file=file))

    first = [canonical(r.cells[0]) if r.cells else "" for r in rows]
    header_at = next((i for i, cell in enumerate(first) if _HEADER.match(cell) and not _META.match(cell)), None)
    if header_at is None:
        problem(_no_header_message(rows, first, where))
        raise zhishu.DataError(issues)
    meta = _meta(rows[:header_at])
    header = rows[header_at]

    # ---- the header: 地区, then one year per column (trailing empty cells are ignored)
    labels = [canonical(c) for c in header.cells[1:]]
    while labels and not labels[-1]:
        labels.pop()
    years = np.zeros(len(labels), dtype="int64")
    for j, label in enumerate(labels):
        match = _YEAR.match(label)
        if match:
            years[j] = int(match.group(1))
        else:
            shown = f"{label!r}" if label else "an empty cell"
            problem(f"{where} {header.position}, column {j + 2}: the header has {shown} where a year such as "
                    "'2022年' belongs; the 分省年度数据 layout has provinces in rows and years in columns "
                    "(export it with 时间 as the columns)")
    if not labels:
        problem(f"{where} {header.position}: the header row {_show(header.cells)} has no year columns after 地区")
    repeated = sorted({int(y) for y in years[: len(labels)] if (years == y).sum() > 1 and y})
    if repeated:
        problem(f"{where} {header.position}: the header has year {', '.join(map(str, repeated))} more than once")
    if issues:
        raise zhishu.DataError(issues)

    # ---- the body: up to the first note line
    body: list[Row] = []
    for row in rows[header_at + 1:]:
        cell = canonical(row.cells[0]) if row.cells else ""
        if cell.startswith(NOTE_PREFIXES):
            break
        body.append(row)
    width = len(labels)
    units: list[str] = []
    cells = np.full((len(body), width), "", dtype=object)
    positions = np.array([r.position for r in body], dtype="int64")
    for i, row in enumerate(body):
        unit = canonical(row.cells[0])
        extra = [c for c in row.cells[1 + width:] if c.strip()]
        values = row.cells[1:1 + width]
        if extra:
            problem(f"{where} {row.position} ({unit or 'no 地区 label'}): the row has {len(row.cells) - 1} values "
                    f"but the header has {width} years; remove the extra cells {_show(extra)}")
        if not unit and any(v.strip() for v in values):
            problem(f"{where} {row.position}: values {_show(values)} without a 地区 label in the first column")
        units.append(_WHOLE.sub(r"\1", unit))
        cells[i, : len(values)] = values
    if issues:
        raise zhishu.DataError(issues)
    if not body:
        problem(f"{where} {header.position}: the header row is not followed by any province rows")
        raise zhishu.DataError(issues)

    units_arr = np.array(units, dtype=object)
    keep = units_arr != ""
    if not keep_national:
        keep &= units_arr != NATIONAL  # dropped before its cells are checked
    values, bad, text = _numbers(cells, na_values)
    bad_rows, bad_cols = np.nonzero(bad & keep[:, None])
    for i, j in list(zip(bad_rows, bad_cols))[:MAX_LISTED]:
        problem(f"{where} {positions[i]}, column {j + 2} ({labels[j]!r}; unit {units[i]!r}, year {years[j]}): "
                f"{text[i, j]!r} is not a number; write a number, or leave the cell empty if the value is missing")
    if len(bad_rows) > MAX_LISTED:
        problem(f"… and {len(bad_rows) - MAX_LISTED} more cells that are not numbers")

    seen: dict[str, list[int]] = {}
    for unit, position in zip(units_arr[keep], positions[keep]):
        seen.setdefault(unit, []).append(int(position))
    for unit, found in seen.items():
        if len(found) > 1:
            problem(f"{where}s {', '.join(map(str, found))}: unit {unit!r} appears more than once")
    if issues:
        raise zhishu.DataError(issues)

    order = np.argsort(years, kind="stable")
    kept = values[keep][:, order]
    index = pd.MultiIndex.from_product(
        [pd.Index([str(u) for u in units_arr[keep]]), pd.Index(years[order], dtype="int64")],
        names=zhishu.INDEX_NAMES,
    )
    frame = pd.DataFrame({"value": kept.reshape(-1)}, index=index, dtype="float64")
    return Export(frame=frame, meta=meta)


def _numbers(cells: np.ndarray, na_values: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Floats (NaN = missing), the mask of cells that are not numbers, and the stripped text."""
    flat = pd.Series(cells.reshape(-1), dtype=object).astype("str").str.strip()
    missing = flat.isin(list(na_values)).to_numpy() | (flat == "").to_numpy()
    numbers = pd.to_numeric(flat.where(~missing, ""), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = ~missing & ~np.isfinite(numbers)
    numbers = np.where(missing | bad, np.nan, numbers)
    shape = cells.shape
    return numbers.reshape(shape), bad.reshape(shape), flat.to_numpy(dtype=object).reshape(shape)


def _meta(rows: Sequence[Row]) -> dict[str, str]:
    """The description lines above the header: ``{"数据库": …, "指标": …, "时间": …}``."""
    meta = {}
    for row in rows:
        text = ",".join(c.strip() for c in row.cells if c.strip())  # as written (full-width brackets kept)
        match = _META.match(text)
        if match:
            meta.setdefault(match.group(1), match.group(2).strip())
    return meta


def _no_header_message(rows: Sequence[Row], first: list[str], where: str) -> str:
    shown = "; ".join(f"{where} {r.position}: {_show(r.cells)}" for r in rows[:5]) or "(the file has no rows)"
    hint = ""
    if any(cell == "指标" for cell in first):
        hint = (" The file has a 指标 header row: it was exported with indicators in rows (one province); "
                "export 分省年度数据 with 地区 in rows and 时间 in columns.")
    return (f"no header row starting with '地区' was found, so this is not an NBS 分省年度数据 export "
            f"(provinces in rows, years in columns). The first rows are: {shown}.{hint} For other tables use "
            'the "table" source')


def _show(cells: Sequence[str], limit: int = 6) -> str:
    cells = [c.strip() for c in cells]
    while cells and not cells[-1]:
        cells.pop()
    shown = ", ".join(repr(c[:40]) for c in cells[:limit])
    return "[" + shown + (f", … ({len(cells)} cells)" if len(cells) > limit else "") + "]"
