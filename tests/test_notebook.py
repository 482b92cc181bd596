"""examples/notebooks/tour.ipynb runs top to bottom in a kernel of this venv's Python (nbclient), and the TOML
file it writes gives, through the command line, byte-identical tables to the notebook's own run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "notebooks" / "tour.ipynb"
KERNEL = "zhishu-tour-test"
PLOTLY = "application/vnd.plotly.v1+json"  # plotly's own output type (its default renderer in a Jupyter kernel)


@pytest.fixture
def kernel(tmp_path, monkeypatch) -> str:
    """A kernelspec in a tmp folder whose kernel is this interpreter (the venv's python), not whatever
    ``python3`` kernel the machine may have registered."""
    pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install -e '.[test]')")
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "zhishu test (venv python)", "language": "python",
    }), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    return KERNEL


def outputs(cell) -> str:
    """Everything a cell showed: streams, plain text and HTML."""
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        data = out.get("data", {})
        parts += [data.get("text/plain", ""), data.get("text/html", "")]
    return "\n".join(parts)


def numbers(values) -> list[float]:
    """A numeric array of plotly's JSON: a list, or (plotly ≥ 6) base64 bytes ``{"dtype": "f8", "bdata": …}``."""
    if isinstance(values, dict):
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def test_the_tour_runs_and_its_toml_reproduces_it_through_the_cli(kernel, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    work = tmp_path / "work"
    work.mkdir()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name=kernel,
                                     resources={"metadata": {"path": str(work)}})
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not any(o.get("output_type") == "error" for o in c.outputs) for c in code)

    shown = {i: outputs(c) for i, c in enumerate(code)}
    html = next(text for text in shown.values() if "<table" in text and "Digital capacity" in text)
    assert "coast" in html  # the Result's _repr_html_: a ranking table with the units
    assert any("CR = " in text and "consistent: True" in text for text in shown.values())
    assert any("p05_rank" in text or "mean_abs_shift" in text for text in shown.values())  # sensitivity ranks

    # the report's charts, shown inline as plotly figures: bars of the index in the last year, best first, with
    # the scores the notebook writes to scores.csv below (read independently of the report)
    figures = [o["data"][PLOTLY] for c in code for o in c.outputs if PLOTLY in o.get("data", {})]
    assert [f["data"][0]["type"] for f in figures] == ["bar", "heatmap", "sunburst"]

    toml = work / "tour.toml"
    assert toml.is_file() and (work / "data" / "regions.csv").is_file()
    assert "frame" not in toml.read_text(encoding="utf-8")  # the DataFrame became a table source
    done = subprocess.run([sys.executable, "-m", "zhishu", "run", str(toml), "-o", str(work / "from-cli"),
                           "--top", "0"], cwd=work, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ["scores.csv", "ranking.csv", "indicators.csv", "weights.csv"]:
        notebook, cli = work / "from-notebook" / name, work / "from-cli" / name
        assert notebook.read_bytes() == cli.read_bytes(), name

    import pandas as pd

    scores = pd.read_csv(work / "from-notebook" / "scores.csv")
    last = scores[(scores["node"] == "index") & (scores["year"] == scores["year"].max())]
    last = last.sort_values("score", ascending=False)
    bars = figures[0]["data"][0]
    assert list(bars["x"]) == list(last["unit"])
    assert numbers(bars["y"]) == pytest.approx(list(last["score"]), rel=1e-12)
