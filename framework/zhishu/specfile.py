"""Data-only plugins: indicator and node specifications in a TOML file instead of Python.

A spec file has three optional tables, each keyed by id (the id is the key, never a field)::

    [variables.server_shipments]          # documentation of a raw source variable the formulas use
    unit = "万台 per year"
    description = "servers shipped in the region that year"

    [indicators.general_compute]          # fields of zhishu.IndicatorSpec; direction is required
    name_en = "General-purpose compute"
    direction = 1
    formula = "rollsum(server_shipments * tflops, 6) * to_eflops"
    params = { to_eflops = 0.01 }

    [nodes.scale]                         # fields of zhishu.SubIndexSpec
    children = ["general_compute"]

It is structured with the config's strict converter: unknown keys, wrong types and bad formulas are errors
that name the file and the dotted key path. When ``[variables]`` is present it must list exactly the
variables the formulas read. Registration order is the order of the tables in the file.

A plugin package ships the file as package data and its ``__init__.py`` is::

    import zhishu

    SPECS = zhishu.load_specs("scale.toml", package=__name__)
    register_indicators, register_subindices = zhishu.data_plugin(SPECS)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import attrs

from .classes import frozen
from .components import IndicatorSpec, SubIndexSpec
from .config.converter import make_converter
from .config.messages import issues_from_cattrs, join
from .config import toml
from .config.toml import loads as parse_toml
from .errors import ConfigError, Issue
from .formula import FormulaError, parse
from .hookspecs import hookimpl
from .registry import did_you_mean

SECTIONS = ("variables", "indicators", "nodes")


@frozen(kw_only=True)
class VariableSpec:
    """A raw source variable a spec file's formulas read: its expected unit and what it is (documentation)."""

    unit: str = ""
    description: str = ""


@frozen(kw_only=True)
class Specs:
    """What one spec file defines, in file order."""

    file: str
    indicators: tuple[IndicatorSpec, ...] = ()
    nodes: tuple[SubIndexSpec, ...] = ()
    variables: Mapping[str, VariableSpec] = attrs.field(factory=dict)


def load_specs(source: str | os.PathLike | Any, *, package: str | None = None) -> Specs:
    """Read and check a spec file.

    :param source: a path, or with ``package`` the file's name inside that package (package data, which
        works from a wheel or a zip as well as from a source tree).
    :raises ConfigError: every problem, each with the file and the dotted key path.
    """
    if package is not None:
        source = resources.files(package).joinpath(str(source))
    file = str(source)
    raw = _read(source, file)
    conv = make_converter()
    issues: list[Issue] = []
    for name in raw:
        if name not in SECTIONS:
            hints = did_you_mean(name, list(SECTIONS))
            hint = (": did you mean " + " or ".join(repr(h) for h in hints) + "?") if hints else ""
            issues.append(Issue(f"unknown section{hint}; a spec file has the tables {', '.join(SECTIONS)}",
                                join("", name), file))
    parts = {}
    for section, cls in (("variables", VariableSpec), ("indicators", IndicatorSpec), ("nodes", SubIndexSpec)):
        parts[section] = _structure(conv, raw.get(section, {}), section, cls, file, issues)
    variables, indicators, nodes = parts["variables"], parts["indicators"], parts["nodes"]
    for nid in nodes:
        if nid in indicators:
            issues.append(Issue(f"{nid!r} is both an indicator and a node; ids must be unique",
                                join("nodes", nid), file))
    used = _check_formulas(indicators, file, issues)
    complete = isinstance(raw.get("indicators", {}), dict) and len(indicators) == len(raw.get("indicators", {}))
    if "variables" in raw and complete:  # (an indicator that failed would make its variables look unused)
        for name in sorted(used - set(variables)):
            issues.append(Issue(f"variable {name!r} is read by an indicator but not listed: add [variables.{name}] "
                                "with its unit and description", "variables", file))
        for name in variables:
            if name not in used:
                issues.append(Issue("variable is listed but no indicator reads it: remove it or use it",
                                    join("variables", name), file))
    if issues:
        raise ConfigError(issues)
    return Specs(file=file, indicators=tuple(indicators.values()), nodes=tuple(nodes.values()),
                 variables=variables)


