"""Built-in ``read_table``: delimited text (.csv, .txt, .tsv), Excel (.xlsx, .xlsm) and Parquet.

Readers return raw cells and leave every numeric decision to the source: text files are read with every cell
a string (nothing becomes NaN, ``"NA"`` stays ``"NA"``), Excel cells keep their Python values (numbers stay
numbers, empty cells are ``""``). Column labels are strings with a leading byte-order mark and surrounding
whitespace removed.

The index of a text or Excel frame carries each row's position in the file, so that sources can point at the
cell a user must fix: it is named ``"line"`` (text: the 1-based line number, counting the header line and any
skipped lines) or ``"row"`` (Excel: the 1-based row number in the sheet). Blank lines are dropped.

With the option ``numbers`` (the ``table`` source sets it), a text file's value columns are parsed by pandas' C
parser straight to numbers, with no string per cell, whenever that gives bit for bit what the source computes
from the strings; otherwise (a cell that is not a number, and the few cases listed in :func:`_read_numbers`) the
file is read as strings, which the source needs to say where a bad cell is.

Options for text: ``sep``, ``header`` (the header's line among the rows after ``skip_rows``, default 0; ``None``
for files without a header or with lines of different lengths — every line becomes a row of strings padded to
the longest, columns ``"0"``, ``"1"`` …), ``skip_rows`` and ``encoding``.

Text encodings: ``encoding = "auto"`` (the default) takes UTF-8 with a byte-order mark as ``utf-8-sig``, then
strict UTF-8, then GB18030 (a superset of GBK and GB2312, the encodings of most Chinese statistical files);
any Python codec name can be given instead. What was used is recorded in ``options["detected"]``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, Issue, PluginError, quote
from ..hookspecs import hookimpl
from ..results import column_dtypes

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet",)

#: Encodings tried, in order, by ``encoding = "auto"`` after the UTF-8 byte-order mark check.
AUTO_ENCODINGS = ("utf-8", "gb18030")


@hookimpl
def read_table(path, options):
    """Read ``.csv``/``.txt``/``.tsv``, ``.xlsx``/``.xlsm`` and ``.parquet`` files; ``None`` for any other."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        reader = read_text
    elif suffix in EXCEL_SUFFIXES:
        reader = read_excel
    elif suffix in PARQUET_SUFFIXES:
        reader = read_parquet
    else:
        return None
    options = options if options is not None else {}
    _check_file(path)
    return reader(path, options)


# --------------------------------------------------------------------------------------------- text


def read_text(path: Path, options: dict[str, Any]) -> pd.DataFrame:
    """A delimited text file as strings, indexed by line number (see the module docstring)."""
    data = path.read_bytes()
    text, encoding = decode(data, options.get("encoding") or "auto", str(path))
    _record(options, encoding=encoding)
    sep = options.get("sep") or ("\t" if path.suffix.lower() == ".tsv" else ",")
    skip_rows = _nonnegative_int(options.get("skip_rows", 0), "skip_rows", path)
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if skip_rows >= lines:
        raise DataError([Issue(f"skip_rows = {skip_rows} skips the whole file, which has {lines} line"
                               f"{'s' if lines != 1 else ''}; set skip_rows to the number of lines above the header",
                               file=str(path))])
    if "header" in options and options["header"] is None:
        return _read_rows(text, sep, skip_rows)
    header = _nonnegative_int(options.get("header", 0), "header", path)
    if skip_rows + header >= lines:
        raise DataError([Issue(f"header = {header} is beyond the end of the file ({lines} lines, {skip_rows} "
                               "skipped)", file=str(path))])
    maybe_blank = _maybe_blank(text, sep)
    first_data_line = skip_rows + header + 2
    numbers = options.get("numbers")
    parsed = None if maybe_blank or not isinstance(numbers, dict) else _read_numbers(text, sep, skip_rows, header,
                                                                                     numbers)
    if parsed is not None:  # the value columns as floats: no string per cell, no blank row possible
        frame, labels = parsed
        _relabel(frame, labels)
        multiline = lines != first_data_line - 1 + len(frame)
        return _with_positions(frame, first_data_line, "line", multiline=multiline, maybe_blank=False)
    try:
        with warnings.catch_warnings():
            # a data row longer than the header: pandas would warn and drop cells (index_col=False) or shift
            # every column by one (by default); it is an error naming the line instead
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=sep,
                header=header,
                skiprows=skip_rows,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                index_col=False,
                skip_blank_lines=False,  # keep blank lines so that positions map to line numbers
            )
    except pd.errors.EmptyDataError:
        raise DataError([Issue("the file is empty (no header line)", file=str(path))]) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError) as exc:
        long_row = _long_row(text, sep, skip_rows + header)
        if long_row is not None:
            line, cells, width = long_row
            message = (f"line {line} has {cells} cells but the header (line {skip_rows + header + 1}) has {width}: "
                       f"remove the extra cells, or put cells that contain {sep!r} between double quotes")
        else:
            message = f"cannot parse the file: {quote(str(exc), 200)}"
        raise DataError([Issue(message, file=str(path))]) from None
    _relabel(frame)
    # as many lines as header and rows: no quoted cell spans lines, so no row needs its breaks counted
    multiline = lines != first_data_line - 1 + len(frame)
    return _with_positions(frame, first_data_line, "line", multiline=multiline, maybe_blank=maybe_blank)


