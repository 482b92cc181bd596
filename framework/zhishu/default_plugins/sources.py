"""The built-in ``"table"`` source: one file (CSV/TSV/TXT, Excel or Parquet) in a wide or long layout.

Wide: one row per (unit, year), one column per variable::

    unit,year,gdp,population
    北京,2020,36102.6,2189.3

Long (tidy): one row per (unit, year, variable)::

    unit,year,variable,value
    北京,2020,gdp,36102.6

A file without a year column takes a constant ``year``. Cells listed in ``na_values`` (and empty cells) are
missing; any other cell that is not a number is an error that names its line, column, unit and year.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from ..classes import define
from ..components import INDEX_NAMES, SourceContext
from ..errors import DataError, Issue, quote
from ..hookspecs import hookimpl
from ..listing import MAX_LISTED
from ..registry import did_you_mean
from ..results import column_dtypes, distinct_level, text_dtype
from .readers import float_rows

#: Cells counted as missing by default (after stripping surrounding whitespace).
DEFAULT_NA_VALUES: tuple[str, ...] = ("", "NA", "N/A", "NaN", "nan", "-", "--", "…", "...", "null")

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


# --------------------------------------------------------------------------------------------- validators


def _nonempty(instance, attribute, value) -> None:
    if value is not None and not value.strip():
        raise ValueError(f"{attribute.name} must not be empty")


def _layout(instance, attribute, value) -> None:
    if value not in ("wide", "long"):
        raise ValueError(f'layout must be "wide" or "long", not {value!r}')


def _year(instance, attribute, value) -> None:
    if value is None and instance.year_column is None:
        raise ValueError("set year_column (the column holding years) or year (one year for the whole file)")
    if value is not None and not 1 <= value <= 9999:
        raise ValueError(f"year = {quote(value, 24)} is not a calendar year: give a year from 1 to 9999, e.g. 2022")
    if value is not None and instance.year_column not in (None, "year"):
        raise ValueError(
            f"give year_column or year, not both: year = {value} is a constant year for a file without a year "
            f"column, but year_column = {instance.year_column!r} names a column"
        )


def _sheet(instance, attribute, value) -> None:
    if value is None or (isinstance(value, str) and value):
        return
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return
    raise ValueError(f"sheet must be a sheet name or a 0-based sheet index, not {value!r}")


def _encoding(instance, attribute, value) -> None:
    if value == "auto":
        return
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(
            f'unknown encoding {value!r}: use "auto" or a Python codec name such as "utf-8", "gbk" or "gb18030"'
        ) from None


def _thousands(instance, attribute, value) -> None:
    if value is not None and (len(value) != 1 or value in ".+-eE" or value.isdigit()):
        raise ValueError(f'thousands must be one separator character such as "," or " ", not {value!r}')


def _nonnegative(instance, attribute, value) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must be 0 or more, not {value}")


def _names(instance, attribute, value) -> None:
    if value is None:
        return
    if attribute.name == "variables" and not value:
        raise ValueError("variables must not be empty (leave it out to keep every variable)")
    seen = _repeats(value)
    if seen:
        raise ValueError(f"{attribute.name} lists {', '.join(map(repr, dict.fromkeys(seen)))} more than once")


def _rename(instance, attribute, value: Mapping[str, str]) -> None:
    empty = [k for k, v in value.items() if not v.strip()]
    if empty:
        raise ValueError(f"rename gives {', '.join(map(repr, empty))} an empty name")


def _repeats(values) -> list:
    """Every value that occurs earlier in ``values``, at each later occurrence, in order (one pass, not a
    comparison with every earlier value)."""
    seen: set = set()
    out = []
    for v in values:
        if v in seen:
            out.append(v)
        else:
            seen.add(v)
    return out


def _tuple_or_none(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


# --------------------------------------------------------------------------------------------- the source


@define(kw_only=True)
class TableSource:
    """One table file. Paths are relative to the config file.

    :param path: the file (``.csv``, ``.tsv``, ``.txt``, ``.xlsx``, ``.xlsm`` or ``.parquet``).
    :param layout: ``"wide"`` (a column per variable) or ``"long"`` (columns unit, year, variable, value).
    :param unit_column: the column of unit labels (kept as written, surrounding whitespace removed).
    :param year_column: the column of years (whole numbers); not used when ``year`` is set.
    :param year: one year for every row of a file without a year column.
    :param variable_column: long layout: the column of variable names.
    :param value_column: long layout: the column of values.
    :param variables: keep only these variables (names after ``rename``); default: all.
    :param ignore_columns: wide layout: columns that are neither keys nor variables (a region code…).
    :param rename: source column (wide) or variable name (long) → variable name.
    :param encoding: text files: ``"auto"`` (UTF-8, UTF-8 with BOM, then GB18030) or a Python codec name.
    :param sheet: Excel: the sheet's name or 0-based index; default the first sheet.
    :param sep: text files: the field separator (default ``","``, tab for ``.tsv``).
    :param skip_rows: lines (Excel: rows) above the header line to skip, such as a title.
    :param na_values: cells that mean "missing" (compared after removing surrounding whitespace).
    :param thousands: a thousands separator to accept in numbers (``","`` reads ``"1,234.5"``).
    :param percent: accept a trailing ``%`` and read the number as written: ``"12%"`` is 12 (in percent, like a
        cell ``12`` of a column in %; divide by 100 in a formula for a fraction).
    """

    path: str = attrs.field(validator=_nonempty)
    layout: str = attrs.field(default="wide", validator=_layout)
    unit_column: str = attrs.field(default="unit", validator=_nonempty)
    year_column: str | None = attrs.field(default="year", validator=_nonempty)
    year: int | None = attrs.field(default=None, validator=_year)
    variable_column: str = attrs.field(default="variable", validator=_nonempty)
    value_column: str = attrs.field(default="value", validator=_nonempty)
    variables: tuple[str, ...] | None = attrs.field(default=None, converter=_tuple_or_none, validator=_names)
    ignore_columns: tuple[str, ...] = attrs.field(default=(), converter=tuple, validator=_names)
    rename: dict[str, str] = attrs.field(factory=dict, validator=_rename)
    encoding: str = attrs.field(default="auto", validator=_encoding)
    # ``str | int | None``: typed Any because the strict converter has no hook for that union (checked here)
    sheet: Any = attrs.field(default=None, validator=_sheet)
    sep: str | None = attrs.field(default=None, validator=_nonempty)
    skip_rows: int = attrs.field(default=0, validator=_nonnegative)
    na_values: tuple[str, ...] = attrs.field(default=DEFAULT_NA_VALUES, converter=tuple)
    thousands: str | None = attrs.field(default=None, validator=_thousands)
    percent: bool = False

    def __attrs_post_init__(self) -> None:
        named: dict[str, list[str]] = {}
        for field in self.key_fields():
            named.setdefault(getattr(self, field), []).append(field)
        for column, same in named.items():
            if len(same) > 1:
                raise ValueError(f"{' and '.join(same)} both name column {column!r}; each key needs its own column")
        if self.layout == "long" and self.ignore_columns:
            raise ValueError('ignore_columns applies to layout = "wide" only (long tables ignore other columns)')

    def key_fields(self) -> list[str]:
        """The parameters naming columns this source needs: unit, year (unless constant), variable and value
        (long layout)."""
        fields = ["unit_column"] + (["year_column"] if self.year is None else [])
        return fields + (["variable_column", "value_column"] if self.layout == "long" else [])

    def key_columns(self) -> list[str]:
        """The columns this source needs in the file, in the order of :meth:`key_fields`."""
        return [getattr(self, field) for field in self.key_fields()]

    def reader_options(self) -> dict[str, Any]:
        """The options handed to ``read_table``."""
        options: dict[str, Any] = {"encoding": self.encoding, "skip_rows": self.skip_rows}
        if self.sheet is not None:
            options["sheet"] = self.sheet
        if self.sep is not None:
            options["sep"] = self.sep
        return options

    def number_columns(self) -> dict[str, Any]:
        """The reader option ``numbers``: the columns holding this source's values, which the built-in text
        reader may parse straight to numbers (``text``: the key columns, kept as strings; ``years``: a key
        column that may be read as integers; ``skip``: columns not read; ``floats``: the value columns, ``None``
        for every other column; ``na_values``). Other readers ignore it."""
        if self.layout == "long":
            floats: list[str] | None = [self.value_column]
        elif self.variables is None:
            floats = None
        else:
            columns = {new: old for old, new in self.rename.items()}
            floats = [columns.get(name, name) for name in self.variables]
        return {"text": self.key_columns(), "skip": list(self.ignore_columns), "floats": floats,
                "years": [self.year_column] if self.year is None else [], "na_values": list(self.na_values)}

    def load(self, context: SourceContext) -> pd.DataFrame:
        """Floats indexed by (unit, year), one column per variable; a :class:`DataError` lists every problem."""
        options = self.reader_options()
        if self.thousands is None and not self.percent:  # plain numbers: the reader may parse them itself
            options["numbers"] = self.number_columns()
        raw = context.read_table(self.path, **options)
        return table_frame(raw, self, file=str(context.resolve(self.path)), key_path=context.key_path)


@hookimpl
def register_sources(register):
    from .frames import FrameSource  # the DataFrame twin of this source (zhishu.default_plugins.frames)

    register("table", TableSource)
    register("frame", FrameSource)


# --------------------------------------------------------------------------------------------- the logic


class _Problems:
    """Issues of one load, each with the file and a TOML key path under the source's ``params``."""

    def __init__(self, file: str, key_path: str):
        self.file = file
        # the source's own key path ("sources.main"), whether the context gives it or its params table
        self.key_path = key_path.removesuffix(".params") if key_path != "params" else ""
        self.issues: list[Issue] = []

    def param(self, *keys: str) -> str:
        return ".".join([self.key_path, "params", *(_toml_key(k) for k in keys)]) if self.key_path else ""

    def add(self, message: str, *keys: str) -> None:
        self.issues.append(Issue(message, path=self.param(*keys) if keys else self.key_path, file=self.file))

    def add_listed(self, messages: list[str], what: str, *keys: str, total: int | None = None) -> None:
        """At most :data:`MAX_LISTED` of ``messages``, then "… and N more ``what``" (N counts up to ``total``
        when only the first messages were built)."""
        total = len(messages) if total is None else total
        for message in messages[:MAX_LISTED]:
            self.add(message, *keys)
        if total > MAX_LISTED:
            self.add(f"… and {total - MAX_LISTED} more {what}", *keys)

    def raise_if_any(self) -> None:
        if self.issues:
            raise DataError(self.issues)


