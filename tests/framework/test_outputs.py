"""zhishu.outputs: atomic writes, protected inputs, and the files a run writes (tables and manifest)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import zhishu
from zhishu import OutputError
from zhishu.config.resolve import resolve_method
from zhishu.outputs import AtomicWriter, write_result

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "demo.toml"
DEMO_DATA = ROOT / "examples" / "data" / "demo" / "regions.csv"


@pytest.fixture(scope="module")
def demo_result():
    return zhishu.run(DEMO)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------------------------- AtomicWriter


def test_writes_appear_complete(tmp_path):
    writer = AtomicWriter(tmp_path / "out")
    path = writer.write_text("a.txt", "你好\n")
    assert path == tmp_path / "out" / "a.txt"
    assert path.read_text(encoding="utf-8") == "你好\n"
    frame = pd.DataFrame({"unit": ["A", "B"], "score": [1.5, 2.0]})
    writer.write_csv("t.csv", frame)
    assert (tmp_path / "out" / "t.csv").read_text(encoding="utf-8") == "unit,score\nA,1.5\nB,2.0\n"
    writer.write_json("m.json", {"x": 1, "名": "值"})
    assert json.loads((tmp_path / "out" / "m.json").read_text(encoding="utf-8")) == {"x": 1, "名": "值"}
    assert writer.written == [tmp_path / "out" / n for n in ("a.txt", "t.csv", "m.json")]
    assert listing(tmp_path / "out") == ["a.txt", "m.json", "t.csv"]  # no temporary files left


def test_open_path_renames_only_at_the_end(tmp_path):
    writer = AtomicWriter(tmp_path)
    with writer.open_path("big.txt") as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name != "big.txt"
        tmp.write_text("half")
        assert not (tmp_path / "big.txt").exists()  # nothing under the final name while writing
    assert (tmp_path / "big.txt").read_text() == "half"
    assert listing(tmp_path) == ["big.txt"]


def test_exception_leaves_no_partial_file_and_no_temp_file(tmp_path):
    writer = AtomicWriter(tmp_path)
    with pytest.raises(RuntimeError, match="disk on fire"):
        with writer.open_path("scores.csv") as tmp:
            tmp.write_text("unit,year\nA,20")
            raise RuntimeError("disk on fire")
    assert listing(tmp_path) == []
    assert writer.written == []


def test_exception_keeps_the_previous_complete_file(tmp_path):
    (tmp_path / "scores.csv").write_text("old, complete\n")
    writer = AtomicWriter(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        with writer.open_path("scores.csv") as tmp:
            tmp.write_text("new, par")
            raise KeyboardInterrupt
    assert (tmp_path / "scores.csv").read_text() == "old, complete\n"
    assert listing(tmp_path) == ["scores.csv"]


def test_output_folder_is_created(tmp_path):
    writer = AtomicWriter(tmp_path / "a" / "b")
    writer.write_text("x.txt", "x")
    assert (tmp_path / "a" / "b" / "x.txt").read_text() == "x"


def test_refuses_to_write_over_a_protected_input(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("unit,year,x\nA,2020,1\n")
    writer = AtomicWriter(tmp_path, protected=[data])
    with pytest.raises(OutputError, match="refusing to write") as info:
        writer.write_csv("data.csv", pd.DataFrame({"a": [1]}))
    assert str(data) in str(info.value)
    assert data.read_text() == "unit,year,x\nA,2020,1\n"
    assert listing(tmp_path) == ["data.csv"]


def test_protected_input_matched_through_relative_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    data = tmp_path / "sub" / "data.csv"
    data.write_text("keep")
    writer = AtomicWriter("sub/../sub", protected=["sub/data.csv"])
    with pytest.raises(OutputError, match="refusing to write"):
        writer.write_text("data.csv", "overwritten")
    assert data.read_text() == "keep"


def test_output_folder_that_is_a_file_is_an_error(tmp_path):
    file = tmp_path / "out"
    file.write_text("I am a file")
    with pytest.raises(OutputError, match="is a file"):
        AtomicWriter(file)
    assert file.read_text() == "I am a file"


# --------------------------------------------------------------------------------------------- write_result


@pytest.fixture(scope="module")
def demo_out(demo_result, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_out")
    written = write_result(demo_result, out)
    return out, written


def test_write_result_writes_exactly_five_files(demo_out):
    out, written = demo_out
    assert listing(out) == ["indicators.csv", "manifest.json", "ranking.csv", "scores.csv", "weights.csv"]
    assert [p.name for p in written] == ["ranking.csv", "scores.csv", "indicators.csv", "weights.csv",
                                         "manifest.json"]
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")) == [
        f".{out.name}.zhishu-lock"]  # no staging folder left beside it


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("scores.csv", "unit,year,node,level,score,rank"),
        ("indicators.csv", "unit,year,indicator,raw,normalised,flag"),
        ("weights.csv", "parent,node,weight,effective_weight"),
    ],
)
def test_table_headers(demo_out, name, header):
    out, _ = demo_out
    assert (out / name).read_text(encoding="utf-8").splitlines()[0] == header


def test_scores_csv_content(demo_out, demo_result):
    out, _ = demo_out
    scores = pd.read_csv(out / "scores.csv")
    nodes = ["index", "economy", "gdp_per_capita", "broadband_rate", "infrastructure", "servers", "energy_per_rack"]
    assert list(dict.fromkeys(scores["node"])) == nodes  # root first, pre-order
    assert len(scores) == len(nodes) * 6 * 2  # six units, two years
    levels = scores.drop_duplicates("node").set_index("node")["level"].to_dict()
    assert levels == {"index": 0, "economy": 1, "infrastructure": 1, "gdp_per_capita": 2, "broadband_rate": 2,
                      "servers": 2, "energy_per_rack": 2}
    root = scores[scores["node"] == "index"].set_index(["unit", "year"])["score"]
    expected = demo_result.scores["index"]
    pd.testing.assert_series_equal(root.sort_index(), expected.sort_index(), check_names=False,
                                   check_index_type=False)
    best_2022 = scores[(scores["node"] == "index") & (scores["year"] == 2022)].sort_values("rank")
    assert best_2022["rank"].iloc[0] == 1
    assert best_2022["score"].is_monotonic_decreasing


def test_indicators_csv_content(demo_out):
    out, _ = demo_out
    ind = pd.read_csv(out / "indicators.csv")
    assert sorted(set(ind["indicator"])) == sorted(["gdp_per_capita", "broadband_rate", "servers", "energy_per_rack"])
    data = pd.read_csv(DEMO_DATA)
    a2021 = data[(data["unit"] == "Region A") & (data["year"] == 2021)].iloc[0]
    row = ind[(ind["unit"] == "A") & (ind["year"] == 2021) & (ind["indicator"] == "gdp_per_capita")].iloc[0]
    assert row["raw"] == pytest.approx(a2021["gdp"] / a2021["population"])
    # min-max fitted on the reference year 2021: that year spans exactly [0, 100]
    y2021 = ind[ind["year"] == 2021].groupby("indicator")["normalised"]
    assert y2021.min().tolist() == pytest.approx([0.0] * 4)
    assert y2021.max().tolist() == pytest.approx([100.0] * 4)


def test_weights_csv_effective_weights_are_products_along_the_path(demo_out):
    out, _ = demo_out
    weights = pd.read_csv(out / "weights.csv")
    local = dict(zip(weights["node"], weights["weight"]))
    parent = dict(zip(weights["node"], weights["parent"]))
    for _, row in weights.iterrows():
        product, node = 1.0, row["node"]
        while node in parent:
            product *= local[node]
            node = parent[node]
        assert node == "index"
        assert row["effective_weight"] == pytest.approx(product)
    by_node = weights.set_index("node")
    assert by_node.loc["economy", ["parent", "weight", "effective_weight"]].tolist() == ["index", 0.4, 0.4]
    assert by_node.loc["gdp_per_capita", "parent"] == "economy"
    assert by_node.loc["gdp_per_capita", "weight"] == pytest.approx(0.5)
    assert by_node.loc["gdp_per_capita", "effective_weight"] == pytest.approx(0.2)
    assert by_node.loc["servers", "effective_weight"] == pytest.approx(0.3)
    leaves = ["gdp_per_capita", "broadband_rate", "servers", "energy_per_rack"]
    assert by_node.loc[leaves, "effective_weight"].sum() == pytest.approx(1.0)
    for parent_id, group in weights.groupby("parent"):
        assert group["weight"].sum() == pytest.approx(1.0), parent_id


def test_manifest(demo_out):
    out, _ = demo_out
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["zhishu_version"] == zhishu.__version__
    assert manifest["started_at"]
    assert manifest["seeds"] == {"index.seed": 0}

    assert manifest["config"]["sha256"] == hashlib.sha256(DEMO.read_bytes()).hexdigest()
    assert Path(manifest["config"]["path"]) == DEMO.resolve()

    inputs = {Path(i["path"]): i for i in manifest["inputs"]}
    assert list(inputs) == [DEMO_DATA.resolve()]
    assert inputs[DEMO_DATA.resolve()]["sha256"] == sha256(DEMO_DATA)

    plugins = manifest["plugins"]
    assert plugins, "the manifest lists no plugins"
    for plugin in plugins:
        assert set(plugin) >= {"name", "module", "distribution", "version"}
        assert all(isinstance(plugin[k], str) and plugin[k] for k in ("name", "module", "distribution", "version"))
    by_name = {p["name"]: p for p in plugins}
    assert by_name["normalisers"] == {"name": "normalisers", "module": "zhishu.default_plugins.normalisers",
                                      "distribution": "zhishu", "version": zhishu.__version__}

    resolved = manifest["resolved_config"]
    assert resolved, "the manifest has no resolved config"
    text = json.dumps(resolved)
    assert "minmax" in text and "arithmetic" in text


def test_manifest_is_the_results_manifest(demo_out, demo_result):
    out, _ = demo_out
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    outputs = manifest.pop("outputs")
    assert manifest == json.loads(json.dumps(demo_result.manifest, default=str))
    assert outputs["command"] == "run"
    assert [f["path"] for f in outputs["files"]] == ["indicators.csv", "ranking.csv", "scores.csv", "weights.csv"]
    for entry in outputs["files"]:
        assert entry["sha256"] == sha256(out / entry["path"])
        assert entry["bytes"] == (out / entry["path"]).stat().st_size


def test_write_result_refuses_to_overwrite_its_input(tmp_path):
    """A data file named like an output, in the output folder: the run must not destroy its own input."""
    shutil.copy(DEMO_DATA, tmp_path / "scores.csv")
    text = DEMO.read_text(encoding="utf-8").replace("../examples/data/demo/regions.csv", "scores.csv")
    config = tmp_path / "demo.toml"
    config.write_text(text, encoding="utf-8")
    result = zhishu.run(config)
    with pytest.raises(OutputError, match="refusing to write"):
        write_result(result, tmp_path)
    assert (tmp_path / "scores.csv").read_bytes() == DEMO_DATA.read_bytes()
    assert listing(tmp_path) == ["demo.toml", "scores.csv"]


def test_write_result_refuses_to_overwrite_its_config(tmp_path):
    shutil.copy(DEMO_DATA, tmp_path / "regions.csv")
    text = DEMO.read_text(encoding="utf-8").replace("../examples/data/demo/regions.csv", "regions.csv")
    config = tmp_path / "manifest.json"  # an odd name for a TOML file, but a legal one
    config.write_text(text, encoding="utf-8")
    result = zhishu.run(config)
    with pytest.raises(OutputError, match="refusing to write"):
        write_result(result, tmp_path)
    assert config.read_text(encoding="utf-8") == text


# --------------------------------------------------------------------------------------------- Excel


@pytest.fixture(scope="module")
def excel_out(demo_result, tmp_path_factory):
    out = tmp_path_factory.mktemp("excel_out")
    registries = demo_result.plan.hooks.registries
    exporters = [resolve_method(registries, "exporters", "csv", "x"),
                 resolve_method(registries, "exporters", "excel", "x")]
    write_result(demo_result, out, exporters)
    return out


def test_excel_exporter_sheets(excel_out):
    assert listing(excel_out) == ["indicators.csv", "manifest.json", "ranking.csv", "results.xlsx", "scores.csv",
                                  "weights.csv"]
    sheets = pd.read_excel(excel_out / "results.xlsx", sheet_name=None)
    assert list(sheets) == ["ranking", "chart", "scores", "indicators", "weights", "methodology", "manifest"]
    assert list(sheets["manifest"].columns) == ["key", "value"]
    assert "zhishu_version" in set(sheets["manifest"]["key"])


@pytest.mark.parametrize("table", ["scores", "indicators", "weights"])
def test_excel_sheet_equals_csv(excel_out, table):
    from_csv = pd.read_csv(excel_out / f"{table}.csv")
    from_excel = pd.read_excel(excel_out / "results.xlsx", sheet_name=table)
    pd.testing.assert_frame_equal(from_excel, from_csv, check_dtype=False)


def test_excel_alone_writes_workbook_and_manifest(demo_result, tmp_path):
    method = resolve_method(demo_result.plan.hooks.registries, "exporters", "excel", "x")
    write_result(demo_result, tmp_path, [method])
    assert listing(tmp_path) == ["manifest.json", "results.xlsx"]


def test_unknown_exporter_name(demo_result):
    with pytest.raises(zhishu.ConfigError, match="did you mean 'excel'"):
        resolve_method(demo_result.plan.hooks.registries, "exporters", "exel", "--excel")


def test_manifest_plugins_follow_the_plugin_set():
    """The manifest's plugin rows are worked out once per set of plugins: a run with a plugin blocked lists
    the others, and each run gets rows of its own to change."""
    whole = zhishu.run_config(zhishu.load_config(DEMO)).manifest["plugins"]
    blocked = zhishu.run_config(zhishu.load_config(DEMO, block=("template",))).manifest["plugins"]
    assert "template" in {p["name"] for p in whole}
    assert {p["name"] for p in blocked} == {p["name"] for p in whole} - {"template"}
    again = zhishu.run_config(zhishu.load_config(DEMO)).manifest["plugins"]
    assert again == whole and again is not whole and again[0] is not whole[0]