def _read_numbers(text: str, sep: str, skip_rows: int, header: int,
                  numbers: dict[str, Any]) -> tuple[pd.DataFrame, list[str]] | None:
    """The option ``numbers`` (``{"text": [...], "years": [...], "skip": [...], "floats": [...] or None,
    "na_values": [...]}``, set by the ``table`` source): the file parsed by pandas' C parser with its own type
    inference, the ``floats`` columns (``None``: every column not in ``text`` or ``skip``) as numbers (NaN for
    the cells in ``na_values`` or empty), the ``text`` columns as the same strings the string path gives (a
    ``years`` column may be int64 instead), with its cleaned labels (:func:`_clean_labels`) — or ``None`` when
    that could differ from the string path by one bit,
    and the caller reads strings (which also locate a bad cell for its message). Other columns (``skip``, and
    those not in ``floats``) are returned as parsed: the source does not read them.

    The values are those the source computes from the strings with ``pd.to_numeric``: both read a number with
    pandas' ``precise_xstrtod`` (correctly rounded, by fast_float — except ``pd.to_numeric`` of a number written
    with a leading "+"), or as an integer when every cell is one; the two agree on integers below 2**53 except
    for ``"-0"`` (an integer 0, a float -0.0). So files with a leading "+", a "-0" or an integer from 2**53 up are
    read as strings, and so are files where a cell of a value column is not a number in ASCII (with optional
    surrounding ASCII whitespace) or exactly an NA token, or is infinite (an error the source reports), where a
    key cell is missing or an NA token, or whose NA tokens have surrounding whitespace or are numbers to pandas.
    """
    if len(sep) != 1:
        return None
    na_values = [str(v) for v in numbers.get("na_values", ())]
    if (any(v != v.strip() or _is_float(v) for v in na_values) or sep in "eE" or _NEGATIVE_ZERO.search(text)
            or _LEADING_PLUS.search(text)):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a long row, a dtype warning…: the string path says what is wrong
            frame = pd.read_csv(
                io.StringIO(text),
                sep=sep,
                header=header,
                skiprows=skip_rows,
                keep_default_na=False,
                na_values=[*na_values, ""],
                index_col=False,
                skip_blank_lines=False,
                # a small file parsed in one piece, without the join of chunks column by column that costs half
                # the read: the same columns (chunks of integers and floats join as floats, as one piece infers
                # them; other mixes warn, and the string path reads the file); large files keep chunks' bounded
                # memory
                low_memory=len(text) > ONE_PIECE_CHARS,
            )
    except Exception:  # any failure: the string path reports it
        return None
    labels = _clean_labels(frame.columns)
    if len(set(labels)) != len(labels):
        return None
    keep_text = {str(c) for c in numbers.get("text", ())}
    years = {str(c) for c in numbers.get("years", ())}
    skip = {str(c) for c in numbers.get("skip", ())}
    wanted = numbers.get("floats")
    wanted = None if wanted is None else {str(c) for c in wanted}
    floats = []
    column = getattr(frame, "_get_column_array", None)  # pandas' own accessor (no Series per column)
    for position, (label, dtype) in enumerate(zip(labels, column_dtypes(frame))):
        if label in keep_text:
            if label in years and dtype == np.int64:
                continue
            text_column = isinstance(dtype, pd.StringDtype) and dtype.na_value is not pd.NA  # as dtype=str gives
            if not text_column or (column(position) if column is not None else frame.iloc[:, position]).isna().any():
                return None
        elif label not in skip and (wanted is None or label in wanted):
            if not (isinstance(dtype, np.dtype) and dtype.kind in "if"):
                return None
            floats.append(position)
    if not floats:
        return None
    values = float_rows(frame, floats)
    with np.errstate(invalid="ignore"):
        if not (np.abs(values[~np.isnan(values)]) < 2.0**53).all():  # infinities, and integers pandas may round
            return None
    return frame, labels


