"""Configs in memory: a TOML string, a dict with the file's schema, DataFrames as sources, and the round trip
dict → Plan → to_toml → file → CLI with byte-identical scores."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import zhishu
from zhishu import ConfigError, DataError
from zhishu.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "demo.toml"
DEMO_DATA = ROOT / "examples" / "data" / "demo" / "regions.csv"
NBS = ROOT / "configs" / "nbs-digital-2015-2024.toml"


def demo_dict() -> dict:
    raw = tomllib.loads(DEMO.read_text(encoding="utf-8"))
    raw["sources"]["demo"]["params"]["path"] = str(DEMO_DATA)
    return raw


def frame_dict() -> dict:
    raw = demo_dict()
    del raw["sources"]
    return raw


def demo_frame() -> pd.DataFrame:
    return pd.read_csv(DEMO_DATA)


def scores_equal(a, b) -> None:
    pd.testing.assert_frame_equal(a.scores, b.scores, check_exact=True)


@pytest.fixture(scope="module")
def demo_result():
    return zhishu.run(DEMO)


def test_dict_and_string_give_the_file_s_plan_and_scores(demo_result):
    from_file = zhishu.load_config(DEMO)
    from_dict = zhishu.load_config(demo_dict())
    text = DEMO.read_text(encoding="utf-8").replace("../examples/data/demo/regions.csv", DEMO_DATA.as_posix())
    from_text = zhishu.load_config(text)
    assert from_dict.path is None and from_text.path is None
    assert from_dict.config == from_text.config
    assert from_dict.describe() == from_text.describe()
    assert from_dict.describe()["nodes"] == from_file.describe()["nodes"]
    scores_equal(zhishu.run(demo_dict()), demo_result)


def test_relative_paths_of_a_dict_resolve_against_base_dir(demo_result):
    raw = tomllib.loads(DEMO.read_text(encoding="utf-8"))  # path "../examples/…", relative to configs/
    scores_equal(zhishu.run(raw, base_dir=DEMO.parent), demo_result)
    with pytest.raises(DataError):
        zhishu.run(raw, base_dir=ROOT)  # ../examples/… from the repository root does not exist


def test_dict_problems_carry_dotted_key_paths_and_the_dict_file():
    raw = demo_dict()
    raw["nodes"]["index"]["childs"] = []
    with pytest.raises(ConfigError, match=r"<dict>: nodes\.index\.childs: unknown key: did you mean 'children'\?"):
        zhishu.load_config(raw)
    raw = demo_dict()
    raw["indicators"]["gdp_per_capita"]["direction"] = 2
    with pytest.raises(ConfigError, match=r"<dict>: indicators\.gdp_per_capita\.direction: direction must be 1"):
        zhishu.load_config(raw)


def test_dict_values_toml_cannot_hold_are_reported_where_they_are():
    raw = demo_dict()
    raw["index"]["description"] = demo_frame()
    with pytest.raises(ConfigError, match=r"<dict>: index\.description: DataFrame is not a TOML value.*data="):
        zhishu.load_config(raw)


def test_toml_string_syntax_errors_name_the_string_line_and_column():
    with pytest.raises(ConfigError, match=r"<string>:2:\d+: TOML syntax error"):
        zhishu.load_config('[index]\nid = "x\n')


def test_not_a_config():
    with pytest.raises(ConfigError, match="a path, a TOML string or a dict, not int"):
        zhishu.load_config(3)


# --------------------------------------------------------------------------------------------- frames


def test_a_frame_gives_the_file_s_scores(demo_result):
    scores_equal(zhishu.run(frame_dict(), data={"demo": demo_frame()}), demo_result)


def test_a_frame_with_a_unit_year_index(demo_result):
    frame = demo_frame().set_index(["unit", "year"])
    scores_equal(zhishu.run(frame_dict(), data={"demo": frame}), demo_result)


def test_a_long_frame(demo_result):
    long = demo_frame().melt(id_vars=["unit", "year"], var_name="variable", value_name="value")
    raw = frame_dict()
    raw["sources"] = {"demo": {"plugin": "frame", "params": {"layout": "long"}}}
    scores_equal(zhishu.run(raw, data={"demo": long}), demo_result)


def test_a_frame_under_another_name():
    raw = frame_dict()
    raw["sources"] = {"demo": {"plugin": "frame", "params": {"name": "regions"}}}
    plan = zhishu.load_config(raw, data={"regions": demo_frame()})
    assert list(plan.sources) == ["demo"]


def test_a_bad_frame_cell_is_located_like_a_file_cell():
    frame = demo_frame()
    frame["gdp"] = frame["gdp"].astype(object)
    frame.loc[2, "gdp"] = "n/a?"
    with pytest.raises(DataError) as exc:
        zhishu.run(frame_dict(), data={"demo": frame})
    text = str(exc.value)
    assert "<DataFrame 'demo'>" in text and "data row 3" in text and "'n/a?'" in text


def test_frame_missing_unused_or_not_a_frame():
    raw = frame_dict()
    raw["sources"] = {"demo": {"plugin": "frame"}}
    with pytest.raises(ConfigError, match=r"<dict>: sources\.demo: the frame source needs a DataFrame 'demo'"):
        zhishu.load_config(raw)
    with pytest.raises(ConfigError, match=r"data= gives a frame 'demo' that no source reads"):
        zhishu.load_config(demo_dict(), data={"demo": demo_frame()})  # [sources.demo] is a table source
    extra = zhishu.load_config(raw, data={"demo": demo_frame(), "other": demo_frame()})
    assert {s.method.name for s in extra.sources.values()} == {"frame"} and set(extra.sources) == {"demo", "other"}
    with pytest.raises(ConfigError, match=r"data\['demo'\] must be a pandas DataFrame, not list"):
        zhishu.load_config(raw, data={"demo": [1, 2]})


def test_a_frame_source_in_a_file_says_how_to_fix(tmp_path, capsys):
    raw = frame_dict()
    raw["sources"] = {"demo": {"plugin": "frame"}}
    import tomli_w

    config = tmp_path / "frame.toml"
    config.write_text(tomli_w.dumps(raw), encoding="utf-8")
    assert main(["validate", str(config)]) == 2
    err = capsys.readouterr().err
    assert "the frame source needs a DataFrame 'demo'" in err and "use a \"table\" source" in err


# --------------------------------------------------------------------------------------------- to_toml


def test_to_toml_round_trip_gives_the_identical_plan(tmp_path):
    plan = zhishu.load_config(demo_dict())
    path = tmp_path / "written.toml"
    text = plan.to_toml(path)
    assert path.read_text(encoding="utf-8") == text
    again = zhishu.load_config(path)
    assert again.config == plan.config
    assert again.describe() == plan.describe()
    assert dict(again.raw) == dict(plan.raw)
    assert zhishu.load_config(text).config == plan.config


def test_to_toml_refuses_frames_without_data_dir():
    plan = zhishu.load_config(frame_dict(), data={"demo": demo_frame()})
    with pytest.raises(ConfigError, match=r"sources\.demo: source 'demo' reads a DataFrame.*to_toml\(data_dir="):
        plan.to_toml()


def _cli_scores(capsys, config: Path, out: Path) -> bytes:
    assert main(["run", str(config), "-o", str(out)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return (out / "scores.csv").read_bytes(), (out / "ranking.csv").read_bytes(), (out / "indicators.csv").read_bytes()


@pytest.mark.skipif(not (ROOT.parent / "shared" / "data").is_dir(),
                    reason="reads the NBS data at ../shared/data, which is not beside this checkout")
def test_frames_written_by_to_toml_give_byte_identical_cli_outputs(tmp_path, capsys):
    """Real data: the NBS config with its main table given as a DataFrame, written back as TOML + CSV."""
    raw = tomllib.loads(NBS.read_text(encoding="utf-8"))
    nbs = raw["sources"].pop("nbs")
    frame = pd.read_csv((NBS.parent / nbs["params"]["path"]).resolve())
    params = {k: v for k, v in nbs["params"].items() if k != "path"}
    raw["sources"]["nbs"] = {"plugin": "frame", "params": params}
    plan = zhishu.load_config(raw, data={"nbs": frame}, base_dir=NBS.parent)
    scores_equal(zhishu.run_config(plan), zhishu.run(NBS))

    written = NBS.parent / f"_nb_test_{tmp_path.name}.toml"  # beside the original: its other relative paths hold
    try:
        plan.to_toml(written, data_dir=tmp_path / "data")
        assert (tmp_path / "data" / "nbs.csv").is_file()
        assert tomllib.loads(written.read_text(encoding="utf-8"))["sources"]["nbs"]["plugin"] == "table"
        assert _cli_scores(capsys, written, tmp_path / "a") == _cli_scores(capsys, NBS, tmp_path / "b")
    finally:
        written.unlink(missing_ok=True)
