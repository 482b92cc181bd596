"""The ``"supercomputers"`` source: a list with one row per supercomputer system, summed per region and year.

A list such as a TOP500 or China HPC TOP100 edition, with a column giving each system's province (written by
the user: the lists themselves give a site or a city), the edition's year, Rmax (Linpack) and Rpeak::

    name,province,year,rmax,rpeak
    神威·太湖之光,江苏,2022,93014.6,125435.9

gives, per (province, year), ``supercomputer_rmax`` and ``supercomputer_rpeak`` in **EFlops** (the list's
``unit`` converted: 1 EFlops = 10³ PFlops = 10⁶ TFlops = 10⁹ GFlops) and ``supercomputer_count``.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd

import zhishu
from zhishu import MAX_LISTED

#: EFlops per one of each unit.
TO_EFLOPS: dict[str, float] = {"GFlops": 1e-9, "TFlops": 1e-6, "PFlops": 1e-3, "EFlops": 1.0}

#: Cells read as missing (after removing surrounding whitespace).
DEFAULT_NA_VALUES: tuple[str, ...] = ("", "NA", "N/A", "NaN", "nan", "-", "--", "…", "...", "null")


def _nonempty(instance, attribute, value) -> None:
    if value is not None and not value.strip():
        raise ValueError(f"{attribute.name} must not be empty")


def _unit(instance, attribute, value) -> None:
    if value not in TO_EFLOPS:
        close = zhishu.did_you_mean(value, list(TO_EFLOPS))
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unit must be one of {', '.join(map(repr, TO_EFLOPS))}, not {value!r}{hint}: the unit of "
                         "the list's Rmax and Rpeak columns (TOP500 lists give TFlop/s)")


def _year(instance, attribute, value) -> None:
    if value is not None and instance.year_column != "year":
        raise ValueError(f"give year_column or year, not both: year = {value} is one year for a list without a year "
                         f"column, but year_column = {instance.year_column!r} names a column")


def _sheet(instance, attribute, value) -> None:
    if value is None or (isinstance(value, str) and value):
        return
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return
    raise ValueError(f"sheet must be a sheet name or a 0-based sheet index, not {value!r}")


def _thousands(instance, attribute, value) -> None:
    if value is not None and (len(value) != 1 or value in ".+-eE" or value.isdigit()):
        raise ValueError(f'thousands must be one separator character such as "," or " ", not {value!r}')


@attrs.define(kw_only=True)
class SupercomputerSource:
    """A list of supercomputers (CSV or Excel), one row per system; paths are relative to the config file.

    :param path: the list.
    :param region_column: the column giving each system's unit label (province name or code).
    :param year_column: the column giving the list's edition year (ignored when ``year`` is set).
    :param year: one year for a list without a year column.
    :param rmax_column: the column of Rmax (Linpack performance).
    :param rpeak_column: the column of Rpeak (theoretical peak); ``""`` for a list without one (then no
        Rpeak variable is produced).
    :param name_column: the column of system names, used in messages; the default ``"name"`` may be absent.
    :param unit: the unit of Rmax and Rpeak in the list: ``"GFlops"``, ``"TFlops"``, ``"PFlops"`` or ``"EFlops"``.
    :param rmax_variable, rpeak_variable, count_variable: the names of the output variables.
    :param encoding, sheet, sep, skip_rows: reader options (text encoding, Excel sheet, separator, lines
        above the header).
    :param na_values: cells read as missing; ``thousands``: a thousands separator to accept (e.g. ``","``).
    """

    path: str = attrs.field(validator=_nonempty)
    region_column: str = attrs.field(default="province", validator=_nonempty)
    year_column: str = attrs.field(default="year", validator=_nonempty)
    year: int | None = attrs.field(default=None, validator=_year)
    rmax_column: str = attrs.field(default="rmax", validator=_nonempty)
    rpeak_column: str = "rpeak"
    name_column: str = attrs.field(default="name", validator=_nonempty)
    unit: str = attrs.field(default="TFlops", validator=_unit)
    rmax_variable: str = attrs.field(default="supercomputer_rmax", validator=_nonempty)
    rpeak_variable: str = attrs.field(default="supercomputer_rpeak", validator=_nonempty)
    count_variable: str = attrs.field(default="supercomputer_count", validator=_nonempty)
    encoding: str = attrs.field(default="auto", validator=_nonempty)
    # ``str | int | None``: typed Any because the strict converter has no hook for that union (checked here)
    sheet: Any = attrs.field(default=None, validator=_sheet)
    sep: str | None = attrs.field(default=None, validator=_nonempty)
    skip_rows: int = 0
    na_values: tuple[str, ...] = attrs.field(default=DEFAULT_NA_VALUES, converter=tuple)
    thousands: str | None = attrs.field(default=None, validator=_thousands)

    def __attrs_post_init__(self) -> None:
        if self.skip_rows < 0:
            raise ValueError(f"skip_rows must be 0 or more, not {self.skip_rows}")
        outputs = [self.rmax_variable, self.count_variable] + ([self.rpeak_variable] if self.rpeak_column else [])
        if len(set(outputs)) < len(outputs):
            raise ValueError(f"the output variables must have different names, not {', '.join(map(repr, outputs))}")
        columns = {"region_column": self.region_column, "rmax_column": self.rmax_column}
        if self.year is None:
            columns["year_column"] = self.year_column
        if self.rpeak_column:
            columns["rpeak_column"] = self.rpeak_column
        seen: dict[str, str] = {}
        for field, column in columns.items():
            if column in seen:
                raise ValueError(f"{seen[column]} and {field} both name column {column!r}")
            seen[column] = field

    def reader_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"encoding": self.encoding, "skip_rows": self.skip_rows}
        if self.sheet is not None:
            options["sheet"] = self.sheet
        if self.sep is not None:
            options["sep"] = self.sep
        return options

    def load(self, context: zhishu.SourceContext) -> pd.DataFrame:
        """Per (region label, year): Rmax and Rpeak sums in EFlops and the number of systems."""
        raw = context.read_table(self.path, **self.reader_options())
        return list_frame(raw, self, file=str(context.resolve(self.path)), key_path=context.key_path)


# --------------------------------------------------------------------------------------------- the logic


def list_frame(raw: pd.DataFrame, source: SupercomputerSource, *, file: str = "", key_path: str = "") -> pd.DataFrame:
    """The per-region sums of a reader's raw list (pure: ``raw`` is not modified).

    A region-year with a system whose Rmax (or Rpeak) is missing gets a missing sum (never an understated one).
    """
    issues: list[zhishu.Issue] = []

    def problem(message: str, key: str | None = None) -> None:
        path = f"{key_path}.params.{key}" if key and key_path else key_path
        issues.append(zhishu.Issue(message, path=path, file=file))

    columns = [str(c) for c in raw.columns]
    raw = raw.set_axis(columns, axis=1)
    needed = {"region_column": source.region_column, "rmax_column": source.rmax_column}
    if source.year is None:
        needed["year_column"] = source.year_column
    if source.rpeak_column:
        needed["rpeak_column"] = source.rpeak_column
    if source.name_column != "name":
        needed["name_column"] = source.name_column
    for key, column in needed.items():
        if column not in columns:
            close = zhishu.did_you_mean(column, columns)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            extra = ' (set rpeak_column = "" if the list has no Rpeak)' if key == "rpeak_column" else ""
            problem(f"no column {column!r} in the list{hint}{extra}; the list has columns: "
                    f"{', '.join(map(repr, columns))}", key)
    if issues:
        raise zhishu.DataError(issues)
    if len(raw) == 0:
        problem("the list has no rows")
        raise zhishu.DataError(issues)

    where = raw.index.name if raw.index.name in ("line", "row") else "data row"
    positions = raw.index.to_numpy() if where != "data row" else np.arange(1, len(raw) + 1)
    names = _text(raw[source.name_column]) if source.name_column in columns else None

    def system(i: int) -> str:
        name = names[i] if names is not None else ""
        return f"{where} {positions[i]}" + (f" ({name})" if name else "")

    regions = _labels(raw[source.region_column])
    no_region = np.flatnonzero((regions == "").to_numpy())
    if len(no_region):
        listed = ", ".join(system(i) for i in no_region[:MAX_LISTED])
        more = f" and {len(no_region) - MAX_LISTED} more" if len(no_region) > MAX_LISTED else ""
        problem(f"{len(no_region)} system(s) without a region in column {source.region_column!r}: {listed}{more}; "
                "write the province of each system's site", "region_column")

    if source.year is not None:
        years = np.full(len(raw), source.year, dtype="int64")
    else:
        numbers, _bad, text = _numbers(raw[source.year_column], source)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        for i in np.flatnonzero(~whole)[:MAX_LISTED]:
            problem(f"{system(i)}: year {text[i]!r} is not a whole number", "year_column")
        years = np.where(whole, numbers, 0).astype("int64")

    factor = TO_EFLOPS[source.unit]
    measures = {source.rmax_variable: source.rmax_column}
    if source.rpeak_column:
        measures[source.rpeak_variable] = source.rpeak_column
    values = {}
    for variable, column in measures.items():
        numbers, bad, text = _numbers(raw[column], source)
        for i in np.flatnonzero(bad)[:MAX_LISTED]:
            problem(f"{system(i)}, column {column!r}: {text[i]!r} is not a number")
        for i in np.flatnonzero(numbers < 0)[:MAX_LISTED]:
            problem(f"{system(i)}, column {column!r}: {text[i]!r} is negative; performance cannot be below 0")
        values[variable] = numbers * factor
    if issues:
        raise zhishu.DataError(issues)

    table = pd.DataFrame(values)
    index = pd.MultiIndex.from_arrays([regions.to_numpy(dtype=object), years], names=zhishu.INDEX_NAMES)
    table.index = index
    grouped = table.groupby(level=list(zhishu.INDEX_NAMES), sort=False)
    sums = grouped.sum(min_count=1)
    incomplete = table.isna().groupby(level=list(zhishu.INDEX_NAMES), sort=False).any()
    sums = sums.mask(incomplete)
    sums[source.count_variable] = grouped.size().astype("float64")
    return sums.astype("float64")


def _text(cells: pd.Series) -> pd.Series:
    return cells.astype("str").fillna("").str.strip().reset_index(drop=True)


def _labels(cells: pd.Series) -> pd.Series:
    """Region labels as written; whole-number spreadsheet cells (codes) without ``.0``."""
    return _text(cells).str.replace(r"^(-?\d+)\.0$", r"\1", regex=True)


def _numbers(cells: pd.Series, source: SupercomputerSource) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """``(values, bad, text)``: floats (NaN = missing), the mask of cells that are not numbers, the text."""
    text = _text(cells)
    missing = text.isin(list(source.na_values)).to_numpy() | (text == "").to_numpy()
    digits = text.str.replace(source.thousands, "", regex=False) if source.thousands else text
    values = pd.to_numeric(digits.where(~missing, ""), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = ~missing & ~np.isfinite(values)
    return np.where(missing | bad, np.nan, values), bad, text