#: Text files up to this many characters are parsed by :func:`_read_numbers` in one piece (``low_memory=False``).
ONE_PIECE_CHARS = 2**20

#: A "+" that is not an exponent's sign: ``pd.to_numeric`` reads "+…" with an older algorithm than pandas' C parser
#: (it may differ in the last bit: "+4000000000000.0020"), so files with a number written "+…" are read as strings.
_LEADING_PLUS = re.compile(r"\+(?<![eE]\+)")

#: A cell holding a negative integer zero ("-0", "-00", with or without quotes and spaces).
_NEGATIVE_ZERO = re.compile(r"-(?<![\w.]-)0+(?![\w.])")  # led by "-", so that the scan for it is fast


def _is_float(value: str) -> bool:
    """Whether pandas matches the NA token ``value`` as a number too (its ``_floatify_na_values``: ``float()``
    gives a number that is not NaN)."""
    try:
        return not np.isnan(float(value))
    except (TypeError, ValueError, OverflowError):
        return False


#: What a line of a blank row may hold besides separators: whitespace by Python's or pyarrow's definition (and a
#: few more invisible characters), except the line breaks themselves, and quotes.
_BLANKISH = "\"\x00-\x09\x0b\x0c\x0e-\x20\x7f\x85\xa0\u1680\u180e\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"


def _maybe_blank(text: str, sep: str) -> bool:
    """False when no line of ``text`` could belong to a blank row. A blank row's cells are empty or whitespace,
    so each of its lines holds only whitespace, quotes and separators: this test on the text spares the
    cell-by-cell test (:func:`_blank_rows`) for files without such a line. Lines end at ``\\n``, ``\\r\\n`` or
    ``\\r``, as for pandas' parser; the last line break ends the last line, it starts no line."""
    body = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith(("\n", "\r")) else text
    blank = f"[{_BLANKISH}{re.escape(sep)}]*(?=\\r|\\n|$)"
    # a line after a break: "\n" (the first line too, behind the "\n" put before it), or "\r" not followed by "\n"
    # (only in files with an "\r"); each pattern is led by its literal break, which the regex engine scans for far
    # faster than for a character set
    if re.search(f"\\n{blank}", "\n" + body) is not None:
        return True
    return "\r" in body and re.search(f"\\r(?!\\n){blank}", body) is not None


