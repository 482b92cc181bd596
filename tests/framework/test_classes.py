"""zhishu.classes: ``define``/``frozen`` give the ``repr``, ``==``, ``!=`` and hashing attrs' generated methods give.

Each toy class is declared twice from the same body — once with attrs' decorator, once with zhishu's — and the
two are compared on the same field values (hypothesis), including NaN, nested objects, cycles and numpy arrays.
"""

from __future__ import annotations

import importlib
import math
import pkgutil

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhishu
from zhishu import classes

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda inner: st.tuples(inner, inner) | st.lists(inner, max_size=3),
    max_leaves=6,
)


def _pair(kind: str, body, **options):
    """The class ``body(decorator)`` builds, once with attrs' decorator and once with zhishu's."""
    theirs = {"define": attrs.define, "frozen": attrs.frozen}[kind]
    ours = {"define": classes.define, "frozen": classes.frozen}[kind]
    return body(lambda cls: theirs(cls, **options)), body(lambda cls: ours(cls, **options))


def _three(decorate):
    @decorate
    class Three:
        a: object
        b: object = 0
        c: object = attrs.field(default="c", repr=False)

    return Three


def _skip_eq(decorate):
    @decorate
    class SkipEq:
        a: object
        note: object = attrs.field(default=None, eq=False)

    return SkipEq


def _unset(decorate):
    @decorate
    class Unset:
        a: object
        later: object = attrs.field(init=False)

    return Unset


def _empty(decorate):
    @decorate
    class Empty:
        pass

    return Empty


def _eq_or_error(x, y):
    try:
        return ("value", x == y, x != y)
    except Exception as exc:  # noqa: BLE001 - the error itself is what must agree
        return ("error", type(exc))


def _hash_or_error(x):
    try:
        return ("value", hash(x))
    except TypeError as exc:
        return ("error", str(exc).split("'")[0])


@pytest.mark.parametrize("kind", ["define", "frozen"])
@pytest.mark.parametrize("options", [{}, {"kw_only": True}, {"slots": False}])
@settings(max_examples=60, deadline=None)
@given(a=VALUES, b=VALUES, c=VALUES, a2=VALUES, b2=VALUES)
def test_three_fields_agree_with_attrs(kind, options, a, b, c, a2, b2):
    Theirs, Ours = _pair(kind, _three, **options)
    for first, second in [((a, b, c), (a2, b2, c)), ((a, b, c), (a, b, c)), ((a, b, c), (a, b2, "other"))]:
        t1, t2 = Theirs(a=first[0], b=first[1], c=first[2]), Theirs(a=second[0], b=second[1], c=second[2])
        o1, o2 = Ours(a=first[0], b=first[1], c=first[2]), Ours(a=second[0], b=second[1], c=second[2])
        assert repr(o1) == repr(t1)
        assert _eq_or_error(o1, o2) == _eq_or_error(t1, t2)
        assert (o1 == t1) is False  # another class: NotImplemented both ways, then identity
        if kind == "frozen":  # hashable exactly when attrs' is (a list field is not), equal objects hash equal
            assert _hash_or_error(o1)[0] == _hash_or_error(t1)[0]
            if _hash_or_error(o1)[0] == "value" and _eq_or_error(o1, o2) == ("value", True, False):
                assert hash(o1) == hash(o2)
        else:
            assert _hash_or_error(o1) == _hash_or_error(t1) == ("error", "unhashable type: ")


def test_nan_fields_compare_as_attrs_compares_them():
    Theirs, Ours = _pair("frozen", _three)
    nan = math.nan
    # the same NaN object: attrs compares fields with ==, not identity, so the objects are unequal
    assert (Ours(a=nan) == Ours(a=nan)) is (Theirs(a=nan) == Theirs(a=nan)) is False
    assert (Ours(a=nan) != Ours(a=nan)) is (Theirs(a=nan) != Theirs(a=nan)) is True


def test_array_fields_give_attrs_results_and_errors():
    Theirs, Ours = _pair("define", _three)
    x, y = np.array([1.0, 2.0]), np.array([1.0, 3.0])
    # an array in the last field: attrs returns the elementwise comparison itself
    np.testing.assert_array_equal(Ours(a=1, c=x) == Ours(a=1, c=y), Theirs(a=1, c=x) == Theirs(a=1, c=y))
    assert isinstance(Ours(a=1, c=x) == Ours(a=1, c=y), np.ndarray)
    # an array before another field: truth of an array is ambiguous, for both
    assert _eq_or_error(Ours(a=x), Ours(a=y)) == _eq_or_error(Theirs(a=x), Theirs(a=y)) == ("error", ValueError)
    # the first false comparison stops the chain: later fields are not compared
    assert (Ours(a=1, b=x) == Ours(a=2, b=y)) is (Theirs(a=1, b=x) == Theirs(a=2, b=y)) is False