def table_frame(raw: pd.DataFrame, source: TableSource, *, file: str = "", key_path: str = "") -> pd.DataFrame:
    """The source's frame from a reader's raw cells (pure: ``raw`` is not modified)."""
    problems = _Problems(file, key_path)
    labels = raw.columns.tolist()  # plain str objects (iterating an Index of Arrow text is slow)
    columns = [str(c) for c in labels]
    if not all(isinstance(c, str) for c in labels):  # (readers give strings: no new frame for them)
        raw = raw.set_axis(columns, axis=1)
    _check_columns(source, columns, problems)
    problems.raise_if_any()

    label, positions = _positions(raw)
    if len(raw) == 0:
        problems.add("the file has no data rows")
        problems.raise_if_any()

    # as Python strings: a mask, a cut by rows and a factorization of a few thousand labels cost less in numpy
    units = _label_array(raw[source.unit_column])
    empty_unit = units == ""
    if empty_unit.any():
        problems.add_listed(
            [f"{label} {n}: the unit cell (column {source.unit_column!r}) is empty"
             for n in positions[empty_unit][:MAX_LISTED]],
            "rows without a unit",
            "unit_column",
            total=int(empty_unit.sum()),
        )
    years, bad_year = _years(raw, source, label, positions, problems)
    keep = ~(empty_unit | bad_year)

    if source.layout == "wide":
        frame = _wide(raw, source, columns, units, years, keep, label, positions, problems)
    else:
        frame = _long(raw, source, units, years, keep, label, positions, problems)
    problems.raise_if_any()
    return frame