def _long_row(text: str, sep: str, header_line: int) -> tuple[int, int, int] | None:
    """The first row with more cells than the header (its line, cell count and the header's width), found on
    the error path only."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    width = None
    for row in reader:
        if reader.line_num <= header_line:
            continue
        if width is None:
            width = len(row)
        elif len(row) > width:
            return reader.line_num - _row_breaks(row), len(row), width
    return None


def _read_rows(text: str, sep: str, skip_rows: int) -> pd.DataFrame:
    """``header = None``: every line is a row of strings, padded with "" to the longest row, so that files
    whose lines have different lengths (title lines, notes, a table below them — like statistical-office
    exports) can be read; columns are "0", "1", …; indexed by line number, blank lines dropped."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    rows, lines = [], []
    for row in reader:  # parsing a file's lines: csv tracks line numbers across quoted line breaks
        if reader.line_num > skip_rows and any(cell.strip() for cell in row):
            rows.append(row)
            lines.append(reader.line_num - _row_breaks(row))
    width = max(map(len, rows), default=0)
    frame = pd.DataFrame([row + [""] * (width - len(row)) for row in rows], columns=[str(i) for i in range(width)],
                         dtype=object)
    frame.index = pd.Index(np.asarray(lines, dtype="int64"), name="line")
    return frame


def _row_breaks(row: list[str]) -> int:
    """Line breaks inside the quoted cells of a parsed row (the row starts that many lines earlier)."""
    return sum(cell.count("\n") for cell in row)


def decode(data: bytes, encoding: str, file: str) -> tuple[str, str]:
    """``data`` decoded with ``encoding`` (``"auto"``: BOM → utf-8-sig, then UTF-8, then GB18030).

    :returns: the text and the name of the encoding that decoded it.
    :raises DataError: naming the byte offset of the first byte that cannot be decoded.
    """
    if encoding.lower() == "auto":
        if data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        else:
            failures = []
            for candidate in AUTO_ENCODINGS:
                try:
                    return data.decode(candidate), candidate
                except UnicodeDecodeError as exc:
                    failures.append((candidate, exc))
            tried = " nor ".join(f"{name.upper()} ({_where(exc, data)} is invalid)" for name, exc in failures)
            raise DataError(
                [
                    Issue(
                        f"cannot detect the text encoding: the file is neither {tried}. "
                        'Set encoding = "<codec>" in the source\'s params (e.g. "big5", "latin-1"), or re-save the '
                        "file as UTF-8",
                        file=file,
                    )
                ]
            )
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(
            [Issue(f"unknown encoding {encoding!r}; use \"auto\" or a Python codec name such as \"utf-8\", "
                   '"gbk" or "gb18030"', file=file)]
        ) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        fits = _fitting(data)
        fix = (f'the file decodes as {fits.upper()}: set encoding = "{fits}" (or "auto")' if fits else
               'set encoding = "auto" to detect UTF-8 or GB18030, or give the file\'s codec (e.g. "big5")')
        raise DataError(
            [
                Issue(
                    f"cannot decode the file as {encoding!r}: {_where(exc, data)}; the encoding looks wrong: {fix}",
                    file=file,
                )
            ]
        ) from None
    if codecs.lookup(encoding).name in _CJK_CODECS and not data.isascii() and _is_utf8(data):
        # UTF-8 text read as GBK decodes without an error but gives garbled characters (北京 → 鍖椾含)
        sample = next((line for line in text.splitlines() if not line.isascii()), "")
        raise DataError([Issue(
            f"the encoding looks wrong: the file is valid UTF-8 but encoding = {encoding!r} was given, which reads it "
            f"as garbled text ({quote(sample, 40)}); set encoding = \"utf-8\" (or \"auto\")", file=file)])
    return text, encoding


#: Chinese codecs under which UTF-8 bytes decode silently into other characters (codecs' canonical names,
#: written out: building the set with codecs.lookup would import the five codecs, ~5 ms, in every run)
_CJK_CODECS = frozenset(("gbk", "gb2312", "gb18030", "big5", "hz"))


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _fitting(data: bytes) -> str | None:
    """The first of :data:`AUTO_ENCODINGS` that decodes ``data``, if any."""
    for candidate in AUTO_ENCODINGS:
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    return None


def _where(exc: UnicodeDecodeError, data: bytes) -> str:
    return f"byte 0x{data[exc.start]:02x} at offset {exc.start}"


# --------------------------------------------------------------------------------------------- Excel


