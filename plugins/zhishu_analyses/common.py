"""What every analysis needs: which node and year, where it sits in the config, and clear errors.

Problems with an analysis's parameters (an unknown node, source, variable, group or unit label) are
:class:`zhishu.ConfigError`; problems with the data (a year the run does not cover, too few units) are
:class:`zhishu.DataError`. Each names the TOML key of the parameter, ``analyses.<name>.params.<param>``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence

import attrs
import numpy as np
import pandas as pd
import zhishu

# ------------------------------------------------------------------------------------------ locations


def key_path(analysis, result) -> str:
    """The analysis's TOML table (``analyses.<name>``) in the run that produced ``result``, or ``""`` when the
    analysis was built by hand rather than from the config.

    The pipeline runs a copy of the configured object, so it is found by equality of parameters.
    """
    plan = getattr(result, "plan", None)
    for method in getattr(plan, "analyses", {}).values():
        if type(method.obj) is type(analysis) and method.obj == analysis:
            return method.key_path
    return ""


def located(run):
    """Decorate an analysis's ``run`` so that the problems it raises also name the config file."""

    @functools.wraps(run)
    def wrapper(self, result):
        try:
            return run(self, result)
        except zhishu.InputError as exc:  # ConfigError and DataError
            file = getattr(getattr(result, "plan", None), "path", None)
            if file is None or all(issue.file for issue in exc.issues):
                raise
            issues = [issue if issue.file else attrs.evolve(issue, file=str(file)) for issue in exc.issues]
            raise type(exc)(issues) from None

    return wrapper


def param_path(where: str, param: str) -> str:
    """``analyses.<name>.params.<param>``, or just ``<param>`` for an analysis built by hand."""
    return f"{where}.params.{param}" if where else param


def config_error(message: str, path: str) -> zhishu.ConfigError:
    return zhishu.ConfigError([zhishu.Issue(message, path)])


def data_error(message: str, path: str) -> zhishu.DataError:
    return zhishu.DataError([zhishu.Issue(message, path)])


def unknown_message(kind: str, name: str, choices: Sequence[str], limit: int = 40, scope: str = "") -> str:
    """``unknown node 'idx': did you mean 'index'?; available: …`` (the list cut after ``limit`` names)."""
    choices = [str(c) for c in choices]
    hints = zhishu.did_you_mean(str(name), choices)
    text = f"unknown {kind} {name!r}" + (f" {scope}" if scope else "")
    if hints:
        text += ": did you mean " + " or ".join(repr(h) for h in hints) + "?"
    shown = ", ".join(choices[:limit]) + (f" … ({len(choices) - limit} more)" if len(choices) > limit else "")
    return text + "; available: " + (shown or "none")


# ------------------------------------------------------------------------------------------ nodes, years


def node_problem(node: str, choices: Sequence[str]) -> str | None:
    """``None`` if ``node`` is a column of the scores (a node or an indicator), else the message."""
    return None if node in choices else unknown_message("node or indicator", node, choices)


def resolve_node(node: str | None, result, path: str) -> str:
    """``node``, or the root when it is ``None``; an unknown node is a ConfigError with did-you-mean."""
    node = result.plan.root if node is None else node
    problem = node_problem(node, list(result.scores.columns))
    if problem:
        raise config_error(problem, path)
    return node


def run_years(result) -> list[int]:
    """The years of the run, ascending."""
    return sorted({int(y) for y in result.scores.index.get_level_values("year")})


def year_problem(year: int, years: Sequence[int]) -> str | None:
    if year in years:
        return None
    return (f"year {year} is not in this run, which covers {list(years)}; choose one of those years or add "
            f"{year} to index.years")


def resolve_year(year: int | None, result, path: str) -> int:
    """``year``, or the last year of the run when it is ``None``; a year the run lacks is a DataError."""
    years = run_years(result)
    if year is None:
        return years[-1]
    problem = year_problem(year, years)
    if problem:
        raise data_error(problem, path)
    return year