def _check_columns(source: TableSource, columns: list[str], problems: _Problems) -> None:
    repeated = list(dict.fromkeys(_repeats(columns)))
    if repeated:
        problems.add(f"the file has more than one column named {_and(map(repr, repeated))}; column names must be "
                     "unique")
    unnamed = any(c.startswith("Unnamed: ") for c in columns)  # pandas' name for an empty header cell
    lower = "; if the header is further down (below a title), set skip_rows" if unnamed else ""
    for field in source.key_fields():
        name = getattr(source, field)
        if name not in columns:
            problems.add(f"no column {name!r} in the file{_hint(name, columns)}; the file has columns: "
                         f"{_listing(columns)}{lower}", field)


def _positions(raw: pd.DataFrame) -> tuple[str, np.ndarray]:
    """How to name a row's place in the file: the reader's line/row numbers, else data-row numbers."""
    index = raw.index
    if index.name in ("line", "row") and pd.api.types.is_integer_dtype(index.dtype):
        return str(index.name), index.to_numpy(dtype="int64")
    return "data row", np.arange(1, len(raw) + 1, dtype="int64")


def _text(cells: pd.Series) -> pd.Series:
    """Cells as stripped strings; missing cells are ``""``."""
    return cells.astype("str").fillna("").str.strip().reset_index(drop=True)


