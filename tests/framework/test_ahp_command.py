"""``zhishu ahp FILE``: CSV and TOML judgment files, the report, --json, --method and clear errors."""

from __future__ import annotations

import argparse
import json

import pytest

import zhishu
from zhishu.cli import ahp as ahp_command
from zhishu.cli.ahp import JudgmentFileError

# Saaty (1990), EJOR 48, 9–26, the house example: published priorities .173 .054 .188 .018 .031 .036 .167 .333,
# λmax = 9.669, C.I. = 0.238, C.R. = 0.169 (see tests/framework/test_ahp.py).
HOUSE_CSV = """\
,size,transport,neighbourhood,age,yard,modern,condition,financing
size,1,5,3,7,6,6,1/3,1/4
transport,1/5,1,1/3,5,3,3,1/5,1/7
neighbourhood,1/3,3,1,6,3,4,6,1/5
age,1/7,1/5,1/6,1,1/3,1/4,1/7,1/8
yard,1/6,1/3,1/3,3,1,1/2,1/5,1/6
modern,1/6,1/3,1/4,4,2,1,1/5,1/6
condition,3,5,1/6,7,5,5,1,1/2
financing,4,7,5,8,6,6,2,1
"""


def ahp(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="zhishu")
    ahp_command.add_parser(parser.add_subparsers(dest="command"))
    return ahp_command.run(parser.parse_args(["ahp", *argv]))


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_house_example_report(tmp_path, capsys):
    path = write(tmp_path, "house.csv", HOUSE_CSV)
    assert ahp(str(path)) == 0  # exit 0 even though inconsistent: it is a diagnostic
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "AHP weights (principal eigenvector method) from house.csv, 8 items:"
    ranked = [line.split() for line in out[1:9]]
    # published priorities, largest first: financing .333, neighbourhood .188, size .173, condition .167, …
    assert [r[1] for r in ranked] == ["financing", "neighbourhood", "size", "condition", "transport", "modern",
                                      "yard", "age"]
    assert [float(r[2]) for r in ranked] == pytest.approx([0.333, 0.188, 0.173, 0.167, 0.054, 0.036, 0.031, 0.018],
                                                          abs=5e-4)
    assert out[9] == "λmax = 9.6689, CI = 0.2384, CR = 0.1691 (RI = 1.41 from Saaty (1980), n = 3…10)"
    assert out[10].startswith("INCONSISTENT: CR = 0.169 > 0.1; revisit the judgments")
    assert len(out) == 14 and all("(the weights imply" in line for line in out[11:])


