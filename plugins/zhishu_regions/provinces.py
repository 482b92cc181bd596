"""The 31 mainland provincial-level divisions of China: GB/T 2260 codes, names, spellings and groups.

Data only, as a plain table (:data:`PROVINCES`), so that it can be read, printed or exported without zhishu;
:func:`unit_set` turns it into the ``zhishu.UnitSet`` registered as ``"cn_provinces"``.

Codes are the provincial-level codes of GB/T 2260 (中华人民共和国行政区划代码); the 12-digit form is the
same code followed by six zeros, as in the NBS statistical division codes (统计用区划代码). Hong Kong (810000),
Macao (820000) and Taiwan (710000) are not in the set: the NBS provincial tables cover the 31 mainland
provinces only.

Groups (values are Chinese labels, exactly as written here):

* ``region`` — the NBS four-region division (东部 / 中部 / 西部 / 东北), 10 / 6 / 12 / 3 provinces;
* ``belt`` — the older three-belt division (东部 / 中部 / 西部), 11 / 8 / 12: 辽宁 is in 东部,
  吉林 and 黑龙江 in 中部;
* ``cluster`` — the national clusters named by CAICT's computing-power index: 京津冀, 长三角, 粤港澳大湾区
  (its mainland part, 广东) and 成渝; provinces outside them have no ``cluster`` key.
"""

from __future__ import annotations

import zhishu

#: Column names of :data:`PROVINCES`.
COLUMNS = ("code", "name", "full_name", "name_en", "other_names", "region", "belt", "cluster")

#: One row per province, in GB/T 2260 code order. ``other_names``: further spellings (tuple); ``cluster``:
#: "" for provinces outside the four clusters.
PROVINCES: tuple[tuple, ...] = (
    ("110000", "北京", "北京市", "Beijing", (), "东部", "东部", "京津冀"),
    ("120000", "天津", "天津市", "Tianjin", (), "东部", "东部", "京津冀"),
    ("130000", "河北", "河北省", "Hebei", (), "东部", "东部", "京津冀"),
    ("140000", "山西", "山西省", "Shanxi", (), "中部", "中部", ""),
    ("150000", "内蒙古", "内蒙古自治区", "Inner Mongolia", ("Nei Mongol",), "西部", "西部", ""),
    ("210000", "辽宁", "辽宁省", "Liaoning", (), "东北", "东部", ""),
    ("220000", "吉林", "吉林省", "Jilin", (), "东北", "中部", ""),
    ("230000", "黑龙江", "黑龙江省", "Heilongjiang", (), "东北", "中部", ""),
    ("310000", "上海", "上海市", "Shanghai", (), "东部", "东部", "长三角"),
    ("320000", "江苏", "江苏省", "Jiangsu", (), "东部", "东部", "长三角"),
    ("330000", "浙江", "浙江省", "Zhejiang", (), "东部", "东部", "长三角"),
    ("340000", "安徽", "安徽省", "Anhui", (), "中部", "中部", "长三角"),
    ("350000", "福建", "福建省", "Fujian", (), "东部", "东部", ""),
    ("360000", "江西", "江西省", "Jiangxi", (), "中部", "中部", ""),
    ("370000", "山东", "山东省", "Shandong", (), "东部", "东部", ""),
    ("410000", "河南", "河南省", "Henan", (), "中部", "中部", ""),
    ("420000", "湖北", "湖北省", "Hubei", (), "中部", "中部", ""),
    ("430000", "湖南", "湖南省", "Hunan", (), "中部", "中部", ""),
    ("440000", "广东", "广东省", "Guangdong", (), "东部", "东部", "粤港澳大湾区"),
    ("450000", "广西", "广西壮族自治区", "Guangxi", (), "西部", "西部", ""),
    ("460000", "海南", "海南省", "Hainan", (), "东部", "东部", ""),
    ("500000", "重庆", "重庆市", "Chongqing", (), "西部", "西部", "成渝"),
    ("510000", "四川", "四川省", "Sichuan", (), "西部", "西部", "成渝"),
    ("520000", "贵州", "贵州省", "Guizhou", (), "西部", "西部", ""),
    ("530000", "云南", "云南省", "Yunnan", (), "西部", "西部", ""),
    ("540000", "西藏", "西藏自治区", "Tibet", ("Xizang",), "西部", "西部", ""),
    ("610000", "陕西", "陕西省", "Shaanxi", (), "西部", "西部", ""),
    ("620000", "甘肃", "甘肃省", "Gansu", (), "西部", "西部", ""),
    ("630000", "青海", "青海省", "Qinghai", (), "西部", "西部", ""),
    ("640000", "宁夏", "宁夏回族自治区", "Ningxia", (), "西部", "西部", ""),
    ("650000", "新疆", "新疆维吾尔自治区", "Xinjiang", (), "西部", "西部", ""),
)

UNIT_SET_ID = "cn_provinces"


def aliases(row: tuple) -> tuple[str, ...]:
    """Every other spelling of one province: full name, English name(s), 2-digit and 12-digit codes."""
    code, _name, full_name, name_en, other_names, *_ = row
    return (full_name, name_en, *other_names, code[:2], code + "000000")


def unit_spec(row: tuple) -> zhishu.UnitSpec:
    code, name, *_rest = row
    region, belt, cluster = row[5:8]
    groups = {"region": region, "belt": belt, **({"cluster": cluster} if cluster else {})}
    return zhishu.UnitSpec(id=code, name=name, aliases=aliases(row), groups=groups)


def unit_set() -> zhishu.UnitSet:
    """The ``cn_provinces`` unit set: id = 6-digit GB/T 2260 code, name = short Chinese name."""
    return zhishu.UnitSet(
        id=UNIT_SET_ID,
        name="中国内地31个省级行政区 (31 mainland provinces of China)",
        description=(
            "id: GB/T 2260 six-digit code; name: short Chinese name; aliases: full official name, English name, "
            "2-digit and 12-digit codes; groups: region (NBS 东部/中部/西部/东北), belt (东部/中部/西部), "
            "cluster (京津冀, 长三角, 粤港澳大湾区, 成渝)"
        ),
        units=tuple(unit_spec(row) for row in PROVINCES),
    )