def _label_array(cells: pd.Series) -> np.ndarray:
    """``_labels(cells).to_numpy(dtype=object)``. A column of pandas' Arrow text (what the text reader gives) is
    stripped by the Arrow kernel that ``.str.strip()`` itself calls on such a column (``utf8_trim_whitespace``,
    after the missing cells become ""), without the three Series that path builds."""
    array = cells.array
    if isinstance(array, pd.arrays.ArrowStringArray) and cells.dtype == text_dtype():
        import pyarrow as pa  # installed: the array is pyarrow's
        import pyarrow.compute as pc

        cells_ = pa.array(array)
        if isinstance(cells_, pa.ChunkedArray):
            cells_ = cells_.combine_chunks()
        if cells_.null_count:
            cells_ = pc.fill_null(cells_, "")
        if not _may_need_strip(cells_):  # (the kernel's first call in a process costs ~5 ms: its tables)
            return cells_.to_numpy(zero_copy_only=False)
        return pc.utf8_trim_whitespace(cells_).to_numpy(zero_copy_only=False)
    return _labels(cells).to_numpy(dtype=object)


def _may_need_strip(cells) -> bool:
    """False when no string of the Arrow text array ``cells`` (no nulls) starts or ends with whitespace: each
    non-empty one starts and ends with a byte of printable ASCII other than the space (0x21-0x7e), which no
    whitespace character's UTF-8 encoding is or begins with. Read off the array's offsets and data buffers."""
    import pyarrow as pa

    if pa.types.is_large_string(cells.type):
        width = np.int64
    elif pa.types.is_string(cells.type):
        width = np.int32
    else:
        return True
    _, offsets, data = cells.buffers()
    if data is None or len(cells) == 0:
        return False
    ends = np.frombuffer(offsets, dtype=width)[cells.offset:cells.offset + len(cells) + 1].astype(np.int64)
    starts, stops = ends[:-1], ends[1:]
    filled = stops > starts
    if not filled.any():
        return False
    raw = np.frombuffer(data, dtype=np.uint8)
    edges = np.concatenate([raw[starts[filled]], raw[stops[filled] - 1]])
    return not ((edges >= 0x21) & (edges <= 0x7E)).all()