def unit_names(result) -> pd.Series:
    """Display name by unit id, in the run's unit order."""
    units = result.units
    names = units["name"] if "name" in units.columns else pd.Series(units.index, index=units.index)
    return names.where(names.notna() & (names.astype(str) != ""), pd.Series(units.index, index=units.index))


def names_of(units, result) -> np.ndarray:
    """The display name of each unit id in ``units`` (the id itself where the unit has no name)."""
    ids = pd.Index(units, dtype=object)
    names = ids.map(unit_names(result))
    return np.where(pd.isna(names), ids, names).astype(object)


def units_in_order(result) -> list[str]:
    """The run's unit ids in output order (the units table, then any unit only found in the scores)."""
    known = list(result.units.index)
    extra = [u for u in dict.fromkeys(result.scores.index.get_level_values("unit")) if u not in set(known)]
    return known + extra


def wide(series: pd.Series, units: Sequence[str]) -> pd.DataFrame:
    """A (unit, year) series as units × years (years ascending), rows in ``units`` order."""
    frame = series.unstack("year").reindex(list(units))
    return frame[sorted(frame.columns)].astype("float64")


# ------------------------------------------------------------------------------------------ unit labels


def label_lookup(units: Iterable, names: pd.Series | None = None) -> dict[str, str]:
    """Canonical label → unit id, from UnitSpecs (id, name, aliases) and a name-by-id series."""
    lookup: dict[str, str] = {}
    if names is not None:
        for uid, name in names.items():
            for label in (uid, name):
                if isinstance(label, str) and label:
                    lookup.setdefault(zhishu.canonical_label(label), str(uid))
    for unit in units:
        for label in (unit.id, unit.name, *unit.aliases):
            if label:
                lookup.setdefault(zhishu.canonical_label(label), unit.id)
    return lookup


def match_labels(labels: Sequence[str], lookup: dict[str, str]) -> tuple[list[str | None], list[tuple[int, str]]]:
    """Unit ids for ``labels`` (None where unknown) and the (position, message) of every problem: unknown
    labels (with did-you-mean) and labels naming a unit already named."""
    ids: list[str | None] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    choices = list(lookup)
    for i, label in enumerate(labels):
        uid = lookup.get(zhishu.canonical_label(label))
        ids.append(uid)
        if uid is None:
            hints = zhishu.did_you_mean(zhishu.canonical_label(label), choices)
            hint = (": did you mean " + " or ".join(repr(h) for h in hints) + "?") if hints else ""
            problems.append((i, f"unknown unit {label!r}{hint}; use a unit id, name or alias of this index"))
        elif uid in seen:
            problems.append((i, f"{label!r} names unit {uid!r}, which is already at position {seen[uid] + 1} "
                                "of the reference; list every unit once"))
        else:
            seen[uid] = i
    return ids, problems


# ------------------------------------------------------------------------------------------ validators


def finite(instance, attribute, value) -> None:
    if value is not None and not math.isfinite(value):
        raise ValueError(f"{attribute.name} must be a finite number, not {value!r}")


def finite_items(instance, attribute, value) -> None:
    bad = [v for v in value if not math.isfinite(v)]
    if bad:
        raise ValueError(f"{attribute.name} must hold finite numbers, not {bad[0]!r}")


def one_of(*choices: str):
    def check(instance, attribute, value) -> None:
        if value not in choices:
            hints = zhishu.did_you_mean(str(value), list(choices))
            hint = f" (did you mean {hints[0]!r}?)" if hints else ""
            raise ValueError(f"{attribute.name} must be one of {', '.join(map(repr, choices))}, not {value!r}{hint}")

    return check


def fmt_number(x: float, significant: int = 4) -> str:
    """A number for a sentence: ``significant`` significant digits, thousands separators, no exponent between
    1e-6 and 1e15, no trailing zeros (``128.5``, ``12,846``, ``0.01235``, ``1.9``)."""
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    if magnitude < -6 or magnitude >= 15:
        return f"{x:.{significant}g}"
    decimals = max(0, significant - 1 - magnitude)
    text = f"{x:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