def read_excel(path: Path, options: dict[str, Any]) -> pd.DataFrame:
    """One sheet of a workbook (``sheet``: name or 0-based index; default the first), indexed by row number."""
    header = _nonnegative_int(options.get("header", 0), "header", path)
    skip_rows = _nonnegative_int(options.get("skip_rows", 0), "skip_rows", path)
    not_excel = _not_excel(path)
    if not_excel:
        raise DataError([Issue(not_excel, file=str(path))])
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises a variety of errors for files that are not workbooks
        raise DataError([Issue(f"not an Excel file, or a damaged one: cannot open the workbook: "
                               f"{quote(str(exc), 200)}", file=str(path))]) from None
    with book:
        names = list(book.sheet_names)
        sheet = options.get("sheet")
        name = _sheet_name(sheet, names, path)
        _record(options, sheet=name)
        rows = getattr(book.book[name], "max_row", None)
        if isinstance(rows, int) and skip_rows + header >= rows:
            what = f"skip_rows = {skip_rows}" if skip_rows >= rows else f"header = {header}"
            raise DataError([Issue(f"{what} is beyond the end of sheet {name!r}, which has {rows} row"
                                   f"{'s' if rows != 1 else ''}; set skip_rows to the number of rows above the header",
                                   file=str(path))])
        try:
            frame = pd.read_excel(
                book, sheet_name=name, header=header, skiprows=skip_rows, dtype=object, na_filter=False
            )
        except ValueError as exc:
            raise DataError([Issue(f"cannot read sheet {name!r}: {exc}", file=str(path))]) from None
    frame.columns = _clean_labels(frame.columns)
    return _with_positions(frame, skip_rows + header + 2, "row", multiline=False)


def _not_excel(path: Path) -> str | None:
    """Why ``path`` cannot be an .xlsx/.xlsm workbook (a zip archive), judged from its first bytes; ``None`` if
    it may be one."""
    with path.open("rb") as f:
        head = f.read(8)
    if zipfile.is_zipfile(path):
        return None
    if head.startswith(b"PK\x03\x04"):
        return "not an Excel file: the workbook is truncated or damaged (its zip directory is missing); copy it again"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "not an Excel file that zhishu reads: it is an old .xls workbook; re-save it as .xlsx"
    if not head:
        return "not an Excel file: the file is empty"
    try:
        path.read_bytes()[:4096].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < 4090:  # not just a character cut at the end of the sample
            return "not an Excel file (an .xlsx workbook is a zip archive; this file is not one)"
    return ("not an Excel file: it is text (a CSV file named .xlsx?); rename it to .csv, or re-save it from "
            "a spreadsheet as .xlsx")


def _sheet_name(sheet: Any, names: list[str], path: Path) -> str:
    if sheet is None:
        return names[0]
    available = ", ".join(repr(n) for n in names)
    if isinstance(sheet, bool) or not isinstance(sheet, (str, int)):
        raise DataError([Issue(f"sheet must be a sheet name or a 0-based index, not {sheet!r}", file=str(path))])
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return names[sheet]
        raise DataError(
            [Issue(f"no sheet with index {sheet} (0-based): the workbook has {len(names)} sheet"
                   f"{'s' if len(names) != 1 else ''}: {available}", file=str(path))]
        )
    if sheet in names:
        return sheet
    from ..registry import did_you_mean

    hints = did_you_mean(sheet, names)
    hint = (" (did you mean " + " or ".join(repr(h) for h in hints) + "?)") if hints else ""
    raise DataError([Issue(f"no sheet named {sheet!r}{hint}; the workbook has sheets: {available}", file=str(path))])


# --------------------------------------------------------------------------------------------- Parquet