def _labels(cells: pd.Series) -> pd.Series:
    """Unit (or variable) labels as written: text, with whole-number spreadsheet cells shown without ``.0``."""
    text = _text(cells)
    if cells.dtype == object or not pd.api.types.is_string_dtype(cells.dtype):
        text = text.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True)
    return text


def _years(raw, source, label, positions, problems) -> tuple[np.ndarray, np.ndarray]:
    """Years as int64 (0 where invalid) and the mask of invalid rows (reported)."""
    n = len(raw)
    if source.year is not None:
        return np.full(n, source.year, dtype="int64"), np.zeros(n, dtype=bool)
    cells = raw[source.year_column]
    numeric = pd.api.types.is_numeric_dtype(cells.dtype) and not pd.api.types.is_bool_dtype(cells.dtype)
    text = None if numeric else _text(cells)  # numbers: the text is needed for messages only
    numbers = _to_float(cells, text)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(numbers) & (numbers == np.round(numbers)) & (np.abs(numbers) < 2**53)
    bad = ~whole
    if bad.any():
        text = _text(cells) if text is None else text
        rows = np.flatnonzero(bad)
        problems.add_listed(
            [
                f"{label} {positions[r]}: year {text[r]!r} is not a whole number"
                if text[r] else f"{label} {positions[r]}: the year cell is empty"
                for r in rows[:MAX_LISTED]
            ],
            "rows with an invalid year",
            "year_column",
            total=len(rows),
        )
    return np.where(whole, numbers, 0).astype("int64"), bad


