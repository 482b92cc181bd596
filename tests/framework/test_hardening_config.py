"""Regression tests for issue 8 (config and data side): one hand-made bad config or data file per case, each
with the exact message a user gets."""

from __future__ import annotations

import os
from pathlib import Path

import attrs
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import zhishu
from zhishu import ConfigError, DataError
from zhishu.config import load_config
from zhishu.errors import quote
from zhishu.names import MAX_LENGTH, check_name

DATA = "unit,year,a,b\nP,2021,1,2\nQ,2021,3,4\n"

HEAD = '[index]\nid = "t"\n'
SOURCE = '[sources.main]\nplugin = "table"\nparams = { path = "data.csv"%s }\n'
TREE = '[indicators.a]\ndirection = 1\n[indicators.b]\ndirection = -1\n[nodes.index]\nchildren = ["a", "b"]\n'
GOOD = HEAD + SOURCE % "" + TREE


def issues_of(path, **options) -> list[str]:
    with pytest.raises(zhishu.InputError) as info:
        plan = load_config(path, **options)
        zhishu.run_config(plan)
    return [i.format().removeprefix(f"{path}: ") for i in info.value.issues]


def config(tmp_path: Path, text: str, data: str | bytes = DATA, name: str = "data.csv") -> Path:
    (tmp_path / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------- 3. safe names


def test_analysis_name_with_a_path_is_rejected_at_load(tmp_path):
    path = config(tmp_path, GOOD + '[analyses."x/../../escaped"]\nplugin = "tiers"\n')
    assert issues_of(path) == [
        'analyses."x/../../escaped": not a safe file name: contains "/"; use letters, digits, "-" or "_"'
    ]


def test_exporter_name_is_checked(tmp_path):
    path = config(tmp_path, GOOD + '[output]\nexporters = ["csv", "../x"]\n')
    assert issues_of(path)[0] == (
        'output.exporters[1]: not a safe file name: contains "/"; use letters, digits, "-" or "_"'
    )


@pytest.mark.parametrize(
    "name, reason",
    [
        ("a/b", 'contains "/"'),
        ("a\\b", 'contains "\\"'),
        ("..", 'contains ".."'),
        ("a..b", 'contains ".."'),
        (".hidden", 'starts with "."'),
        ("", "is empty"),
        (" a", "starts or ends with a space"),
        ("a\x00b", "contains the control character U+0000"),
        ("tab\there", "contains the control character U+0009"),
        ("CON", "is a reserved device name on Windows (CON)"),
        ("nul.csv", "is a reserved device name on Windows (nul)"),
        ("a:b", 'contains ":"'),
        ("a" * 101, "is 101 characters long (at most 100)"),
        ("a+b", "contains '+'"),
    ],
)
def test_unsafe_names(name, reason):
    assert check_name(name) == reason


@pytest.mark.parametrize("name", ["tiers", "growth-2023", "my_analysis", "分析", "v1.2", "a b", "a" * 100])
def test_safe_names(name):
    assert check_name(name) is None


@given(st.text(max_size=120))
def test_every_accepted_name_stays_one_component_inside_its_folder(name):
    if check_name(name) is None:
        folder = Path("/srv/out")
        target = folder / f"analysis-{name}.csv"
        assert Path(os.path.normpath(target)).parent == folder
        assert target.name == f"analysis-{name}.csv"
        assert 1 <= len(name) <= MAX_LENGTH


# --------------------------------------------------------------------------------------------- 4. section types


@pytest.mark.parametrize(
    "text, message",
    [
        ("nodes = 1\n" + HEAD, "nodes: expected a table of [nodes.<id>], got an integer"),
        ("indicators = 1\n" + HEAD, "indicators: expected a table of [indicators.<id>], got an integer"),
        ("nodes = 2021-01-01\n" + HEAD, "nodes: expected a table of [nodes.<id>], got a date"),
        ("sources = []\n" + HEAD, "sources: expected a table of [sources.<id>], got an array"),
        ('units = "x"\n' + HEAD, "units: expected an array of tables [[units]], got a string"),
        ("analyses = true\n" + HEAD, "analyses: expected a table of [analyses.<name>], got a boolean"),
        ("sensitivity = 1.5\n" + HEAD, "sensitivity: expected a table [sensitivity], got a float"),
        ("output = []\n" + HEAD, "output: expected a table [output], got an array"),
        ("index = 3\n", "index: expected a table [index], got an integer"),
        ("normalisation = 12:00:00\n" + HEAD, "normalisation: expected a table [normalisation], got a time"),
    ],
)
def test_top_level_section_of_the_wrong_type(tmp_path, text, message):
    path = config(tmp_path, text)
    found = issues_of(path)
    assert found[-1] == message or message in found
    assert not any("unexpected" in m for m in found)


def test_keyed_entry_that_is_not_a_table(tmp_path):
    path = config(tmp_path, HEAD + "[nodes]\nindex = 1\n")
    assert "nodes.index: expected a table [nodes.index], got an integer" in issues_of(path)


# --------------------------------------------------------------------------------------------- 6. bounded resources


def test_skip_rows_beyond_the_file_is_an_error(tmp_path):
    path = config(tmp_path, HEAD + SOURCE % ", skip_rows = 1000000000000000000000000000000" + TREE)
    assert issues_of(path) == [
        f"{tmp_path / 'data.csv'}: sources.main.params.path: skip_rows = 1000000000000000000000000000000 skips the "
        "whole file, which has 3 lines; set skip_rows to the number of lines above the header"
    ]


def test_skip_rows_beyond_an_excel_sheet_is_an_error(tmp_path):
    pd.DataFrame({"unit": ["P"], "year": [2021], "a": [1], "b": [2]}).to_excel(tmp_path / "d.xlsx", index=False)
    text = HEAD + '[sources.main]\nplugin = "table"\nparams = { path = "d.xlsx", skip_rows = 10 }\n' + TREE
    path = config(tmp_path, text)
    assert issues_of(path) == [
        f"{tmp_path / 'd.xlsx'}: sources.main.params.path: skip_rows = 10 is beyond the end of sheet 'Sheet1', "
        "which has 2 rows; set skip_rows to the number of rows above the header"
    ]


def test_replications_have_a_maximum(tmp_path):
    from zhishu.sensitivity.spec import resolve_spec

    path = config(tmp_path, GOOD)
    plan = load_config(path)
    with pytest.raises(ConfigError) as info:
        resolve_spec({"replications": 10**12}, plan, "s.toml")
    assert [i.format() for i in info.value.issues] == [
        "s.toml: sensitivity.replications: replications must be at most 1,000,000, got 1e+12"
    ]
    with pytest.raises(ConfigError) as info:
        resolve_spec({"replications": 2**18, "sobol": True, "weights": {"noise": 0.1}}, plan, "s.toml")
    assert [i.format() for i in info.value.issues] == [
        "s.toml: sensitivity.replications: with sobol = true, replications = 262144 gives 262144 × (2 inputs + 2) "
        "runs, more than the maximum 1,000,000; use a smaller power of 2"
    ]


def test_a_huge_name_is_not_echoed_whole(tmp_path):
    huge = "x" * 1_000_000
    path = config(tmp_path, GOOD + f'[[units]]\nid = "{huge}"\n[[units]]\nid = "{huge}"\n[analyses.{huge}]\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert len(info.value.issues) == 3
    for issue in info.value.issues:
        assert len(issue.message) + len(issue.path) < 700  # 500 + 125 characters, and the marks of the cuts
    text = str(info.value)  # each either quoted short ("(1000000 characters)") or cut by the 500-character cap
    assert "characters cut)" in text or "(1000000 characters)" in text
    assert "x" * 1000 not in text


def test_quote_cuts_long_values():
    assert quote("abc") == "'abc'"
    assert quote("x" * 100, limit=10) == "'xxxxxxxxxx…' (100 characters)"
    assert quote(list(range(100)), limit=20) == repr(list(range(100)))[:20] + "…"


# --------------------------------------------------------------------------------------------- 8. vague messages


def test_cycle_through_the_root_is_named(tmp_path):
    text = (HEAD + SOURCE % "" + TREE.replace('children = ["a", "b"]', 'children = ["economy", "b"]')
            + '[nodes.economy]\nchildren = ["a", "index"]\n')
    path = config(tmp_path, text)
    assert issues_of(path) == [
        "nodes.economy.children[1]: cycle in the tree: index → economy → index; remove 'index' from the children "
        "of 'economy'"
    ]


def test_node_that_is_its_own_child(tmp_path):
    path = config(tmp_path, GOOD.replace('children = ["a", "b"]', 'children = ["a", "b", "index"]'))
    assert issues_of(path) == [
        "nodes.index.children[2]: node 'index' lists itself as a child; a node cannot contain itself"
    ]


def test_duplicate_unit_id_is_named(tmp_path):
    units = "".join(f'[[units]]\nid = "{u}"\n' for u in ["P", "Q", "R", "S", "T", "U", "P"])
    path = config(tmp_path, GOOD + units)
    assert issues_of(path) == [
        "units[6].id: unit id 'P' is already used by units[0]; every [[units]] entry needs its own id (put other "
        "labels of one unit in its aliases)"
    ]


def test_overflowing_weights_are_named_without_a_warning(tmp_path, recwarn):
    path = config(tmp_path, GOOD.replace('children = ["a", "b"]',
                                         'children = ["a", "b"]\nweights = { a = 1e308, b = 1e308 }'))
    assert issues_of(path) == [
        "nodes.index.weights: the weights overflow: their sum is not a finite number (the largest is 1e+308); use "
        "relative weights such as 2 and 1"
    ]
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize(
    "cell, hint",
    [
        ("—", " (if it means missing, add '—' to na_values; otherwise fix the cell)"),
        ("12%", ' (percentages: set percent = true to read "12%" as 12, or write the number without the % sign)'),
        ("inf", " (infinite values cannot be scored; fix the cell, or add it to na_values if it means missing)"),
        ("1e400", " (it overflows: the largest number is about 1.8e308; fix the cell)"),
    ],
)
def test_bad_numeric_cells_get_a_hint(tmp_path, cell, hint):
    path = config(tmp_path, GOOD, data=f"unit,year,a,b\nP,2021,{cell},2\nQ,2021,3,4\n")
    assert issues_of(path) == [
        f"{tmp_path / 'data.csv'}: sources.main: line 2, column 'a' (unit 'P', year 2021): {cell!r} is not a "
        f"number{hint}"
    ]


def test_percent_option_reads_percentages(tmp_path):
    path = config(tmp_path, HEAD + SOURCE % ", percent = true" + TREE,
                  data="unit,year,a,b\nP,2021,12%,2\nQ,2021,3 %,4\n")
    result = zhishu.run_config(load_config(path))
    assert result.raw["a"].tolist() == [12.0, 3.0]


def test_row_with_extra_cells_names_the_line(tmp_path):
    path = config(tmp_path, GOOD, data="unit,year,a,b\nP,2021,1,2\nQ,2021,3,4,5\n")
    assert issues_of(path) == [
        f"{tmp_path / 'data.csv'}: sources.main.params.path: line 3 has 5 cells but the header (line 1) has 4: "
        "remove the extra cells, or put cells that contain ',' between double quotes"
    ]


def test_first_row_with_extra_cells_does_not_shift_columns(tmp_path):
    # pandas would silently take the first column as the index and shift every label by one
    path = config(tmp_path, GOOD, data="unit,year,a,b\nP,2021,1,2,9\nQ,2021,3,4,5\n")
    assert issues_of(path) == [
        f"{tmp_path / 'data.csv'}: sources.main.params.path: line 2 has 5 cells but the header (line 1) has 4: "
        "remove the extra cells, or put cells that contain ',' between double quotes"
    ]


def test_utf8_read_as_gbk_says_the_encoding_looks_wrong(tmp_path):
    path = config(tmp_path, HEAD + SOURCE % ', encoding = "gbk"' + TREE,
                  data="unit,year,a,b\n北京,2021,1,2\n上海,2021,3,4\n")
    assert issues_of(path) == [
        f"{tmp_path / 'data.csv'}: sources.main.params.path: the encoding looks wrong: the file is valid UTF-8 but "
        "encoding = 'gbk' was given, which reads it as garbled text ('鍖椾含,2021,1,2'); set encoding = \"utf-8\" "
        '(or "auto")'
    ]


def test_csv_named_xlsx_is_not_an_excel_file(tmp_path):
    text = GOOD.replace("data.csv", "data.xlsx")
    path = config(tmp_path, text, name="data.xlsx")
    assert issues_of(path) == [
        f"{tmp_path / 'data.xlsx'}: sources.main.params.path: not an Excel file: it is text (a CSV file named .xlsx?); "
        "rename it to .csv, or re-save it from a spreadsheet as .xlsx"
    ]


def test_truncated_xlsx_is_not_an_excel_file(tmp_path):
    pd.DataFrame({"unit": ["P", "Q"], "year": [2021] * 2, "a": [1, 2], "b": [3, 4]}).to_excel(
        tmp_path / "full.xlsx", index=False)
    whole = (tmp_path / "full.xlsx").read_bytes()
    path = config(tmp_path, GOOD.replace("data.csv", "data.xlsx"), data=whole[: len(whole) // 2], name="data.xlsx")
    assert issues_of(path) == [
        f"{tmp_path / 'data.xlsx'}: sources.main.params.path: not an Excel file: the workbook is truncated or damaged "
        "(its zip directory is missing); copy it again"
    ]


def test_toml_duplicate_key_is_named(tmp_path):
    path = config(tmp_path, GOOD.replace('id = "t"\n', 'id = "t"\nid = "u"\n'))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        "1 problem in the configuration:\n"
        f"  {path}:3:9: TOML syntax error: duplicate key 'id': it is already set (each key may appear once in a "
        "table; remove one of them)"
    )


def test_toml_table_declared_twice_is_named(tmp_path):
    path = config(tmp_path, GOOD + '[nodes.index]\nchildren = ["a"]\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.issues[0].message == "TOML syntax error: table [nodes.index] is declared twice: merge the two into one"


def test_deeply_nested_toml_is_a_config_error(tmp_path):
    path = config(tmp_path, GOOD + "extra = " + "[" * 5000 + "1" + "]" * 5000 + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.issues[0].message.startswith("arrays or inline tables are nested too deeply to read")


# --------------------------------------------------------------------------------------------- 11. data root


@pytest.fixture
def rooted(tmp_path):
    """data/ (the root) with data.csv and a link to secret/s.csv outside it; the config in cfg/."""
    for folder in ("data", "secret", "cfg"):
        (tmp_path / folder).mkdir()
    (tmp_path / "data" / "data.csv").write_text(DATA)
    (tmp_path / "secret" / "s.csv").write_text(DATA)
    (tmp_path / "data" / "link.csv").symlink_to(tmp_path / "secret" / "s.csv")

    def write(path_in_config: str, extra: str = "") -> Path:
        path = tmp_path / "cfg" / "config.toml"
        path.write_text(HEAD + extra + SOURCE.replace("data.csv", path_in_config) % "" + TREE)
        return path

    return tmp_path, write


def test_data_root_allows_files_inside(rooted):
    tmp_path, write = rooted
    plan = load_config(write("../data/data.csv"), data_root=tmp_path / "data")
    assert plan.data_roots == ((tmp_path / "data").resolve(),)
    assert zhishu.run_config(plan).raw["a"].tolist() == [1.0, 3.0]


@pytest.mark.parametrize("written", ["../secret/s.csv", "../data/link.csv", "../data/../secret/s.csv"])
def test_data_root_rejects_files_outside(rooted, written):
    tmp_path, write = rooted
    path = write(written)
    root = (tmp_path / "data").resolve()
    assert issues_of(path, data_root=root) == [
        f"sources.main.params.path: {written!r} (resolving to {(tmp_path / 'secret' / 's.csv').resolve()}) is outside "
        f"the data root {root}: sources may read files only inside it; move the file there, or choose another "
        "data root"
    ]


def test_index_data_root_is_relative_to_the_config(rooted):
    tmp_path, write = rooted
    path = write("../secret/s.csv", extra='data_root = "../data"\n')
    assert issues_of(path)[0].startswith("sources.main.params.path: '../secret/s.csv' (resolving to ")


def test_missing_data_root_is_an_error(rooted):
    tmp_path, write = rooted
    path = write("../data/data.csv", extra='data_root = "nowhere"\n')
    assert issues_of(path) == [
        f"index.data_root: data_root 'nowhere': no such folder ({tmp_path / 'cfg' / 'nowhere'}); the data root must "
        "be an existing folder holding the data files"
    ]


def test_data_root_is_enforced_when_a_source_reads(rooted):
    # a source plugin may compute its paths at run time: the read itself is refused, at the source's key
    tmp_path, write = rooted
    plan = load_config(write("../secret/s.csv"))
    plan = attrs.evolve(plan, data_roots=((tmp_path / "data").resolve(),))
    with pytest.raises(DataError) as info:
        zhishu.run_config(plan)
    (issue,) = info.value.issues
    assert issue.path == "sources.main.params.path"
    assert issue.message.startswith("'../secret/s.csv' (it resolves to ")
    assert "is outside the data root" in issue.message


def test_unknown_unit_labels_are_quoted_few_and_short(tmp_path):
    rows = "".join(f"{'L' * 500}{i},2021,1,2\n" for i in range(30))
    path = config(tmp_path, GOOD + '[[units]]\nid = "P"\n', data="unit,year,a,b\n" + rows)
    (message,) = issues_of(path)
    assert message.startswith("sources.main: 30 unit label(s) match no unit: 'LLLL")
    assert message.count("(501 characters)") == 5
    assert "… and 25 more; add them to [[units]]" in message
    assert len(message) < 1000


def test_cli_data_root_refuses_a_file_outside(rooted):
    import subprocess
    import sys

    tmp_path, write = rooted
    path = write("../secret/s.csv")
    done = subprocess.run([sys.executable, "-m", "zhishu", "run", str(path), "-o", str(tmp_path / "out"),
                           "--data-root", str(tmp_path / "data")], capture_output=True, text=True)
    assert done.returncode == 2
    assert "sources.main.params.path: '../secret/s.csv' (resolving to " in done.stderr
    assert "is outside the data root" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_huge_key_is_cut_in_key_paths(tmp_path):
    # found by the fuzzer: a 5,000-character key under [sensitivity] was echoed whole in its key path
    from zhishu.sensitivity.spec import resolve_spec

    plan = load_config(config(tmp_path, GOOD))
    with pytest.raises(ConfigError) as info:
        resolve_spec({"replications": 8, "x" * 5000: 1}, plan, "s.toml")
    (issue,) = info.value.issues
    assert issue.path == 'sensitivity."' + "x" * 80 + '…(5000 characters)"'


# --------------------------------------------------------------------------------------------- found by make fuzz


def test_a_huge_constant_year_is_a_located_error_not_an_overflow(tmp_path):
    """`make fuzz` (2,000 mutants): year = 10³⁰ overflowed numpy's int64 inside the table source."""
    data = "unit,a,b\nP,1,2\nQ,3,4\n"
    path = config(tmp_path, HEAD + SOURCE % ", year_column = false, year = 1000000000000000000000000000000" + TREE,
                  data=data)
    text = path.read_text().replace("year_column = false, ", "")
    path.write_text(text)
    found = issues_of(path)
    assert len(found) == 1 and found[0].startswith("sources.main.params")
    assert "is not a calendar year: give a year from 1 to 9999, e.g. 2022" in found[0]
    path.write_text(text.replace("1000000000000000000000000000000", "2021"))
    assert zhishu.run(path).scores.index.get_level_values("year").unique().tolist() == [2021]  # the fix works


def test_an_unknown_method_name_is_quoted_short(tmp_path):
    """`make fuzz`: a 5,000-character normaliser name was echoed whole by the unknown-name message."""
    name = "x" * 5000
    path = config(tmp_path, GOOD + f'[normalisation.default]\nmethod = "{name}"\n')
    found = issues_of(path)
    assert len(found) == 1 and len(found[0]) < 500, found
    assert "unknown normaliser 'xxxx" in found[0] and "(5000 characters)" in found[0]


def test_every_message_cuts_echoed_user_input_at_its_root(tmp_path):
    """`make fuzz` (2,000 mutants): a 5,000-character variable name and ignored column were echoed whole by
    messages written with ``!r``; every Issue and ZhishuError now goes through ``errors.shorten``."""
    name = "x" * 5000
    path = config(tmp_path, GOOD.replace("[indicators.a]\n", f'[indicators.a]\nvariable = "{name}"\n'))
    (found,) = issues_of(path)
    assert found.startswith("indicators.a: indicator 'a' needs variable 'xxx") and len(found) < 300, found
    assert "x" * 81 not in found and "'" + "x" * 80 + "…' (5000 characters), which is not in any source" in found
    path = config(tmp_path, GOOD.replace('path = "data.csv"', f'path = "data.csv", ignore_columns = ["{name}"]'))
    (found,) = issues_of(path)
    assert "ignore_columns: no column 'xxx" in found and "the file has columns: 'unit', 'year', 'a', 'b'" in found
    assert len(found) < 500, found


def test_shorten_keeps_short_text_and_cuts_long_runs_and_long_messages():
    from zhishu.errors import LONG_RUN, MAX_MESSAGE, Issue, OutputError, shorten

    ordinary = "no column 'gdp' to ignore; the file has columns: " + ", ".join(f"'c{i}'" for i in range(300))
    assert shorten("a" * LONG_RUN) == "a" * LONG_RUN  # at the limit: kept
    assert shorten("a" * (LONG_RUN + 1)) == "a" * 80 + "… (201 characters)"
    assert shorten(f"no '{'q' * 300}'; fix it") == f"no '{'q' * 80}…' (300 characters); fix it"
    cut = shorten(ordinary)  # no long run, but longer than MAX_MESSAGE: cut in the middle, both ends kept
    assert len(ordinary) > MAX_MESSAGE and cut.startswith(ordinary[:1200]) and cut.endswith(ordinary[-600:])
    assert f"({len(ordinary) - 1800} characters cut)" in cut
    assert Issue("m " + "y" * 999, "k." + "z" * 999).format() == (
        "k." + "z" * 78 + "… (1001 characters): m " + "y" * 80 + "… (999 characters)")
    assert str(OutputError("cannot write " + "p" * 999)) == "cannot write " + "p" * 80 + "… (999 characters)"


@pytest.mark.parametrize("choice", ["normaliser", "aggregator", "imputation"])
def test_empty_sensitivity_alternatives_are_a_located_error(tmp_path, choice):
    """`make fuzz` (caict-2023, mutant 427): ``normaliser = { alternatives = [] }`` under [sensitivity] raised an
    IndexError in resolve_spec instead of the "at least two alternatives" issue."""
    from zhishu.sensitivity.spec import resolve_spec

    plan = load_config(config(tmp_path, GOOD))
    with pytest.raises(ConfigError) as info:
        resolve_spec({"replications": 8, choice: {"alternatives": []}}, plan, "s.toml")
    assert [i.format() for i in info.value.issues] == [
        f"s.toml: sensitivity.{choice}.alternatives: give at least two alternatives, the nominal method first"]
