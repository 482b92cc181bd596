"""The built-in ``"frame"`` source: a pandas DataFrame handed over in Python, checked like a table file.

``zhishu.load_config(config, data={"nbs": df})`` gives the frame ``df`` to the source ``[sources.nbs]``
(added as ``plugin = "frame"`` when the config does not declare it). The frame is wide (a column per variable)
or long (tidy: unit, year, variable, value), exactly like the ``table`` source's file; the unit and year may
be columns or the levels of a (unit, year) index. Every strict check of the ``table`` source applies, with the
frame named in messages as ``<DataFrame 'nbs'>`` and rows counted from 1.

A config naming a ``frame`` source cannot run from the command line (there is no DataFrame there):
``Plan.to_toml(data_dir=...)`` writes each frame as a CSV file and refers to it with a ``table`` source.
"""

from __future__ import annotations

from typing import Any

import attrs
import pandas as pd

from ..classes import define
from ..components import SourceContext
from ..errors import DataError, Issue
from .sources import DEFAULT_NA_VALUES, TableSource, _layout, _names, _nonempty, _rename, _tuple_or_none, table_frame


def _year(instance, attribute, value) -> None:
    if value is not None and instance.year_column not in (None, "year"):
        raise ValueError(f"give year_column or year, not both: year = {value} is a constant year, but "
                         f"year_column = {instance.year_column!r} names a column")


@define(kw_only=True)
class FrameSource:
    """A DataFrame given in Python as ``data={name: frame}``.

    :param name: the frame's key in ``data=`` (default: the source's id).
    :param layout, unit_column, year_column, year, variable_column, value_column, variables, ignore_columns,
        rename, na_values: as for the ``table`` source.
    """

    name: str | None = attrs.field(default=None, validator=_nonempty)
    layout: str = attrs.field(default="wide", validator=_layout)
    unit_column: str = attrs.field(default="unit", validator=_nonempty)
    year_column: str | None = attrs.field(default="year", validator=_nonempty)
    year: int | None = attrs.field(default=None, validator=_year)
    variable_column: str = attrs.field(default="variable", validator=_nonempty)
    value_column: str = attrs.field(default="value", validator=_nonempty)
    variables: tuple[str, ...] | None = attrs.field(default=None, converter=_tuple_or_none, validator=_names)
    ignore_columns: tuple[str, ...] = attrs.field(default=(), converter=tuple, validator=_names)
    rename: dict[str, str] = attrs.field(factory=dict, validator=_rename)
    na_values: tuple[str, ...] = attrs.field(default=DEFAULT_NA_VALUES, converter=tuple)
    #: the DataFrame, attached by load_config from ``data=`` (not a parameter)
    frame: Any = attrs.field(default=None, init=False, eq=False, repr=False)

    def table(self, path: str = "<DataFrame>") -> TableSource:
        """The equivalent ``table`` source reading ``path``."""
        return TableSource(path=path, **self.table_params())

    def table_params(self) -> dict[str, Any]:
        """This source's parameters that the ``table`` source shares (everything but ``name``)."""
        return {a.name: getattr(self, a.name) for a in attrs.fields(FrameSource) if a.init and a.name != "name"}

    def cells(self) -> pd.DataFrame:
        """The frame with a named index (unit, year…) turned into columns: what a reader would give."""
        frame = self.frame
        if not isinstance(frame, pd.DataFrame):
            return frame
        names = [n for n in frame.index.names if n is not None]
        if names and not any(n in frame.columns for n in names):
            frame = frame.reset_index()
        else:
            frame = frame.reset_index(drop=True)
        return frame

    def load(self, context: SourceContext) -> pd.DataFrame:
        name = self.name or context.source_id
        if not isinstance(self.frame, pd.DataFrame):
            raise DataError([Issue(f"no DataFrame {name!r} was given: pass it in Python as "
                                   f"load_config(..., data={{{name!r}: frame}}); on the command line use a "
                                   '"table" source reading a file', context.key_path)])
        return table_frame(self.cells(), self.table(), file=f"<DataFrame {name!r}>", key_path=context.key_path)