def test_eq_false_fields_are_ignored_by_eq_and_hash():
    Theirs, Ours = _pair("frozen", _skip_eq)
    assert (Ours(1, note="x") == Ours(1, note="y")) is (Theirs(1, note="x") == Theirs(1, note="y")) is True
    assert hash(Ours(1, note="x")) == hash(Ours(1, note="y"))
    assert repr(Ours(1, note="x")) == repr(Theirs(1, note="x")) == "SkipEq(a=1, note='x')"


def test_unset_init_false_field_reprs_as_nothing():
    Theirs, Ours = _pair("define", _unset)
    assert repr(Ours(1)) == repr(Theirs(1)) == "Unset(a=1, later=NOTHING)"
    o, t = Ours(1), Theirs(1)
    o.later = t.later = 5
    assert repr(o) == repr(t) == "Unset(a=1, later=5)"


def test_no_fields():
    for kind in ("define", "frozen"):
        Theirs, Ours = _pair(kind, _empty)
        assert repr(Ours()) == repr(Theirs()) == "Empty()"
        assert (Ours() == Ours()) is (Theirs() == Theirs()) is True
    Ours = _pair("frozen", _empty)[1]
    assert hash(Ours()) == hash(Ours()) and isinstance(hash(Ours()), int)


def test_cycles_repr_as_attrs_does():
    def body(decorate):
        @decorate
        class Node:
            name: str
            other: object = None

        return Node

    Theirs, Ours = _pair("define", body)
    t, o = Theirs("a"), Ours("a")
    t.other, o.other = Theirs("b", t), Ours("b", o)
    assert repr(o) == repr(t) == "Node(name='a', other=Node(name='b', other=...))"
    assert repr(o) == repr(t)  # the guard is reset after each call


def test_nested_class_name_is_the_qualified_names_last_part():
    Theirs, Ours = _pair("frozen", _three)
    assert Ours.__qualname__.endswith("<locals>.Three")
    assert repr(Ours(1)).startswith("Three(") and repr(Ours(1)) == repr(Theirs(1))
    assert Ours.__repr__.__qualname__ == f"{Ours.__qualname__}.__repr__"


def test_own_methods_are_kept_or_left_to_attrs():
    @classes.frozen
    class OwnRepr:
        a: int

        def __repr__(self):
            return "mine"

    assert repr(OwnRepr(1)) == "mine" and OwnRepr(1) == OwnRepr(1) and hash(OwnRepr(1)) == hash(OwnRepr(1))

    @classes.define
    class OwnEq:
        a: int

        def __eq__(self, other):
            return "custom"

    assert (OwnEq(1) == OwnEq(2)) == "custom"
    assert "OwnEq(a=1)" == repr(OwnEq(1))


def test_other_options_are_attrs_own():
    @classes.frozen(order=True)
    class Ordered:
        a: int

    assert Ordered(1) < Ordered(2) and Ordered(1) == Ordered(1)


def test_custom_field_comparison_is_refused():
    with pytest.raises(TypeError, match="repr and eq"):
        @classes.frozen
        class Keyed:
            a: str = attrs.field(eq=str.lower)


def test_validators_and_slots_still_attrs():
    @classes.define(kw_only=True)
    class Checked:
        x: int = attrs.field(validator=attrs.validators.instance_of(int))

    with pytest.raises(TypeError):
        Checked(x="1")
    c = Checked(x=1)
    with pytest.raises(TypeError):
        c.x = "2"  # define validates on assignment
    with pytest.raises(AttributeError):
        c.y = 1  # slotted
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        _three(classes.frozen)(1).a = 2
    assert attrs.evolve(c, x=3) == Checked(x=3)


def test_framework_classes_are_built_by_zhishu_classes():
    """The framework's attrs classes get their ``==`` from zhishu.classes (a closure), not from attrs' compiled
    source, except the few that attrs must build (own ``__eq__``/``__hash__``, other options)."""
    ours, attrs_own = [], []
    for info in pkgutil.walk_packages(zhishu.__path__, "zhishu."):
        if info.name.endswith("__main__"):
            continue  # running it is the command line
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and attrs.has(value) and value.__module__ == module.__name__:
                code = getattr(value.__eq__, "__code__", None)
                compiled = code is not None and code.co_filename.startswith("<attrs generated")
                (attrs_own if compiled else ours).append(value.__qualname__)
    assert len(ours) > 80, ours
    assert len(attrs_own) <= 5, attrs_own
