"""Make the ILLUSTRATIVE input data of the computing-power index examples (seeded, reproducible).

CAICT's official inputs are not public for most indicators. This script builds stand-in data that follow what
the white paper 《中国算力发展指数白皮书（2023年）》 does publish (../../../../shared/docs/caict-index-2.0.md of the
project workspace): national totals for 2022 and the orderings of the leading provinces per indicator or
sub-index. Everything else is invented by the rules below. The values are NOT statistics and must not be
cited as such. The one real series, mobile-internet traffic (NBS 移动互联网接入流量), is copied from the NBS panel.

Rules, per variable:
1. a "strength" per province: provinces the paper names as leaders of that indicator get decreasing strengths
   in the published order (geometric decay 0.88 per place — chosen so that the tiers of the resulting index have
   about the published sizes: six provinces ≥ 40, the next ones ≥ 20); the others get strengths below the last leader, proportional to
   their real 2022 GDP (NBS), with seeded log-normal noise;
2. 2022 value = national total × strength share (leader shares the paper states are imposed exactly);
3. earlier years: divided back by a yearly growth rate (national rate + 3 points for the central and western
   belts + seeded noise), so multi-year formulas (six-year sums) and growth have data.

Run from the repository root with the project's shared data beside it::

    python examples/data/caict-2022-illustrative/make_data.py

It rewrites provinces.csv, cities.csv and provenance.csv in this folder; the committed files are its output.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[3] / "shared" / "data" / "nbs"
SEED = 20230720  # the white paper's release date
YEARS = list(range(2016, 2023))
RNG = np.random.default_rng(SEED)

PROVINCES = ["北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建",
             "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西",
             "甘肃", "青海", "宁夏", "新疆"]
EAST = {"北京", "天津", "河北", "辽宁", "上海", "江苏", "浙江", "福建", "山东", "广东", "海南"}

# Published leader orderings (caict-index-2.0.md).
OVERALL = ["广东", "北京", "江苏", "浙江", "山东", "上海", "四川", "河北", "河南", "福建", "湖南", "湖北", "贵州", "安徽", "广西"]
SCALE = ["北京", "广东", "上海", "江苏", "浙江", "河北", "山东", "贵州", "内蒙古", "山西", "湖北", "河南", "四川", "福建", "重庆",
         "甘肃", "江西", "湖南", "广西", "宁夏"]
INFRA = ["上海", "江苏", "广东", "河北", "北京", "山东", "贵州", "浙江", "内蒙古", "山西"]
INDUSTRY = ["广东", "江苏", "北京", "山东", "浙江", "福建", "上海", "四川"]
DEVICES = ["广东", "福建", "江苏", "山东", "天津"]
ICS = ["江苏", "甘肃", "广东", "上海", "北京", "浙江"]
SOFTWARE = ["北京", "广东", "江苏", "山东", "浙江"]
TECHNOLOGY = ["广东", "北京", "江苏", "浙江", "上海", "山东", "福建", "湖北", "四川", "安徽"]
ENVIRONMENT = ["广东", "北京", "上海", "浙江", "江苏", "山东", "四川", "河南", "天津", "河北"]
COVERAGE_5G = ["上海", "北京", "天津", "山东", "广东"]
IT_SPENDING = ["北京", "广东"]
OPEN_DATA = ["山东", "浙江", "上海", "贵州", "四川", "北京"]
APPLICATION = ["广东", "江苏", "山东", "浙江", "四川", "河南", "湖北", "福建", "湖南", "河北"]
DIGITALISATION = ["广东", "江苏", "山东", "浙江", "福建", "上海", "湖北"]
SUPERCOMPUTING = ["广东", "天津", "湖南", "江苏", "山东", "河南", "四川", "陕西"]  # (illustrative choice of hosts)
COMPREHENSIVE = ["广东", "上海", "江苏", "北京", "河北", "浙江", "山东", "内蒙古", "贵州", "山西"]
CITIES = ["北京", "上海", "广州", "深圳", "廊坊", "苏州", "重庆", "杭州", "天津", "南京", "成都", "武汉", "张家口", "郑州", "呼和浩特",
          "济南", "福州", "无锡", "东莞", "青岛"]
MORE_CITIES = ["西安", "长沙", "合肥", "贵阳", "宁波", "厦门", "佛山", "石家庄", "沈阳", "大连"]


def gdp_2022() -> pd.Series:
    """Real 2022 GDP by province (NBS, 亿元), used only to order the provinces the paper does not name."""
    gdp = pd.read_csv(SHARED / "gdp_2022_nbs.csv")
    short = {full: next(p for p in PROVINCES if full.startswith(p)) for full in gdp["province"]}
    return gdp.assign(province=gdp["province"].map(short)).set_index("province")["value"].reindex(PROVINCES)


def strengths(leaders: list[str], base: pd.Series, decay: float = 0.88, noise: float = 0.15,
              others: bool = True) -> pd.Series:
    """Leaders in published order with geometric decay; others below the last leader, by ``base``."""
    s = pd.Series(0.0, index=base.index)
    for i, p in enumerate(leaders):
        s[p] = decay**i
    rest = [p for p in base.index if p not in leaders]
    if others and rest:
        b = base[rest] * np.exp(RNG.normal(0, noise, len(rest)))
        s[rest] = b / b.max() * decay ** len(leaders) * 0.95
    return s


def shares(s: pd.Series, fixed: dict[str, float] | None = None) -> pd.Series:
    """Strengths → shares summing to 1, with some leaders' shares fixed as published."""
    fixed = fixed or {}
    out = s / s.sum()
    if fixed:
        free = [p for p in s.index if p not in fixed]
        out[free] = s[free] / s[free].sum() * (1 - sum(fixed.values()))
        for p, v in fixed.items():
            out[p] = v
    return out


