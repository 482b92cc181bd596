"""The ``"nbs"`` source: exports of the NBS data portal's 分省年度数据 (provincial annual data) tables.

One export holds one indicator (provinces in rows, years in columns; see :mod:`zhishu_nbs.export`). Give
``path`` for one file, or ``files = { variable = "path", … }`` for several, one variable each.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import attrs
import pandas as pd

import zhishu

from .export import DEFAULT_NA_VALUES, Export, excel_rows, parse_rows, text_rows

TEXT_SUFFIXES = {".csv": ",", ".txt": ",", ".tsv": "\t"}
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _nonempty(instance, attribute, value) -> None:
    if value is not None and not value.strip():
        raise ValueError(f"{attribute.name} must not be empty")


def _files(instance, attribute, value) -> None:
    bad = [name for name, path in value.items() if not name.strip() or not path.strip()]
    if bad:
        raise ValueError(f"files: every entry needs a variable name and a path; check {', '.join(map(repr, bad))}")


def _encoding(instance, attribute, value) -> None:
    if value == "auto":
        return
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(
            f'unknown encoding {value!r}: use "auto" (UTF-8, then GBK/GB18030) or a Python codec name such as '
            '"utf-8" or "gbk"'
        ) from None


def _sheet(instance, attribute, value) -> None:
    if value is None or (isinstance(value, str) and value):
        return
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return
    raise ValueError(f"sheet must be a sheet name or a 0-based sheet index, not {value!r}")


@attrs.define(kw_only=True)
class NbsSource:
    """NBS 分省年度数据 exports (CSV in UTF-8 or GBK, or ``.xlsx``). Paths are relative to the config file.

    :param path: one export file; its variable is ``variable`` or the text of its ``指标：`` line.
    :param files: several exports, ``{ variable_name = "path" }``, one variable each (instead of ``path``).
    :param variable: the name of the single file's variable (default: the 指标 line without ``指标：``,
        unit included, e.g. ``移动互联网接入流量(万GB)``).
    :param encoding: text files: ``"auto"`` (UTF-8 with or without BOM, then GBK/GB18030) or a codec name.
    :param sheet: Excel: the sheet's name or 0-based index (default: the first sheet).
    :param keep_national: keep the 全国 (national total) row; by default it is dropped.
    :param na_values: cells read as missing (after removing surrounding whitespace).
    """

    path: str | None = attrs.field(default=None, validator=_nonempty)
    files: dict[str, str] = attrs.field(factory=dict, validator=_files)
    variable: str | None = attrs.field(default=None, validator=_nonempty)
    encoding: str = attrs.field(default="auto", validator=_encoding)
    # ``str | int | None``: typed Any because the strict converter has no hook for that union (checked here)
    sheet: Any = attrs.field(default=None, validator=_sheet)
    keep_national: bool = False
    na_values: tuple[str, ...] = attrs.field(default=DEFAULT_NA_VALUES, converter=tuple)

    def __attrs_post_init__(self) -> None:
        if (self.path is None) == (not self.files):
            raise ValueError(
                'give path = "file.csv" (one export) or files = { variable = "file.csv", … } (several), not '
                + ("both" if self.path is not None else "neither")
            )
        if self.variable is not None and self.files:
            raise ValueError("variable names the single file given by path; with files, the keys are the names")

    def entries(self) -> list[tuple[str | None, str, str]]:
        """``(variable or None, path, TOML key of the path)`` for each file."""
        if self.path is not None:
            return [(self.variable, self.path, "path")]
        return [(name, path, f"files.{_toml_key(name)}") for name, path in self.files.items()]

    def load(self, context: zhishu.SourceContext) -> pd.DataFrame:
        """Floats indexed by (unit label as written in 地区, year), one column per variable."""
        issues: list[zhishu.Issue] = []
        frames: list[pd.DataFrame] = []
        for name, path, key in self.entries():
            try:
                export = self.read_export(context, path)
            except zhishu.DataError as exc:
                issues.extend(exc.issues)
                continue
            name = name or export.meta.get("指标")
            if not name:
                issues.append(zhishu.Issue(
                    'the file has no "指标：…" line above the table to name its variable; set variable = "…"',
                    path=f"{context.key_path}.params.variable", file=str(context.resolve(path))))
                continue
            frames.append(export.frame.rename(columns={"value": name}))
        names = [f.columns[0] for f in frames]
        clash = sorted({n for n in names if names.count(n) > 1})
        if clash:
            issues.append(zhishu.Issue(f"several files give variable {', '.join(map(repr, clash))}",
                                       path=f"{context.key_path}.params.files"))
        if issues:
            raise zhishu.DataError(issues)
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, axis=1, join="outer", sort=False)
        return frame.astype("float64")

    def read_export(self, context: zhishu.SourceContext, path: str) -> Export:
        """One file parsed (text files are read here; Excel sheets through ``context.read_table``)."""
        resolved = context.resolve(path)
        suffix = resolved.suffix.lower()
        file = str(resolved)
        if suffix in TEXT_SUFFIXES:
            rows = self._text_rows(context, resolved, TEXT_SUFFIXES[suffix])
            where = "line"
        elif suffix in EXCEL_SUFFIXES:
            options = {"header": 0} | ({"sheet": self.sheet} if self.sheet is not None else {})
            rows = excel_rows(context.read_table(resolved, **options))
            where = "row"
        elif suffix == ".xls":
            raise zhishu.DataError([zhishu.Issue(
                "old Excel .xls files cannot be read: open the file in Excel or LibreOffice and save it as .xlsx "
                "(or export CSV from the NBS portal)", path=context.key_path, file=file)])
        else:
            raise zhishu.DataError([zhishu.Issue(
                f"cannot read {resolved.suffix or 'files without an extension'}: an NBS export must be .csv, .txt, "
                ".tsv, .xlsx or .xlsm", path=context.key_path, file=file)])
        return parse_rows(rows, file=file, key_path=context.key_path, where=where,
                          keep_national=self.keep_national, na_values=self.na_values)

    def _text_rows(self, context: zhishu.SourceContext, resolved: Path, sep: str):
        # header = None: the framework reader keeps lines of any length (description lines have one cell)
        return text_rows(context.read_table(resolved, header=None, sep=sep, encoding=self.encoding))


def _toml_key(name: str) -> str:
    return name if _BARE_KEY.match(name) else '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