def read_parquet(path: Path, options: dict[str, Any]) -> pd.DataFrame:
    """A Parquet file (needs pyarrow); a stored pandas index becomes ordinary columns."""
    if not have_pyarrow():
        from ..optional import missing_message

        raise PluginError(missing_message("pyarrow", "parquet", f"{path}: reading .parquet files"))
    try:
        frame = pd.read_parquet(path, engine="pyarrow")
    except Exception as exc:  # pyarrow's errors for damaged or non-Parquet files
        raise DataError([Issue(f"cannot read the Parquet file: {exc}", file=str(path))]) from None
    if not isinstance(frame.index, pd.RangeIndex) or any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    frame.columns = _clean_labels(frame.columns)
    return frame


def have_pyarrow() -> bool:
    from ..optional import available

    return available("pyarrow")


# --------------------------------------------------------------------------------------------- helpers


def float_rows(frame: pd.DataFrame, positions: list[int]) -> np.ndarray:
    """The numeric columns of ``frame`` at ``positions`` as one C-contiguous float array, a row per column (what
    ``frame.iloc[:, positions].to_numpy("float64").T`` gives), taken column by column from the frame's own arrays:
    a reader's frame holds a block per column, which a positional cut would first rebuild one by one."""
    out = np.empty((len(positions), len(frame)), dtype="float64")
    column = getattr(frame, "_get_column_array", None)  # pandas' own accessor (no Series per column)
    for row, at in enumerate(positions):  # per column, not per cell: one numpy copy each
        out[row] = column(at) if column is not None else frame.iloc[:, at].to_numpy(dtype="float64")
    return out


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DataError([Issue("file not found", file=str(path))])
    if not path.is_file():
        raise DataError([Issue("not a file (a folder?)", file=str(path))])


def _record(options: dict[str, Any], **found: Any) -> None:
    detected = options.get("detected")
    if isinstance(detected, dict):
        detected.update(found)


def _nonnegative_int(value: Any, name: str, path: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise DataError([Issue(f"reader option {name} must be a non-negative integer, not {value!r}", file=str(path))])
    return int(value)


def _relabel(frame: pd.DataFrame, labels: list[str] | None = None) -> None:
    """A text file's frame (its columns a text Index, as pandas' parser gives) labelled by
    :func:`_clean_labels` (``labels``, when the caller has them), in place; left as it is when no label changes
    (a new Index of text costs more than the comparison)."""
    labels = _clean_labels(frame.columns) if labels is None else labels
    if frame.columns.dtype != "str" or labels != frame.columns.tolist():
        frame.columns = labels


def _clean_labels(columns: pd.Index) -> list[str]:
    return [str(c).lstrip("\ufeff").strip() for c in columns.tolist()]


def _with_positions(frame: pd.DataFrame, first: int, name: str, *, multiline: bool,
                    maybe_blank: bool = True) -> pd.DataFrame:
    """``frame`` indexed by each row's 1-based line (or sheet row) number, blank rows dropped (looked for only
    when ``maybe_blank``)."""
    if frame.shape[1] == 0:
        frame.index = pd.RangeIndex(first, first + len(frame), name=name)
        return frame
    text = frame.astype("str").fillna("") if multiline else None
    positions = np.arange(first, first + len(frame), dtype="int64")
    if multiline:
        # a quoted cell spanning several lines moves every later row down by its number of line breaks
        breaks = np.zeros(len(frame), dtype="int64")
        for column in text.columns:
            breaks += text[column].str.count("\n").to_numpy(dtype="int64")
        if breaks.any():
            positions += np.concatenate(([0], np.cumsum(breaks)[:-1]))
    blank = _blank_rows(frame) if maybe_blank else np.zeros(len(frame), dtype=bool)
    frame.index = pd.Index(positions, name=name)  # the frame is this reader's own: no copy
    return frame.loc[~blank] if blank.any() else frame


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is missing or only whitespace (every cell in one pass, not column by column; a
    number is never blank)."""
    if not len(frame):
        return np.zeros(0, dtype=bool)
    cells = pd.Series(frame.to_numpy(dtype=object).ravel(order="F"), dtype=object)
    empty = cells.isna().to_numpy() | (cells.astype("str").str.strip() == "").to_numpy()
    return empty.reshape(frame.shape[1], len(frame)).all(axis=0)