class DataHooks(NamedTuple):
    """The two registration hooks of a data-only plugin, to assign to module-level names of the same names."""

    register_indicators: Any
    register_subindices: Any


def data_plugin(specs: Specs) -> DataHooks:
    """Hook implementations that register ``specs``' indicators and nodes (in file order)."""

    @hookimpl
    def register_indicators(register) -> None:
        for spec in specs.indicators:
            register(spec.id, spec)

    @hookimpl
    def register_subindices(register) -> None:
        for spec in specs.nodes:
            register(spec.id, spec)

    return DataHooks(register_indicators, register_subindices)


# --------------------------------------------------------------------------------------------- helpers


def _read(source: Any, file: str) -> dict:
    path = Path(source) if isinstance(source, (str, os.PathLike)) else source  # else an importlib Traversable
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([Issue("spec file not found", file=file)]) from None
    except IsADirectoryError:
        raise ConfigError([Issue("is a folder, not a TOML spec file", file=file)]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError([Issue(f"TOML files must be UTF-8; undecodable byte at line {line} (save the file "
                                 "as UTF-8)", file=file)]) from None
    try:
        return parse_toml(text)  # tomllib's values and errors, parsed by compiled tomli where installed
    except toml.TOMLDecodeError as exc:
        raise ConfigError([Issue(f"TOML syntax error: {exc}", file=file)]) from None


def _structure(conv, table: Any, section: str, cls: type, file: str, issues: list[Issue]) -> dict[str, Any]:
    """Each entry of ``[section]`` structured into ``cls`` with its key as the id; problems appended."""
    if not isinstance(table, dict):
        issues.append(Issue(f"[{section}] must be a table of tables keyed by id", section, file))
        return {}
    attrs.resolve_types(cls)
    has_id = "id" in attrs.fields_dict(cls)
    out = {}
    for key, entry in table.items():
        path = join(section, key)
        if isinstance(entry, dict) and "id" in entry:
            issues.append(Issue("the id is the table's key: remove `id`", join(path, "id"), file))
            continue
        if cls is IndicatorSpec and isinstance(entry, dict) and "direction" not in entry:  # as in a config
            issues.append(Issue("direction is required: 1 if higher values are better, -1 if lower values are "
                                "better", join(path, "direction"), file))
        if isinstance(entry, dict) and entry.get("direction", 1) not in (1, -1):  # the validator names no key
            issues.append(Issue(f"direction must be 1 (higher is better) or -1 (lower is better), not "
                                f"{entry['direction']!r}", join(path, "direction"), file))
            entry = {**entry, "direction": 1}
        value = {"id": key, **entry} if has_id and isinstance(entry, dict) else entry
        try:
            out[key] = conv.structure(value, cls)
        except Exception as exc:  # cattrs' exception groups
            issues.extend(attrs.evolve(i, file=file, message=_without_id(i.message))
                          for i in issues_from_cattrs(exc, path))
    return out


def _without_id(message: str) -> str:
    """cattrs lists every field as allowed, but the id is the table's key, not a key a spec file may set."""
    head, sep, keys = message.partition("allowed keys here: ")
    return head + sep + ", ".join(k for k in keys.split(", ") if k != "id") if sep else message


def _check_formulas(indicators: dict[str, IndicatorSpec], file: str, issues: list[Issue]) -> set[str]:
    """Parse every formula (errors at ``indicators.<id>.formula``); the source variables they read."""
    used: set[str] = set()
    for iid, spec in indicators.items():
        if spec.formula is None:
            used.add(spec.variable or spec.id)
            continue
        try:
            used |= parse(spec.formula).variables(spec.params)
        except FormulaError as exc:
            issues.append(Issue(str(exc), join(join("indicators", iid), "formula"), file))
    return used