def test_json_exact_keys_and_values(tmp_path, capsys):
    # consistent: a/b = 2, a/c = 4, b/c = 2 → 4/7, 2/7, 1/7, λmax = 3, CI = CR = 0; the blank lower triangle
    # holds the reciprocals
    path = write(tmp_path, "m.csv", ",a,b,c\na,1,2,4\nb,,1,2\nc,,,1\n")
    assert ahp(str(path), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["weights", "lambda_max", "ci", "cr", "method"]
    assert data["weights"] == pytest.approx({"a": 4 / 7, "b": 2 / 7, "c": 1 / 7}, rel=1e-12)
    assert data["lambda_max"] == pytest.approx(3.0, abs=1e-12)
    assert data["ci"] == pytest.approx(0.0, abs=1e-12) and data["cr"] == pytest.approx(0.0, abs=1e-12)
    assert data["method"] == "eigenvector"


def test_gbk_csv_with_chinese_ids_and_fractions(tmp_path, capsys):
    path = write(tmp_path, "判断矩阵.csv", "指标,规模,产业\n规模,1,3\n产业,1/3,1\n", encoding="gbk")
    assert ahp(str(path)) == 0
    out = capsys.readouterr().out
    assert "1  规模  0.7500" in out and "2  产业  0.2500" in out
    assert "CR = 0 (n = 2: a single judgment is always consistent)" in out and "consistent: CR = 0.000 ≤ 0.1" in out


def test_toml_top_level_judgments_and_method(tmp_path, capsys):
    # A = [[1, 4, 3, 7], [1/4, 1, 1/3, 3], [1/3, 3, 1, 5], [1/7, 1/3, 1/5, 1]]; geometric means of the rows:
    # 84^(1/4), (1/4)^(1/4), 5^(1/4), 105^(-1/4)
    g = [84 ** 0.25, 0.25 ** 0.25, 5 ** 0.25, 105 ** -0.25]
    path = write(tmp_path, "j.toml", 'method = "geometric"\n"a/b" = 4\n"a/c" = 3\n"a/d" = 7\n"c/b" = 3\n'
                                     '"b/d" = 3\n"c/d" = 5\n')
    assert ahp(str(path), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "geometric"
    assert data["weights"] == pytest.approx(dict(zip("abcd", (x / sum(g) for x in g))), rel=1e-9)
    assert ahp(str(path), "--json", "--method", "eigenvector") == 0  # the option overrides the file
    assert json.loads(capsys.readouterr().out)["method"] == "eigenvector"
    assert ahp(str(path)) == 0
    assert "(λmax computed from the geometric-mean weights" in capsys.readouterr().out


def test_toml_judgments_table_and_items_order(tmp_path, capsys):
    path = write(tmp_path, "j.toml", 'items = ["b", "a"]\n[judgments]\n"a/b" = 3\n')
    assert ahp(str(path), "--json") == 0
    assert list(json.loads(capsys.readouterr().out)["weights"].items()) == [("b", 0.25), ("a", 0.75)]


def test_inconsistent_toml_says_so(tmp_path, capsys):
    # a/b = 9, b/c = 9, a/c = 1/9: a_ab·a_bc/a_ac = 729 → λmax = 1 + 9 + 1/9, CR = (λmax − 3)/2/0.58 = 6.13
    path = write(tmp_path, "j.toml", '"a/b" = 9\n"b/c" = 9\n"a/c" = 0.1111\n')
    assert ahp(str(path)) == 0
    out = capsys.readouterr().out
    assert f"CR = {(1 + 9 + 1 / 9 - 3) / 2 / 0.58:.3f} > 0.1" in out and "INCONSISTENT" in out


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("m.csv", ",a,b\na,1,2\nb,0.2,1\n", "line 2, column 'b' (a/b) = 2 and line 3, column 'a' (b/a) = 0.2 are not "
                                            "reciprocal"),
        ("m.csv", ",a,b\na,1,x\nb,,1\n", "line 2, column 'b': 'x' is not a number or a fraction like 1/3"),
        ("m.csv", ",a,b\nb,1,2\na,0.5,1\n", "the first column (b, a) must list the header's ids (a, b) in the same "
                                            "order"),
        ("m.csv", ",a,b\na,1,\nb,,1\n", "no judgment for a/b: both cells"),
        ("m.csv", ",a,b\na,1,12\nb,,1\n", "line 2, column 'b' (a/b) = 12 is above 9"),
        ("j.toml", '"a/b" = 3\nmetod = "geometric"\n', "metod: unknown key: did you mean 'method'?"),
        ("j.toml", '"a/b" = 3\n"a/c" = 2\n', "no judgment for 'b/c'"),
        ("j.toml", '"a/b" = 3\n[judgments]\n"a/c" = 2\n', "either at the top level or in [judgments], not both"),
        ("j.toml", 'method = "eigen"\n"a/b" = 3\n', "method: unknown AHP method 'eigen'"),
        ("j.toml", '"a/b" = 0\n', "judgment 'a/b' = 0 is not positive"),
        ("j.toml", "", "no judgments"),
    ],
)
def test_errors_are_clear(tmp_path, name, text, message):
    path = write(tmp_path, name, text)
    with pytest.raises(JudgmentFileError) as info:
        ahp(str(path))
    assert isinstance(info.value, zhishu.ZhishuError)
    assert str(info.value).startswith("1 problem in the judgments:") or "problems in the judgments:" in str(info.value)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(JudgmentFileError, match="file not found"):
        ahp(str(tmp_path / "nope.csv"))


