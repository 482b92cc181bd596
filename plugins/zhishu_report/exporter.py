"""The ``report`` exporter: ``[output] exporters = ["csv", "report"]`` makes ``zhishu run`` write
``report.html`` beside the tables, in the same all-or-nothing output folder."""

from __future__ import annotations

import attrs


@attrs.define(kw_only=True)
class ReportExporter:
    """``report.html`` for the run's last year, compared with the year before (see ``zhishu report``)."""

    lang: str = attrs.field(default="zh", validator=attrs.validators.in_(("zh", "en")))
    year: int | None = None
    compare_year: int | None = None
    filename: str = "report.html"

    def export(self, result, outdir, writer) -> list:
        from . import render

        text, _, _ = render(result, year=self.year, compare_year=self.compare_year, lang=self.lang)
        writer.write_text(self.filename, text)
        return [outdir / self.filename]

    def write(self, result, path, **options):
        """``zhishu_report.report(result, path, **options)``: lets ``Result.report`` find the report through the
        run's registries (``exporters.get("report")``) without the framework importing this plugin."""
        from . import report

        options.setdefault("lang", self.lang)
        options.setdefault("year", self.year)
        options.setdefault("compare_year", self.compare_year)
        return report(result, path, **options)