def _to_float(cells: pd.Series, text: pd.Series | None) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(cells.dtype) and not pd.api.types.is_bool_dtype(cells.dtype):
        return cells.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _numbers(cells: pd.Series, source: TableSource) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """``(values, bad, text)``: floats (NaN for missing), the mask of cells that are not numbers, the text
    (of numeric cells only when some are bad: it is needed for messages only)."""
    if pd.api.types.is_numeric_dtype(cells.dtype) and not pd.api.types.is_bool_dtype(cells.dtype):
        values = cells.to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isnan(values) & ~np.isfinite(values)
        return values, bad, _text(cells) if bad.any() else None
    text = _text(cells)
    missing = text.isin(source.na_values).to_numpy() | (text == "").to_numpy()
    digits = text
    grouped_ok = np.ones(len(text), dtype=bool)
    if source.thousands is not None:
        sep = re.escape(source.thousands)
        has_sep = text.str.contains(source.thousands, regex=False).to_numpy()
        if has_sep.any():
            pattern = rf"[+-]?\d{{1,3}}(?:{sep}\d{{3}})+(?:\.\d*)?(?:[eE][+-]?\d+)?"
            grouped_ok = ~has_sep | text.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)
            digits = text.str.replace(source.thousands, "", regex=False)
    if source.percent:
        digits = digits.str.replace(r"\s*%$", "", regex=True)
    values = pd.to_numeric(digits.where(~missing, ""), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = ~missing & (~np.isfinite(values) | ~grouped_ok)
    values = np.where(missing | bad, np.nan, values)
    return values, bad, text


def _numbers_block(raw: pd.DataFrame, columns: list[str], source: TableSource):
    """:func:`_numbers` of many text columns in one pass (the columns stacked into one Series), as ``(values,
    bad, texts)``: values and bad as (columns × rows) arrays, ``texts[j]`` the text of column ``j`` (only read
    for messages); ``None`` when some column is not text (each is then read alone)."""
    if len(columns) < 2:
        return None
    labels = raw.columns.tolist()
    dtypes = dict(zip(labels, column_dtypes(raw)))
    if all(isinstance(dtypes[c], np.dtype) and dtypes[c].kind in "iuf" for c in columns):  # numbers already
        # (parsed by the reader, option ``numbers``; Parquet): as :func:`_numbers` of each column, in one pass
        if len(set(labels)) == len(labels):
            where = dict(zip(labels, range(len(labels))))
            values = float_rows(raw, [where[c] for c in columns])
        else:
            values = np.ascontiguousarray(_columns(raw, columns).to_numpy(dtype="float64").T)
        bad = np.isinf(values)
        return None if bad.any() else (values, bad, [None] * len(columns))  # infinities: column by column
    if not all(dtypes[c] == object or pd.api.types.is_string_dtype(dtypes[c]) for c in columns):
        return None
    n = len(raw)
    values, bad, text = _numbers(_stacked(raw, columns), source)
    shape = (len(columns), n)
    return values.reshape(shape), bad.reshape(shape), [_Cells(text, j * n) for j in range(len(columns))]


def _columns(raw: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``raw[columns]`` (unique labels), as a slice when they are side by side in file order (a view: no copy of
    each column)."""
    where = raw.columns.get_indexer(columns)
    start = int(where[0])
    if (where == np.arange(start, start + len(where))).all():
        return raw.iloc[:, start:start + len(where)]
    return raw[columns]


def _stacked(raw: pd.DataFrame, columns: list[str]) -> pd.Series:
    """The cells of ``columns``, column after column, as one Series: pyarrow text columns are joined as they
    are (no Python string per cell), other columns through an object array."""
    arrays = [raw[c].array for c in columns]
    first = arrays[0]
    if isinstance(first, pd.arrays.ArrowStringArray) and all(a.dtype == first.dtype for a in arrays):
        import pyarrow as pa  # installed: the arrays are pyarrow's

        try:
            joined = pa.chunked_array([pa.array(a) for a in arrays])
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # chunks of different string types: the general way
            pass
        else:
            return pd.Series(pd.arrays.ArrowStringArray(joined), dtype=first.dtype)
    return pd.Series(raw[columns].to_numpy(dtype=object).ravel(order="F"))


class _Cells:
    """Row ``r`` of one column of a stacked text Series (``cells[r]``), without cutting the Series per column."""

    def __init__(self, text: pd.Series, start: int):
        self._text, self._start = text, start

    def __getitem__(self, row: int):
        return self._text.iloc[self._start + int(row)]


def _wide(raw, source, columns, units, years, keep, label, positions, problems) -> pd.DataFrame:
    before = len(problems.issues)
    for name in source.ignore_columns:
        if name not in columns:
            problems.add(f"no column {name!r} to ignore{_hint(name, columns)}; the file has columns: "
                         f"{_listing(columns)}", "ignore_columns")
    keys = set(source.key_columns())
    candidates = [c for c in columns if c not in keys and c not in source.ignore_columns]
    for old in source.rename:
        if old not in candidates:
            why = " (it is a key column)" if old in keys else " (it is in ignore_columns)" if old in columns else ""
            problems.add(
                f"rename: no variable column {old!r}{why or _hint(old, candidates)}; variable columns: "
                f"{_listing(candidates)}",
                "rename",
                old,
            )
    renamed = [source.rename.get(c, c) for c in candidates]
    clashes = set(_repeats(renamed))
    for name in sorted(clashes):
        sources_ = [c for c, r in zip(candidates, renamed) if r == name]
        problems.add(f"rename: columns {' and '.join(map(repr, sources_))} would both be variable {name!r}", "rename")
    chosen = _choose(renamed, source, problems)
    if not chosen and not source.variables:
        problems.add(
            "the file has no variable columns (every column is a key or ignored); the file has columns: "
            f"{_listing(columns)}"
        )
    if len(problems.issues) > before:  # the variables cannot be chosen: stop here, with every problem so far
        problems.raise_if_any()

    by_name = dict(zip(renamed, candidates))
    bad_cells: list[tuple[int, int, str]] = []  # (row, column order, message): the first few of each column
    total = 0
    block = _numbers_block(raw, [by_name[name] for name in chosen], source)
    if block is None:  # columns read one by one
        parts = [_numbers(raw[by_name[name]], source) for name in chosen]
        values = np.array([v for v, _, _ in parts], dtype="float64").reshape(len(chosen), len(raw))
        bad = np.array([b for _, b, _ in parts], dtype=bool).reshape(len(chosen), len(raw))
        texts = [t for _, _, t in parts]
    else:
        values, bad, texts = block
    bad = bad & keep
    if bad.any():
        for order in np.flatnonzero(bad.any(axis=1)):
            column = by_name[chosen[order]]
            rows = np.flatnonzero(bad[order])
            total += len(rows)
            for row in rows[:MAX_LISTED]:
                message = _cell(source, label, positions[row], column, units[row], years[row], texts[order][row])
                bad_cells.append((row, order, message))
    _report_cells(bad_cells, total, problems)

    row_codes, index = _unit_years(units[keep], years[keep])
    _duplicates(row_codes, index, None, None, positions[keep], label, source, problems)
    problems.raise_if_any()
    if not keep.all():
        values = values[:, keep]
    # one float block, a contiguous row per variable (as pandas lays out a frame built column by column)
    return pd.DataFrame(np.ascontiguousarray(values).T, index=index, columns=pd.Index(chosen), copy=False)


def _long(raw, source, units, years, keep, label, positions, problems) -> pd.DataFrame:
    variables = _labels(raw[source.variable_column])
    empty = (variables == "").to_numpy() & keep
    if empty.any():
        problems.add_listed(
            [f"{label} {n}: the variable cell (column {source.variable_column!r}) is empty"
             for n in positions[empty][:MAX_LISTED]],
            "rows without a variable",
            "variable_column",
            total=int(empty.sum()),
        )
    before = len(problems.issues)
    present = list(pd.unique(variables[keep & ~empty]))
    for old in source.rename:
        if old not in present:
            problems.add(
                f"rename: no variable {old!r} in column {source.variable_column!r}{_hint(old, present)}; variables in "
                f"the file: {_listing(present)}",
                "rename",
                old,
            )
    if source.rename:  # simultaneous, so that {a = "b", b = "a"} swaps names
        variables = variables.map(source.rename).where(variables.isin(list(source.rename)), variables)
    renamed = list(pd.unique(variables[keep & ~empty]))
    chosen = _choose(renamed, source, problems)
    if len(problems.issues) > before:
        problems.raise_if_any()

    rows = keep & ~empty & variables.isin(chosen).to_numpy()
    values, bad, text = _numbers(raw[source.value_column], source)
    bad_rows = np.flatnonzero(bad & rows)
    bad_cells = [
        (row, 0, _cell(source, label, positions[row], source.value_column, units[row], years[row], text[row],
                       variables[row]))
        for row in bad_rows[:MAX_LISTED]
    ]
    _report_cells(bad_cells, len(bad_rows), problems)
    row_codes, index = _unit_years(units[rows], years[rows])
    variable_codes, found = pd.factorize(variables[rows])
    column_codes = pd.Index(chosen).get_indexer(pd.Index(found))[variable_codes]
    _duplicates(row_codes, index, column_codes, chosen, positions[rows], label, source, problems)
    problems.raise_if_any()

    table = np.full((len(index), len(chosen)), np.nan)
    table[row_codes, column_codes] = values[rows]
    return pd.DataFrame(table, index=index, columns=pd.Index(chosen), dtype="float64")


def _unit_years(units: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, pd.MultiIndex]:
    """Each row's code among the distinct (unit, year) pairs, and those pairs (in file order) as the index.
    ``units`` are the labels as Python strings (:func:`_labels`); the index's unit level is text ("str"), as
    the labels' Series is."""
    unit_codes, unit_values = pd.factorize(units)
    year_codes, year_values = pd.factorize(years)
    n_years = max(len(year_values), 1)
    row_codes, pairs = pd.factorize(unit_codes.astype("int64") * n_years + year_codes)
    # the index ``MultiIndex.from_arrays`` builds of the pairs (levels: the distinct values, sorted — str by code
    # point, as pandas sorts text), made from the distinct values directly instead of factorizing every pair's
    # labels again
    unit_level, unit_level_codes = distinct_level(np.asarray(unit_values, dtype=object), text_dtype())
    year_level, year_level_codes = distinct_level(np.asarray(year_values, dtype="int64"), "int64")
    index = pd.MultiIndex(levels=[unit_level, year_level],
                          codes=[unit_level_codes[pairs // n_years], year_level_codes[pairs % n_years]],
                          names=INDEX_NAMES, verify_integrity=False)
    return row_codes, index


def _choose(available: list[str], source: TableSource, problems: _Problems) -> list[str]:
    """The variables to keep: ``variables`` (in its order) or everything ``available`` (in file order)."""
    if source.variables is None:
        return available
    for name in source.variables:
        if name in available:
            continue
        if name in source.rename:
            hint = f" (rename calls it {source.rename[name]!r})"
        else:
            hint = _hint(name, available)
        problems.add(
            f"variable {name!r} is not in the file{hint}; variables in the file: {_listing(available)}",
            "variables",
        )
    return [name for name in source.variables if name in available]


def _cell(source, label, n, column, unit, year, text, variable=None) -> str:
    where = f"unit {quote(unit, 60)}, year {year}" + (f", variable {quote(variable, 60)}" if variable is not None else "")
    return f"{label} {n}, column {quote(column, 60)} ({where}): {quote(text, 60)} is not a number{_cell_hint(source, text)}"


_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _cell_hint(source, text: str) -> str:
    """How to fix a cell that is not a number, judged from what it holds."""
    if source.thousands is None and re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", text):
        return ' (set thousands = "," to read numbers with thousands separators)'
    if text.endswith("%") and _NUMBER.fullmatch(text[:-1].strip()) and not source.percent:
        return (" (percentages: set percent = true to read \"12%\" as 12, or write the number without the % "
                "sign)")
    if _NUMBER.fullmatch(text):  # a number too large for a float, e.g. 1e400
        return " (it overflows: the largest number is about 1.8e308; fix the cell)"
    if text.lstrip("+-").lower() in ("inf", "infinity"):
        return " (infinite values cannot be scored; fix the cell, or add it to na_values if it means missing)"
    if not any(ch.isdigit() for ch in text):  # a marker such as "—", "n/a" or "?"
        return f" (if it means missing, add {quote(text, 60)} to na_values; otherwise fix the cell)"
    return ""


def _report_cells(bad_cells: list[tuple[int, int, str]], total: int, problems: _Problems) -> None:
    bad_cells.sort()
    problems.add_listed([message for _, _, message in bad_cells], "cells that are not numbers", total=total)


def _duplicates(row_codes, index, column_codes, columns, positions, label, source, problems) -> None:
    """Report (unit, year[, variable]) keys that occur on more than one row.

    ``row_codes`` number each row's (unit, year) in ``index``; ``column_codes`` (long layout) its variable in
    ``columns``; ``positions`` are the rows' line numbers.
    """
    n_columns = len(columns) if column_codes is not None else 1
    keys = row_codes.astype("int64") * n_columns + (column_codes if column_codes is not None else 0)
    counts = np.bincount(keys, minlength=len(index) * n_columns) if len(keys) else np.zeros(0, dtype="int64")
    repeated = pd.unique(keys[counts[keys] > 1]) if len(keys) else keys
    if not len(repeated):
        return
    hint = " (does the file have a year column? set year_column instead of year)" if source.year is not None else ""
    messages = []
    for key in repeated[:MAX_LISTED]:
        unit, year = index[key // n_columns]
        what = f"unit {unit!r}, year {year}" + (f", variable {columns[key % n_columns]!r}" if column_codes is not None
                                                else "")
        messages.append(f"{what} appears more than once: {label}s {_and(positions[keys == key])}{hint}")
    problems.add_listed(messages, "repeated keys", total=len(repeated))


def _hint(name: str, choices: list[str]) -> str:
    hints = did_you_mean(name, choices)
    return (" (did you mean " + " or ".join(repr(h) for h in hints) + "?)") if hints else ""


def _listing(names: list[str], limit: int = 30) -> str:
    if not names:
        return "(none)"
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


def _and(items) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _toml_key(name: str) -> str:
    return name if _BARE_KEY.match(name) else '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