def back_cast(value_2022: pd.Series, growth: float, belts: pd.Series) -> pd.DataFrame:
    """Values for every year in YEARS, dividing back by a yearly growth rate per unit."""
    rate = growth + np.where(belts, 0.0, 0.03)
    rows = {2022: value_2022}
    for year in range(2021, YEARS[0] - 1, -1):
        step = 1 + rate + RNG.normal(0, 0.02, len(value_2022))
        rows[year] = rows[year + 1] / np.maximum(step, 1.01)
    return pd.DataFrame(rows)[YEARS]


def province_table(gdp: pd.Series) -> tuple[pd.DataFrame, list[tuple[str, str, str, str]]]:
    east = pd.Series([p in EAST for p in PROVINCES], index=PROVINCES)
    columns: dict[str, pd.DataFrame] = {}
    notes: list[tuple[str, str, str, str]] = []

    def add(name: str, unit: str, total: float, s: pd.Series, growth: float, how: str, fixed=None) -> None:
        columns[name] = back_cast(total * shares(s, fixed), growth, east)
        notes.append((name, unit, "illustrative", how))

    # --- scale: shipments and per-server compute, calibrated so that the 2022 six-year sums hit the totals
    scale_s = strengths(SCALE, gdp)
    add("server_shipments", "万台 per year", 420.0, scale_s, 0.08, "national 420 万台 (illustrative) × scale ordering")
    add("ai_server_shipments", "万台 per year", 28.0, scale_s, 0.30, "national 28 万台 (illustrative) × scale ordering")
    years = np.array(YEARS)
    per_server = pd.DataFrame(np.outer(np.exp(RNG.normal(0, 0.05, len(PROVINCES))), 1.22 ** (years - 2022)),
                              index=PROVINCES, columns=YEARS)
    last6 = YEARS[-6:]
    general = (columns["server_shipments"][last6] * per_server[last6]).sum().sum() * 0.01
    columns["server_avg_fp32_tflops"] = per_server * (120.0 / general)
    notes.append(("server_avg_fp32_tflops", "TFlops per server", "illustrative",
                  "scaled so that Σ six years shipments × compute = 120 EFlops (paper's national general compute)"))
    ai_per_server = pd.DataFrame(np.outer(np.exp(RNG.normal(0, 0.05, len(PROVINCES))), 1.45 ** (years - 2022)),
                                 index=PROVINCES, columns=YEARS)
    ai = (columns["ai_server_shipments"][last6] * ai_per_server[last6]).sum().sum() * 0.01 * 0.5
    columns["ai_server_avg_fp16_tflops"] = ai_per_server * (178.5 / ai)
    notes.append(("ai_server_avg_fp16_tflops", "TFlops (FP16) per server", "illustrative",
                  "scaled so that AI compute (FP16 × 0.5) = 178.5 EFlops (paper's national AI compute)"))
    super_s = strengths(SUPERCOMPUTING, gdp, decay=0.7, others=False)
    add("supercomputer_rmax", "EFlops (FP64)", 3.9 / 2, super_s, 0.15,
        "3.9 EFlops FP32-equivalent (paper) / 2; hosts are an illustrative choice, other provinces 0")
    infra_s = strengths(INFRA + [p for p in SCALE if p not in INFRA], gdp, decay=0.8)
    add("datacenter_fp32_eflops", "EFlops", 150.0, infra_s, 0.25,
        "150 of the paper's 180 EFlops infrastructure compute × infrastructure ordering (top four > 16 EFlops)")
    add("ai_centre_fp16_eflops", "EFlops (FP16)", 60.0, infra_s, 0.45, "the other 30 EFlops, as 60 EFlops FP16")

    # --- industry
    dev_s = strengths(DEVICES + [p for p in INDUSTRY if p not in DEVICES], gdp)
    add("server_output", "万台", 1500.0, dev_s, 0.10, "national 1,500 万台 (illustrative); 广东 60% (paper)",
        fixed={"广东": 0.60})
    add("ai_server_output", "万台", 330.0, dev_s, 0.25, "national 330 万台 (illustrative); 广东 60% (paper)",
        fixed={"广东": 0.60})
    add("supercomputer_output", "台", 60.0, strengths(["广东", "天津", "江苏"], gdp, others=False), 0.05,
        "60 systems (illustrative) in three provinces")
    ic_s = strengths(ICS + [p for p in INDUSTRY if p not in ICS], gdp)
    for name, total in (("microprocessor_output", 0.5e7), ("memory_chip_output", 0.8e7), ("other_ic_output", 2.0e7)):
        add(name, "万块", total, ic_s, 0.12, f"national {total:,.0f} 万块 (illustrative; total ≈ 3,300 亿块); 江苏 30%",
            fixed={"江苏": 0.30})
    sw_s = strengths(SOFTWARE + [p for p in INDUSTRY if p not in SOFTWARE], gdp)
    parts = {"software_product_revenue": 0.25, "system_integration_revenue": 0.10, "it_consulting_revenue": 0.06,
             "data_processing_revenue": 0.37, "embedded_software_revenue": 0.10, "ic_design_revenue": 0.12}
    for name, part in parts.items():
        add(name, "亿元", 108100 * part, sw_s, 0.11,
            f"{part:.0%} of the paper's national 10.81 万亿元; 北京 22.1% (its 23,912 亿元)", fixed={"北京": 0.2212})

    # --- technology: patents over five years, 广东 > 43%
    tech_s = strengths(TECHNOLOGY, gdp)
    add("computing_patent_applications", "件 per year", 28000, tech_s, 0.12,
        "national 28,000 per year (illustrative); 广东 43% (paper: ~60,000 over five years)", fixed={"广东": 0.43})
    add("computing_patent_grants", "件 per year", 7900, tech_s, 0.12,
        "national 7,900 per year (illustrative); 广东 43% (paper: ~17,000 over five years)", fixed={"广东": 0.43})
    add("computer_manufacturing_rd", "亿元", 4000, tech_s, 0.10, "national 4,000 亿元 (illustrative); 广东 35% (≈1,400)",
        fixed={"广东": 0.35})

    # --- environment
    env_s = strengths(ENVIRONMENT, gdp)
    for name, part in (("chinatelecom_egress_tbps", 0.36), ("chinamobile_egress_tbps", 0.40),
                       ("chinaunicom_egress_tbps", 0.24)):
        add(name, "Tbps", 51 * 31 * part, env_s, 0.20, f"{part:.0%} of 31 × 51 Tbps (paper: 51 Tbps per province)")
    add("base_stations_5g", "万个", 231.2, strengths(COVERAGE_5G + ENVIRONMENT, gdp), 0.60,
        "national 231.2 万个 (paper) × 5G ordering")
    coverage = pd.Series(0.28 + 0.10 * (gdp / gdp.max()) + RNG.normal(0, 0.02, len(PROVINCES)), index=PROVINCES)
    coverage[COVERAGE_5G] = np.linspace(0.53, 0.46, len(COVERAGE_5G))
    coverage = coverage.clip(upper=0.44).where(~coverage.index.isin(COVERAGE_5G), coverage)
    columns["base_stations_4g"] = columns["base_stations_5g"].div(coverage, axis=0)[[2022]].reindex(
        columns=YEARS).ffill(axis=1).bfill(axis=1)
    notes.append(("base_stations_4g", "万个", "illustrative",
                  "5G / 4G coverage ≥ 45% in 上海 北京 天津 山东 广东 (paper), 27–44% elsewhere; held at 2022 levels"))
    it_s = strengths(IT_SPENDING + ENVIRONMENT, gdp)
    for name, part in (("it_hardware_spending", 0.55), ("it_software_spending", 0.20), ("it_services_spending", 0.25)):
        add(name, "亿元", 23000 * part, it_s, 0.09, f"{part:.0%} of the paper's 2.3 万亿元; 北京, 广东 12% each",
            fixed={"北京": 0.12, "广东": 0.119})
    od = strengths(OPEN_DATA, gdp, decay=0.93)
    columns["open_data_index"] = back_cast(20 + 60 * od / od.max(), 0.06, east)
    notes.append(("open_data_index", "score", "illustrative", "20–80 following the paper's open-data leaders"))

    # --- application
    traffic = real_mobile_traffic()
    columns["mobile_traffic_annual"] = traffic
    notes.append(("mobile_traffic_annual", "万GB per year", "REAL",
                  "NBS 分省年度数据 移动互联网接入流量 (万GB), copied from ../shared/data/nbs (see its README)"))
    users = traffic[2022] / traffic[2022].sum() * 168300
    columns["mobile_users"] = back_cast(users * np.exp(RNG.normal(0, 0.05, len(PROVINCES))), 0.02, east)
    notes.append(("mobile_users", "万户", "illustrative", "168,300 万户 (paper: 1.683 billion) in proportion to real traffic"))
    columns["mobile_dou_gb"] = back_cast(pd.Series(15.2 * np.exp(RNG.normal(0, 0.12, len(PROVINCES))), index=PROVINCES),
                                         0.15, east)
    notes.append(("mobile_dou_gb", "GB per user per month", "illustrative", "15.2 GB (paper's DOU) ± noise"))
    add("digitalisation_value_added", "亿元", 410000, strengths(DIGITALISATION + APPLICATION, gdp), 0.10,
        "national 41 万亿元 (paper); 广东 4.4 万亿元 (paper)", fixed={"广东": 44000 / 410000})

    # --- extra variables of the comprehensive (算力 存力 运力 环境) index
    comp_s = strengths(COMPREHENSIVE, gdp)
    add("storage_capacity_eb", "EB", 1000, comp_s, 0.25, "national 1,000 EB (illustrative) × comprehensive ordering")
    columns["advanced_storage_share"] = back_cast(pd.Series(15 + 15 * comp_s / comp_s.max(), index=PROVINCES), 0.10, east)
    notes.append(("advanced_storage_share", "%", "illustrative", "15–30% following the comprehensive ordering"))
    columns["network_latency_ms"] = back_cast(pd.Series(30 - 12 * comp_s / comp_s.max()
                                                        + RNG.normal(0, 1, len(PROVINCES)), index=PROVINCES), -0.03, east)
    notes.append(("network_latency_ms", "ms", "illustrative", "18–30 ms (lower is better) following the ordering"))
    columns["electricity_price"] = back_cast(pd.Series(0.65 - 0.25 * (PROVINCES_WEST_POWER()),
                                                       index=PROVINCES), 0.0, east)
    notes.append(("electricity_price", "元/kWh", "illustrative", "0.40–0.65 元/kWh, cheaper in the western power bases"))

    long = pd.concat({name: frame for name, frame in columns.items()}, names=["variable", "unit"])
    wide = long.stack().unstack("variable")
    wide.index.names = ["unit", "year"]
    wide = wide.reindex(pd.MultiIndex.from_product([PROVINCES, YEARS], names=["unit", "year"]))
    return wide[list(columns)], notes


