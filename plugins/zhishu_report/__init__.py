"""zhishu_report: ``zhishu report`` — one self-contained, offline HTML report of an index (ranking table,
charts, maps, framework, growth, sensitivity, unit profiles, methodology appendix), and its charts as PNG/SVG.

Python: :func:`zhishu_report.report` (``report(result, path, …)``). Importing this package is cheap (the entry
point loads it in every run): plotly is imported only when a report is made.
"""

from __future__ import annotations

import zhishu

from .errors import ReportError

__all__ = ["ReportError", "render", "report"]


def _api():
    try:
        from . import api
    except ImportError as exc:  # the optional dependencies of the report extra
        raise ReportError(f"zhishu report needs the report extra ({exc.name or exc} is not installed): "
                          "pip install 'zhishu[report]'") from exc
    return api


def report(result, path, sensitivity=None, year=None, compare_year=None, lang="zh", figures=None):
    """Write ``path/report.html`` (see :func:`zhishu_report.api.report`); returns its path."""
    _report = _api().report

    return _report(result, path, sensitivity=sensitivity, year=year, compare_year=compare_year, lang=lang,
                   figures=figures)


def render(result, sensitivity=None, year=None, compare_year=None, lang="zh"):
    """The report's HTML text, charts and data, without writing anything."""
    _render = _api().render

    return _render(result, sensitivity=sensitivity, year=year, compare_year=compare_year, lang=lang)


@zhishu.hookimpl
def register_commands(register):
    from .command import command

    register("report", command())


@zhishu.hookimpl
def register_exporters(register):
    register("report", zhishu.lazy("zhishu_report.exporter:ReportExporter"))  # imported when a config uses it
