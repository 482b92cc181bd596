"""zhishu.jsontext.dumps writes what json.dumps(…, ensure_ascii=False, indent=2, default=str) writes."""

import enum
import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhishu.jsontext import dumps


class Colour(enum.IntEnum):
    RED = 1


class Name(str):
    pass


def reference(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.text() | st.sampled_from([Path("a/b"), date(2026, 12, 1), Colour.RED, Name("x"), np.float64(0.1),
                                          np.int64(3), 1e-300, -0.0, 1e22, "中文 \u2028 \"q\" \\ \n"]))
KEYS = st.text() | st.integers() | st.floats(allow_nan=True) | st.booleans() | st.none()
DATA = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                    | st.dictionaries(KEYS, inner, max_size=4), max_leaves=25)


@settings(max_examples=400, deadline=None)
@given(DATA)
def test_random_structures_give_json_dumps_text(data):
    assert dumps(data) == reference(data)


def test_edges():
    for data in ({}, [], (), {"a": {}}, {"a": []}, [[]], {1.5: 1, True: 2, None: 3, 7: 4}, math.nan, -math.inf,
                 {"a": [1, {"b": (2, 3)}]}, ""):
        assert dumps(data) == reference(data)


def test_bad_keys_and_cycles_raise_as_json_does():
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None, not tuple"):
        dumps({(1, 2): 3})
    cycle: list = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="Circular reference detected"):
        dumps(cycle)


def test_a_manifest_is_written_with_it(tmp_path):
    from zhishu.outputs import _json

    data = {"files": [{"path": "x.csv", "bytes": 3}], "seconds": 0.25, "名": "指数"}
    assert _json(data) == reference(data) + "\n"
