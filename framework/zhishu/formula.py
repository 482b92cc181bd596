"""A small, safe arithmetic language for derived indicators — parsed here, never passed to ``eval``.

Grammar (usual precedence, ``^`` binds tightest and is right-associative)::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := ("-" | "+") unary | power
    power  := atom ("^" unary)?
    atom   := NUMBER | NAME | `any text` | NAME "(" expr ("," expr)* ")" | "(" expr ")"

Names are source variables or constants from the indicator's ``params`` (constants win). A name with spaces
or punctuation, such as an NBS column header, is written between backticks: ``` `移动互联网接入流量 (万GB)` / 12 ```.
``**`` is accepted for ``^``.

Functions: ``abs log log10 log1p exp sqrt`` (element-wise), ``min(a, b, …)`` and ``max(a, b, …)``
(element-wise, ignoring missing unless all are missing), ``lag(x, k)`` (the value k years earlier for the same
unit) and ``rollsum(x, k)`` (the sum over the last k years up to and including this one for the same unit;
missing if any of those years is missing). ``k`` must be a whole-number literal.

Evaluation is vectorised over a whole (unit, year) frame. Division by zero, logs of non-positive numbers and
other undefined results give missing values (NaN), never infinities.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs
import numpy as np
import pandas as pd

from .errors import ZhishuError


class FormulaError(ZhishuError, ValueError):
    """A formula that cannot be parsed or evaluated; the message shows the column."""


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<quoted>`[^`]*`)
  | (?P<name>[^\W\d]\w*)
  | (?P<op>\*\*|[-+*/^(),])
    """,
    re.VERBOSE,
)

_UNARY = {
    "abs": np.abs,
    "log": np.log,
    "log10": np.log10,
    "log1p": np.log1p,
    "exp": np.exp,
    "sqrt": np.sqrt,
}
_VARIADIC = {"min", "max"}
_PANEL = {"lag", "rollsum"}
FUNCTIONS = frozenset(_UNARY) | _VARIADIC | _PANEL
MAX_LAG = 100  # years; lag and rollsum beyond this are surely a mistake


@attrs.frozen
class _Tok:
    kind: str
    text: str
    pos: int


def _tokenise(text: str) -> list[_Tok]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise FormulaError(f"unexpected character {text[pos]!r} at column {pos + 1} in formula {text!r}")
        kind = m.lastgroup
        if kind != "ws":
            value = m.group()
            if kind == "quoted":
                kind, value = "name", value[1:-1]
                if not value.strip():
                    raise FormulaError(f"empty `` name at column {pos + 1} in formula {text!r}")
            tokens.append(_Tok(kind, "^" if value == "**" else value, pos))
        pos = m.end()
    tokens.append(_Tok("end", "", len(text)))
    return tokens


# AST nodes are tuples: ("num", float) ("var", name) ("neg", x) ("bin", op, a, b) ("call", fn, args)


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenise(text)
        self.i = 0

    def error(self, message: str, tok: _Tok | None = None) -> FormulaError:
        tok = tok or self.tokens[self.i]
        found = "end of formula" if tok.kind == "end" else repr(tok.text)
        return FormulaError(f"{message}, found {found} at column {tok.pos + 1} in formula {self.text!r}")

    @property
    def tok(self) -> _Tok:
        return self.tokens[self.i]

    def take(self, text: str) -> bool:
        if self.tok.kind == "op" and self.tok.text == text:
            self.i += 1
            return True
        return False

    def parse(self):
        if self.tok.kind == "end":
            raise FormulaError("empty formula")
        node = self.expr()
        if self.tok.kind != "end":
            raise self.error("expected an operator")
        return node

    def expr(self):
        node = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.tokens[self.i].text
            self.i += 1
            node = ("bin", op, node, self.term())
        return node

    def term(self):
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self.tokens[self.i].text
            self.i += 1
            node = ("bin", op, node, self.unary())
        return node

    def unary(self):
        if self.take("-"):
            return ("neg", self.unary())
        if self.take("+"):
            return self.unary()
        return self.power()

    def power(self):
        node = self.atom()
        if self.take("^"):
            node = ("bin", "^", node, self.unary())
        return node

    def atom(self):
        tok = self.tok
        if tok.kind == "number":
            self.i += 1
            return ("num", float(tok.text))
        if tok.kind == "name":
            self.i += 1
            if self.take("("):
                return self.call(tok)
            return ("var", tok.text)
        if self.take("("):
            node = self.expr()
            if not self.take(")"):
                raise self.error("expected ')'")
            return node
        raise self.error("expected a number, a name or '('")

    def call(self, name_tok: _Tok):
        fn = name_tok.text
        if fn not in FUNCTIONS:
            raise FormulaError(
                f"unknown function {fn!r} at column {name_tok.pos + 1} in formula {self.text!r}; "
                f"available: {', '.join(sorted(FUNCTIONS))}"
            )
        args, spans = [], []  # spans: (start, end) of each argument's text, for messages
        while True:
            start = self.tok.pos
            args.append(self.expr())
            spans.append((start, self.tok.pos))
            if not self.take(","):
                break
        if not self.take(")"):
            raise self.error("expected ',' or ')'")
        at = f"at column {name_tok.pos + 1} in formula {self.text!r}"
        if fn in _UNARY and len(args) != 1:
            raise FormulaError(f"{fn}() takes one argument, got {len(args)}, {at}")
        if fn in _PANEL:
            if len(args) != 2:
                raise FormulaError(f"{fn}(x, k) takes two arguments, got {len(args)}, {at}")
            k = args[1]
            if k[0] != "num" or not float(k[1]).is_integer() or not 1 <= k[1] <= MAX_LAG:
                start, end = spans[1]
                raise FormulaError(
                    f"{fn}(x, k) needs a whole number 1 <= k <= {MAX_LAG} written as a literal, found "
                    f"{self.text[start:end].strip()!r} at column {start + 1} in formula {self.text!r}"
                )
            args[1] = ("num", int(k[1]))
        return ("call", fn, tuple(args))


