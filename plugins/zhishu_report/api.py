"""``report(result, path, …)``: write ``report.html`` (and with ``figures``, every chart as PNG or SVG)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import zhishu

from . import sensitivity as sens
from .errors import ReportError
from .html import page
from .methodology import methodology_section
from .model import build, has_cjk
from .sections import (analyses_section, charts_section, framework_section, headline, maps_section,
                       profiles_section, ranking_table, sensitivity_section)
from .text import label

REPORT = "report.html"
FIGURES = ("png", "svg")
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def render(result, sensitivity: str | os.PathLike | None = None, year: int | None = None,
           compare_year: int | None = None, lang: str = "zh"):
    """The report as (HTML text, charts): nothing is written."""
    data = build(result, year=year, compare_year=compare_year, lang=lang)
    registries = result.plan.hooks.registries
    maps, geometries = maps_section(data, registries)
    sections = [headline(data), ranking_table(data), charts_section(data), maps, framework_section(data)]
    analyses = analyses_section(data)
    if analyses is not None:
        sections.append(analyses)
    if sensitivity is not None:
        ranks, sobol, info = sens.read(sensitivity, result)
        sections.append(sensitivity_section(data, ranks, sobol, info))
    sections += [profiles_section(data), methodology_section(data)]
    charts = [c for s in sections for c in s.charts]
    for chart in charts:
        _check_name(chart.name)
    header = (f"<header><h1>{data.title}</h1><p>{label('report', lang)} · {data.year} · zhishu "
              f"{zhishu.__version__}</p></header>")
    body = header + "<main>" + "\n".join(s.html() for s in sections) + "</main>"
    nav = [(s.anchor, s.title) for s in sections]
    return page(data.title, lang, nav, body, charts, geometries), charts, data


def _check_name(name: str) -> None:
    """Chart names become file names: the shared check (zhishu.names, contract 3) where it exists."""
    try:
        from zhishu.names import check_name  # type: ignore[import-not-found]
    except ImportError:
        problem = None if _SAFE.match(name) else "use letters, digits, '.', '_' and '-'"
    else:
        problem = check_name(name)
    if problem:
        raise ReportError(f"chart name {name!r} cannot be a file name: {problem}")


def _output_folder(outdir: Path, protected: list[Path]):
    """Contract 2 (zhishu.outputs.output_folder) where it exists, else the AtomicWriter it replaces."""
    from zhishu import outputs

    if hasattr(outputs, "output_folder"):
        return outputs.output_folder(outdir, protected=protected, command="report")
    return contextlib.nullcontext(outputs.AtomicWriter(outdir, protected))


def protected_paths(result) -> list[Path]:
    paths = [Path(e["path"]) for e in result.manifest.get("inputs", [])]
    if result.plan.path is not None:
        paths.append(Path(result.plan.path))
    return paths


def report(result, path: str | os.PathLike, sensitivity: str | os.PathLike | None = None, year: int | None = None,
           compare_year: int | None = None, lang: str = "zh", figures: str | None = None) -> Path:
    """Write ``path/report.html``, one self-contained page (every script, style and boundary inline); with
    ``figures="png"`` or ``"svg"`` also ``path/figures/<chart>.<ext>`` for every chart. Returns the page's path.

    :param sensitivity: a folder written by ``zhishu sensitivity`` (adds the sensitivity section).
    :param year: the year reported (default: the last); ``compare_year``: the year changes are against
        (default: the year before).
    :param lang: ``"zh"`` or ``"en"`` (labels and names).
    """
    if figures is not None and figures not in FIGURES:
        raise ReportError(f"--figures {figures!r}: choose png or svg")
    text, charts, data = render(result, sensitivity, year, compare_year, lang)
    outdir = Path(path)
    images: dict[str, bytes] = {}
    if figures:
        images = render_figures(text, charts, figures, needs_cjk=_needs_cjk(data))
    with _output_folder(outdir, protected_paths(result)) as out:
        out.write_text(REPORT, text)
        for name, content in images.items():
            with out.open_path(f"figures/{name}") as tmp:
                Path(tmp).write_bytes(content)
    return outdir / REPORT


# --------------------------------------------------------------------------------------------- figures


def _needs_cjk(data) -> bool:
    return data.lang == "zh" or has_cjk(data.title) or any(has_cjk(n) for n in data.unit_names.values())


def cjk_font() -> str | None:
    """A CJK font family installed on this system (via fontconfig), or None."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        found = [p for root in ("/usr/share/fonts", "/usr/local/share/fonts")
                 for p in Path(root).rglob("*CJK*")] if Path("/usr/share/fonts").exists() else []
        return found[0].name if found else None
    out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    families = [line.split(",")[0].strip() for line in out.splitlines() if line.strip()]
    return families[0] if families else None


def render_figures(html_text: str, charts, fmt: str, needs_cjk: bool = True) -> dict[str, bytes]:
    """Every chart of the page as ``<name>.<fmt>``, drawn by plotly.js in headless Chromium (offline)."""
    from .browser import Browser, BrowserError, find_chromium, INSTALL_HINT

    if find_chromium() is None:
        raise zhishu.OutputError(f"--figures needs a headless Chromium to draw the charts; {INSTALL_HINT}")
    if needs_cjk and fmt == "png" and cjk_font() is None:
        raise zhishu.OutputError("--figures png draws Chinese text but no CJK font is installed; install Debian's "
                                 "fonts-noto-cjk (apt-get install fonts-noto-cjk), or use --figures svg")
    images: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="zhishu-report-") as tmp:
        page_path = Path(tmp) / REPORT
        page_path.write_text(html_text, encoding="utf-8")
        try:
            with Browser() as browser:
                browser.load(page_path)
                for chart in charts:
                    url = browser.evaluate(
                        f"Plotly.toImage(document.querySelector('[data-chart=\"{chart.name}\"]'), "
                        f"{{format: '{fmt}', width: {chart.width}, height: {chart.height}, scale: "
                        f"{2 if fmt == 'png' else 1}}})", await_promise=True)
                    images[f"{chart.name}.{fmt}"] = _decode_data_url(url)
        except BrowserError as exc:
            raise zhishu.OutputError(f"--figures: {exc}") from exc
    return images


def _decode_data_url(url: str) -> bytes:
    import base64
    import urllib.parse

    head, _, payload = url.partition(",")
    if head.endswith(";base64"):
        return base64.b64decode(payload)
    return urllib.parse.unquote(payload).encode("utf-8")
