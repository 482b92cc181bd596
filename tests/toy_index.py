"""Small configs and data the tests share (import as ``from toy_index import …``; ``tests/`` is on sys.path
through its conftest.py). Write them with the ``write_config`` fixture: ``write_config(table_config(…),
data__csv=DATA)``.
"""

from __future__ import annotations

import textwrap

#: 8 units × 2 years, five indicators; e is missing for H in 2022 (so missing children are re-weighted)
TOY_DATA = """
unit,year,a,b,c,d,e
A,2021,10,5,3,7,2
B,2021,20,15,8,4,9
C,2021,30,10,4,4,5
D,2021,12,7,9,1,3
E,2021,25,3,2,8,6
F,2021,18,11,6,5,1
G,2021,5,13,7,2,8
H,2021,28,9,5,6,4
A,2022,20,5,9,3,3
B,2022,40,10,10,2,8
C,2022,30,20,5,4,7
D,2022,15,8,6,6,2
E,2022,22,4,3,9,5
F,2022,19,12,8,3,1
G,2022,8,14,2,5,9
H,2022,33,6,4,7,
"""


def table_config(directions: dict[str, int], rest: str = "", *, index_id: str = "t", path: str = "data.csv",
                 compact: bool = False, template: bool = False) -> str:
    """The head most test configs share, then ``rest`` (dedented; nodes, sections …)::

        [index]
        id = "t"

        [sources.main]
        plugin = "table"
        params = { path = "data.csv" }

        [indicators.a]
        direction = 1
        …

    one ``[indicators.NAME] direction = D`` per entry of ``directions`` (a blank line between them unless
    ``compact``). ``template=True`` doubles the head's braces, for a ``rest`` with ``str.format`` placeholders
    (and doubled braces) that the caller fills in with ``.format(…)`` on the whole text.
    """
    gap = "\n" if compact else "\n\n"
    indicators = gap.join(f"[indicators.{name}]\ndirection = {d}" for name, d in directions.items())
    params = f'{{ path = "{path}" }}'
    if template:
        params = params.replace("{", "{{").replace("}", "}}")
    head = f'[index]\nid = "{index_id}"\n\n[sources.main]\nplugin = "table"\nparams = {params}\n\n{indicators}\n'
    rest = textwrap.dedent(rest).strip("\n")
    return head + ("\n" + rest + "\n" if rest else "")
