"""The five sub-index plugins of the computing-power index together: each is found through its installed entry
point and is a data-only plugin whose README documents every raw variable, indicator and constant; together
they register exactly the CAICT 2.0 tree of the paper (5 sub-indices, 12 second-level nodes, 16 indicators)."""

from __future__ import annotations

import importlib
import importlib.metadata as md
import re
from pathlib import Path

import pytest

import zhishu
from subindex_support import children_config

PLUGINS = ["scale", "industry", "technology", "environment", "application"]
DOC = Path(__file__).resolve().parents[3] / "shared" / "docs" / "caict-index-2.0.md"

# The paper's table, transcribed from the CAICT white paper as restated in shared/docs/caict-index-2.0.md,
# "The indicator tree": (sub-index, second-level node, indicator, Chinese name of the third level, unit).
# The ids are ours; test_the_transcription_matches_the_reference_notes checks the rest against the notes.
PAPER_TABLE = [
    ("scale", "scale_device", "general_compute", "基础算力", "EFlops"),
    ("scale", "scale_device", "ai_compute", "智能算力", "EFlops"),
    ("scale", "scale_device", "supercomputing_compute", "超算算力", "EFlops"),
    ("scale", "scale_infrastructure", "infrastructure_compute", "", "EFlops"),  # the notes give no 三级 name
    ("industry", "industry_devices", "device_output", "计算设备产量", "万台"),
    ("industry", "industry_chips", "ic_output", "集成电路产量", "万块"),
    ("industry", "industry_software", "software_revenue", "软件业务收入", "亿元"),
    ("technology", "technology_innovation", "patent_applications", "计算发明专利申请数", "count"),
    ("technology", "technology_innovation", "patent_grants", "计算发明专利授权数", "count"),
    ("technology", "technology_rd", "rd_spending", "计算机制造业R&D经费", "亿元"),
    ("environment", "environment_network", "egress_bandwidth", "互联网省际出口带宽", "Tbps"),
    ("environment", "environment_network", "coverage_5g", "5G覆盖率", "%"),
    ("environment", "environment_investment", "it_spending", "IT支出规模", "亿元"),
    ("environment", "environment_open_data", "open_data_index", "数据开放数林指数", "score"),
    ("application", "application_consumer", "mobile_traffic", "移动互联网月均流量", "EB"),
    ("application", "application_industry", "industrial_digitalisation", "产业数字化规模", "亿元"),
]
UNIT_ZH = {"count": "件"}  # the notes write "count" where the plugins give the Chinese counter 件


def _nospace(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.skipif(not DOC.is_file(), reason=f"the reference notes are not at {DOC}")
def test_the_transcription_matches_the_reference_notes():
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| sub-index")) + 2  # after the header rule
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines[start:end]]
    assert len(rows) == len(PAPER_TABLE) == 16
    sub = node = ""
    for cells, (sub_id, node_id, _, zh, unit) in zip(rows, PAPER_TABLE):
        sub, node = cells[0] or sub, cells[1] or node
        assert sub.endswith(sub_id), (cells, sub_id)
        assert _nospace(cells[2]).startswith(_nospace(zh)), (cells, zh)
        assert cells[3].split(" ")[0] == unit, (cells, unit)
    assert len({r[1] for r in PAPER_TABLE}) == 12


@pytest.mark.parametrize("plugin", PLUGINS)
def test_the_installed_entry_point_is_found(plugin):
    found = {ep.name: ep for ep in md.entry_points(group=zhishu.ENTRYPOINT_GROUP)}
    assert found[plugin].value == f"zhishu_{plugin}"
    assert zhishu.get_plugin_manager().get_plugin(plugin) is importlib.import_module(f"zhishu_{plugin}")


@pytest.mark.parametrize("plugin", PLUGINS)
def test_it_is_a_data_only_plugin_whose_spec_file_ships_with_the_package(plugin):
    module = importlib.import_module(f"zhishu_{plugin}")
    assert isinstance(module.SPECS, zhishu.Specs)
    assert Path(module.SPECS.file) == Path(module.__file__).with_name(f"{plugin}.toml")
    assert zhishu.load_specs(f"{plugin}.toml", package=module.__name__) == module.SPECS


@pytest.mark.parametrize("plugin", PLUGINS)
def test_every_variable_is_documented_with_its_unit_in_the_readme(plugin):
    module = importlib.import_module(f"zhishu_{plugin}")
    text = Path(module.__file__).with_name("README.md").read_text(encoding="utf-8")
    assert module.SPECS.variables  # load_specs checked that they are exactly the variables the formulas read
    for name, variable in module.SPECS.variables.items():
        line = next((ln for ln in text.splitlines() if ln.startswith(f"| `{name}` |")), None)
        assert line is not None, f"README.md does not list {name}"
        assert variable.unit.split(" ")[0] in line, f"README.md does not give the unit of {name}"
    for spec in module.SPECS.indicators:
        assert f"`{spec.id}`" in text
        for param in spec.params:
            assert f"`{param}`" in text


def test_the_five_plugins_register_exactly_the_papers_tree(registries):
    for sub in PLUGINS:
        rows = [r for r in PAPER_TABLE if r[0] == sub]
        assert registries.subindices.entry(sub).plugin == sub
        assert registries.subindices.get(sub).children == tuple(dict.fromkeys(r[1] for r in rows))
        for node in registries.subindices.get(sub).children:
            assert registries.subindices.entry(node).plugin == sub
            assert registries.subindices.get(node).children == tuple(r[2] for r in rows if r[1] == node)
        for _, ind_node, indicator, zh, unit in rows:
            ind = registries.indicators.get(indicator)
            assert registries.indicators.entry(indicator).plugin == sub
            assert ind.direction == 1  # every indicator of the paper is "more is better"
            assert ind.unit.startswith(UNIT_ZH.get(unit, unit)), (indicator, ind.unit)
            expected = zh or registries.subindices.get(ind_node).name_zh  # no 三级 name: the node's
            assert _nospace(ind.name_zh) == _nospace(expected), indicator
            assert ind.name_en and ind.description


def test_ids_are_unique_and_nodes_never_collide_with_indicators(registries):
    ours = {n for n in registries.subindices.names() if registries.subindices.entry(n).plugin in PLUGINS}
    indicators = {n for n in registries.indicators.names() if registries.indicators.entry(n).plugin in PLUGINS}
    assert len(ours) == 5 + 12
    assert len(indicators) == 16 + 1  # + mobile_traffic_from_annual, the alternative traffic route
    assert not ours & indicators
    for name in ours | indicators:
        assert name.isascii() and name == name.lower() and " " not in name


def test_the_whole_tree_resolves_in_one_config(write_config):
    path = write_config(children_config("scale", "industry", "technology", "environment", "application",
                                        index_id="caict"), data__csv="unit,year,x\nA,2022,1\n")
    plan = zhishu.load_config(path)
    assert list(plan.indicators) == [r[2] for r in PAPER_TABLE]
    assert [n for n in plan.nodes if plan.level_of(n) == 1] == PLUGINS
    assert sorted(n for n in plan.nodes if plan.level_of(n) == 2) == sorted({r[1] for r in PAPER_TABLE})
    for sub, node, indicator, _, _ in PAPER_TABLE:
        assert plan.level_of(indicator) == 3
        assert plan.parent_of(indicator) == node
        assert plan.parent_of(node) == sub
        assert plan.nodes[node].origin == sub
