"""Screenshots of every report section for the README and docs/report.md: docs/img/report-*.png.

    .venv/bin/python scripts/screenshots.py

Makes the reports of configs/caict-2023.toml (with a small sensitivity run) and of the ASEM example (world
map), opens them in headless Chromium (offline, as the browser tests do) and saves one picture per section,
cut to at most ``--max-height`` CSS pixels and stored as palette PNGs to keep the repository small.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

from PIL import Image

import zhishu
from zhishu_report import report
from zhishu_report.browser import Browser

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"

#: (file stem, config, CSS selector): one picture per report section
SHOTS = (
    ("report-headline", "caict", "#headline"),
    ("report-ranking", "caict", "#ranking"),
    ("report-charts", "caict", "#charts"),
    ("report-maps", "caict", "#maps"),
    ("report-framework", "caict", "#framework"),
    ("report-analyses", "caict", "#analyses"),
    ("report-sensitivity", "caict", "#sensitivity"),
    ("report-profiles", "caict", "#profiles"),
    ("report-methodology", "caict", "#methodology"),
    ("report-world-map", "asem", "[data-chart='map-Index']"),
)


def sensitivity_folder(plan, folder: Path, replications: int) -> Path:
    from zhishu.sensitivity import read_spec_table, resolve_spec, run_sensitivity, write_sensitivity

    raw, _ = read_spec_table(plan.path)
    rs = resolve_spec({**raw, "replications": replications}, plan)
    write_sensitivity(run_sensitivity(plan, rs), folder, replications=False)
    return folder


def save(png: bytes, path: Path, max_height: int) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.height > max_height:
        image = image.crop((0, 0, image.width, max_height))
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}: {image.width}×{image.height}, {path.stat().st_size // 1024} KiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-height", type=int, default=900)
    parser.add_argument("--replications", type=int, default=64, help="of the sensitivity run (default 64)")
    args = parser.parse_args()
    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zhishu-shots-") as tmp:
        tmp = Path(tmp)
        caict_plan = zhishu.load_config(ROOT / "configs" / "caict-2023.toml")
        sens = sensitivity_folder(caict_plan, tmp / "sens", args.replications)
        pages = {
            "caict": report(zhishu.run_config(caict_plan), tmp / "caict", sensitivity=sens),
            "asem": report(zhishu.run_config(zhishu.load_config(ROOT / "configs" / "examples" / "asem.toml")),
                           tmp / "asem", lang="en"),
        }
        with Browser(width=1200, height=900) as browser:
            for key, page in pages.items():
                browser.load(page)
                if browser.non_local_requests():
                    print(f"error: {page} made requests: {browser.non_local_requests()}", file=sys.stderr)
                    return 1
                browser.evaluate("document.querySelector('nav').style.position = 'static'")
                for stem, which, selector in SHOTS:
                    if which == key:
                        save(browser.element_screenshot(selector, margin=4), IMG / f"{stem}.png", args.max_height)
    return 0


if __name__ == "__main__":
    sys.exit(main())