def PROVINCES_WEST_POWER() -> np.ndarray:  # noqa: N802 - a constant table
    cheap = {"内蒙古", "贵州", "宁夏", "甘肃", "新疆", "青海", "云南", "四川", "山西"}
    return np.array([1.0 if p in cheap else 0.3 for p in PROVINCES])


def real_mobile_traffic() -> pd.DataFrame:
    panel = pd.read_csv(SHARED / "nbs_provincial_digital_2015_2024.csv")
    col = "移动互联网接入流量 (万GB)"
    return panel.pivot(index="province", columns="year", values=col).reindex(index=PROVINCES, columns=YEARS)


def city_table(provinces: pd.DataFrame) -> pd.DataFrame:
    """Cities: every variable from the province totals × a city share following the published top-20 order."""
    cities = CITIES + MORE_CITIES
    s = pd.Series([0.85**i for i in range(len(cities))], index=cities) * np.exp(RNG.normal(0, 0.1, len(cities)))
    s[CITIES] = np.sort(s[CITIES].to_numpy())[::-1]  # keep the published order among the top 20
    national = provinces.groupby(level="year").sum()
    ratio_like = {"server_avg_fp32_tflops", "ai_server_avg_fp16_tflops", "mobile_dou_gb", "open_data_index",
                  "advanced_storage_share", "network_latency_ms", "electricity_price"}
    # each variable gets its own seeded deviation from the overall city strength, so sub-indices differ
    wobble = pd.DataFrame(np.exp(RNG.normal(0, 0.35, (len(cities), len(provinces.columns)))), index=cities,
                          columns=provinces.columns)
    rows = []
    for year in YEARS:
        for city, strength in s.items():
            row = {"unit": city, "year": year}
            for var in provinces.columns:
                if var in ratio_like:
                    row[var] = provinces.xs(year, level="year")[var].mean() * (0.9 + 0.2 * strength)
                else:
                    row[var] = national.loc[year, var] * 0.06 * strength * wobble.loc[city, var]
            rows.append(row)
    return pd.DataFrame(rows).set_index(["unit", "year"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write to (default: beside this script)")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    gdp = gdp_2022()
    provinces, notes = province_table(gdp)
    provinces.round(6).to_csv(out / "provinces.csv", encoding="utf-8", lineterminator="\n")
    city_table(provinces).round(6).to_csv(out / "cities.csv", encoding="utf-8", lineterminator="\n")
    with open(out / "provenance.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["variable", "unit", "status", "how it was made"])
        writer.writerows(notes)
    print(f"wrote provinces.csv ({len(provinces)} rows), cities.csv, provenance.csv to {out}")


if __name__ == "__main__":
    main()
