"""An index built from a config that uses both of the template's components, with hand-computed scores.

Per year: gdp is normalised by ratio_to_max (x / max * 100), template_density = population / area by the
default min-max to [0, 100], and the index is their equal-weight arithmetic mean.

    unit year  gdp pop area | gdp→   density → minmax | index  rank
    A    2020   50 100  10  |  50     10      0       |  25     3
    B    2020  100 300  10  | 100     30    100       | 100     1
    C    2020   25 200  10  |  25     20     50       |  37.5   2
    A    2021   80 400  10  | 100     40    100       | 100     1
    B    2021   40 100   5  |  50     20      0       |  25     3
    C    2021   20 300  10  |  25     30     50       |  37.5   2
"""

import pytest
import zhishu

DATA = """\
unit,year,gdp,population,area
A,2020,50,100,10
B,2020,100,300,10
C,2020,25,200,10
A,2021,80,400,10
B,2021,40,100,5
C,2021,20,300,10
"""

CONFIG = """\
[index]
id = "template-demo"
root = "index"

[sources.main]
plugin = "table"
params = {{ path = "data.csv" }}

[indicators.gdp]
direction = {direction}
variable = "gdp"
normaliser = {normaliser}

[nodes.index]
children = ["gdp", "template_density"]
weighting = "equal"
aggregator = "arithmetic"

[normalisation]
default = "minmax"
"""


def write_config(folder, normaliser='"ratio_to_max"', direction=1):
    (folder / "data.csv").write_text(DATA, encoding="utf-8")
    path = folder / "index.toml"
    path.write_text(CONFIG.format(normaliser=normaliser, direction=direction), encoding="utf-8")
    return path


def by_year(frame, name):
    """A column as {year: {unit: value}}."""
    out = {}
    for (unit, year), value in frame[name].items():
        out.setdefault(int(year), {})[unit] = value
    return out


def test_scores_and_ranks(tmp_path):
    result = zhishu.run(write_config(tmp_path))
    scores = result.scores
    assert by_year(scores, "gdp") == {
        2020: pytest.approx({"A": 50.0, "B": 100.0, "C": 25.0}),
        2021: pytest.approx({"A": 100.0, "B": 50.0, "C": 25.0}),
    }
    assert by_year(scores, "template_density") == {
        2020: pytest.approx({"A": 0.0, "B": 100.0, "C": 50.0}),
        2021: pytest.approx({"A": 100.0, "B": 0.0, "C": 50.0}),
    }
    assert by_year(scores, "index") == {
        2020: pytest.approx({"A": 25.0, "B": 100.0, "C": 37.5}),
        2021: pytest.approx({"A": 100.0, "B": 25.0, "C": 37.5}),
    }
    assert by_year(result.ranks, "index") == {2020: {"A": 3, "B": 1, "C": 2}, 2021: {"A": 1, "B": 3, "C": 2}}


def test_normaliser_parameters_from_the_config(tmp_path):
    path = write_config(tmp_path, normaliser='{ method = "ratio_to_max", params = { scale = 1.0 } }')
    scores = zhishu.run(path).scores
    assert by_year(scores, "gdp")[2020] == pytest.approx({"A": 0.5, "B": 1.0, "C": 0.25})
    assert by_year(scores, "index") == {
        2020: pytest.approx({"A": 0.25, "B": 50.5, "C": 25.125}),
        2021: pytest.approx({"A": 50.5, "B": 0.25, "C": 25.125}),
    }


def test_a_bad_parameter_is_a_config_error(tmp_path):
    path = write_config(tmp_path, normaliser='{ method = "ratio_to_max", params = { scale = 0 } }')
    with pytest.raises(zhishu.ConfigError, match="scale"):
        zhishu.run(path)


def test_a_lower_is_better_indicator_is_refused_with_advice(tmp_path):
    path = write_config(tmp_path, direction=-1)
    with pytest.raises(zhishu.DataError, match="ratio_to_max needs a positive maximum.*use minmax"):
        zhishu.run(path)