def _names(node) -> set[str]:
    kind = node[0]
    if kind == "var":
        return {node[1]}
    if kind == "neg":
        return _names(node[1])
    if kind == "bin":
        return _names(node[2]) | _names(node[3])
    if kind == "call":
        return set().union(*(_names(a) for a in node[2]))
    return set()


@attrs.frozen
class Formula:
    """A parsed formula; ``names`` are every variable or constant it mentions."""

    text: str
    tree: tuple = attrs.field(repr=False)
    names: frozenset[str]

    def variables(self, params: Mapping[str, float] = {}) -> frozenset[str]:  # noqa: B006 - read only
        """The names that must come from source data (those not given as constants)."""
        return frozenset(n for n in self.names if n not in params)

    def evaluate(self, data: pd.DataFrame, params: Mapping[str, float] = {}) -> pd.Series:  # noqa: B006
        """The formula over every row of ``data`` (indexed by (unit, year)), as a float Series."""
        with np.errstate(all="ignore"):
            out = _eval(self.tree, data, params)
        if not isinstance(out, pd.Series):
            out = pd.Series(float(out), index=data.index)
        out = out.astype("float64")
        return out.where(np.isfinite(out))


def parse(text: str) -> Formula:
    """Parse ``text`` or raise :class:`FormulaError` naming the column of the problem."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be a string, not {type(text).__name__}")
    tree = _Parser(text).parse()
    return Formula(text, tree, frozenset(_names(tree)))


_BINARY = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "^": np.power,
}


def _eval(node, data: pd.DataFrame, params: Mapping[str, float]):
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "var":
        name = node[1]
        if name in params:
            return float(params[name])
        if name not in data.columns:
            raise FormulaError(f"unknown name {name!r}: it is neither a source variable nor a constant")
        return data[name].astype("float64")
    if kind == "neg":
        return -_eval(node[1], data, params)
    if kind == "bin":
        a, b = _eval(node[2], data, params), _eval(node[3], data, params)
        return _BINARY[node[1]](a, b)
    fn, args = node[1], node[2]
    values = [_eval(a, data, params) for a in args]
    if fn in _UNARY:
        return _UNARY[fn](values[0])
    if fn in _VARIADIC:
        frame = pd.concat([_as_series(v, data.index) for v in values], axis=1)
        return frame.min(axis=1) if fn == "min" else frame.max(axis=1)
    series, k = _as_series(values[0], data.index), int(args[1][1])
    return _shift_years(series, k) if fn == "lag" else _rollsum(series, k)


def _as_series(value, index) -> pd.Series:
    return value if isinstance(value, pd.Series) else pd.Series(float(value), index=index)


def _shift_years(series: pd.Series, k: int) -> pd.Series:
    """The value ``k`` calendar years earlier for the same unit (NaN where that year is absent)."""
    units = series.index.get_level_values(0)
    years = series.index.get_level_values(1).astype("int64")
    source = pd.Series(series.to_numpy(), index=pd.MultiIndex.from_arrays([units, years + k]))
    source = source[~source.index.duplicated()]
    return pd.Series(source.reindex(pd.MultiIndex.from_arrays([units, years])).to_numpy(), index=series.index)


def _rollsum(series: pd.Series, k: int) -> pd.Series:
    """Sum over years t-k+1 … t for the same unit; missing if any of those calendar years is missing."""
    total = series.copy()
    for lag in range(1, k):  # k is a small literal; each step is vectorised over all units and years
        total = total + _shift_years(series, lag)
    return total