def test_through_the_zhishu_command_once_wired(tmp_path, capsys):
    from zhishu import cli

    assert "ahp" in cli.commands()
    path = write(tmp_path, "m.csv", ",a,b\na,1,3\nb,,1\n")
    assert cli.main(["ahp", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["weights"] == pytest.approx({"a": 0.75, "b": 0.25})
    bad = write(tmp_path, "bad.csv", ",a,b\na,1,3\nb,3,1\n")
    assert cli.main(["ahp", str(bad)]) == 2
    assert "not reciprocal" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------- zhishu.ahp()


def house_frame():
    import io

    import pandas as pd

    frame = pd.read_csv(io.StringIO(HOUSE_CSV), index_col=0, dtype=str)
    return frame.map(lambda cell: float(cell.split("/")[0]) / float(cell.split("/")[1]) if "/" in cell
                     else float(cell))


def test_api_on_saatys_published_house_example():
    """Saaty (1990), EJOR 48: priorities .173 .054 .188 .018 .031 .036 .167 .333, λmax 9.669, CI .238, CR .169."""
    result = zhishu.ahp(house_frame())
    assert isinstance(result, zhishu.AHPResult)
    published = [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]
    assert list(result.weights.index) == ["size", "transport", "neighbourhood", "age", "yard", "modern",
                                          "condition", "financing"]
    assert result.weights.to_numpy() == pytest.approx(published, abs=1.5e-3)
    assert (result.lambda_max, result.ci, result.cr) == pytest.approx((9.669, 0.238, 0.169), abs=1.5e-3)
    assert result.ri == 1.41 and not result.consistent and len(result.revisit) == 3
    assert result.weights.sum() == pytest.approx(1.0)


def test_api_on_a_consistent_matrix_gives_its_weights_by_either_method():
    """a_ij = w_i / w_j is perfectly consistent: both methods return w exactly, λmax = n and CR = 0."""
    import numpy as np

    w = np.array([0.5, 0.3, 0.2])
    for method in ("eigenvector", "geometric"):
        result = zhishu.ahp(np.outer(w, 1 / w), method=method, items=["x", "y", "z"])
        assert result.weights.to_dict() == pytest.approx({"x": 0.5, "y": 0.3, "z": 0.2}, abs=1e-12)
        assert result.lambda_max == pytest.approx(3.0) and result.cr == pytest.approx(0.0, abs=1e-12)
    assert list(zhishu.ahp(np.outer(w, 1 / w)).weights.index) == [0, 1, 2]


def test_api_on_judgments_and_files_matches_the_command(tmp_path, capsys):
    assert zhishu.ahp({"a/b": 3}).weights.to_dict() == pytest.approx({"a": 0.75, "b": 0.25})
    path = write(tmp_path, "j.toml", 'method = "geometric"\n"a/b" = 3\n"a/c" = 5\n"b/c" = 2\n')
    result = zhishu.ahp(path)
    assert result.method == "geometric"
    # row geometric means by hand: (1·3·5)^(1/3), (1/3·1·2)^(1/3), (1/5·1/2·1)^(1/3), normalised
    g = [15 ** (1 / 3), (2 / 3) ** (1 / 3), 0.1 ** (1 / 3)]
    assert result.weights.to_numpy() == pytest.approx([x / sum(g) for x in g])
    assert ahp(str(path)) == 0
    assert capsys.readouterr().out.splitlines() == result.lines("j.toml")
    assert zhishu.ahp(path, method="eigenvector").method == "eigenvector"


def test_api_user_errors():
    with pytest.raises(zhishu.ConfigError, match="are not reciprocal"):
        zhishu.ahp([[1, 3], [3, 1]])
    with pytest.raises(zhishu.ConfigError, match="unknown AHP method 'eigen': did you mean 'eigenvector'"):
        zhishu.ahp({"a/b": 2}, method="eigen")
    with pytest.raises(zhishu.ConfigError, match="no judgment for 'b/c'"):
        zhishu.ahp({"a/b": 2, "a/c": 3})
