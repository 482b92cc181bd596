"""Load an index config: parse TOML, structure it strictly, resolve every name, check it — and report every
problem from every phase together.

Phases: (1) TOML syntax (``file:line:col``); (2) structuring, section by section and entry by entry, so that a
bad key in one node does not hide the problems of another; (3) resolution of plugin, method, indicator and
node names against the registries, with each method's ``params`` structured into the method's own class;
(4) cross-reference checks and the plugins' ``validate_config`` hooks. Phases 2–4 are collected into one
:class:`~zhishu.errors.ConfigError`.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, get_args

import attrs

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..errors import ConfigError, Issue, PluginError, ZhishuError
from ..hooks import Hooks
from ..registry import did_you_mean
from ..plugins import get_plugin_manager
from .converter import make_converter
from .messages import issues_from_cattrs, join
from .model import IndexConfig
from .plan import Plan
from .resolve import resolve

ALLOW_IMPORTS_ENV = "ZHISHU_ALLOW_IMPORTS"

_TOML_POS = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)\s*$", re.S)
_TOML_EOF = re.compile(r"^(?P<msg>.*?)\s*\(at end of document\)\s*$", re.S)


def read_toml(path: Path) -> dict:
    """Parse ``path``; syntax errors become ``file:line:col: message``."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError([Issue("config file not found", file=str(path))]) from None
    except IsADirectoryError:
        raise ConfigError([Issue("is a folder, not a TOML config file", file=str(path))]) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [Issue(f"TOML files must be UTF-8; undecodable byte at line {line} (save the file as UTF-8)", file=str(path))]
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_syntax_issue(path, exc, text)]) from None


def _syntax_issue(path: Path, exc: Exception, text: str) -> Issue:
    message = str(exc)
    line = getattr(exc, "lineno", None)
    col = getattr(exc, "colno", None)
    msg = getattr(exc, "msg", None)
    if line is None:
        m = _TOML_POS.match(message)
        if m:
            msg, line, col = m["msg"], int(m["line"]), int(m["col"])
        elif _TOML_EOF.match(message):
            msg = _TOML_EOF.match(message)["msg"]
            line = text.count("\n") + 1
            col = len(text.rsplit("\n", 1)[-1]) + 1
    if line is None:
        return Issue(f"TOML syntax error: {message}", file=str(path))
    return Issue(f"TOML syntax error: {msg or message}", file=f"{path}:{line}:{col}")


def structure(raw: dict, file: str = "") -> tuple[dict[str, Any], list[Issue]]:
    """Structure each section (and each entry of keyed sections) separately; return what structured and
    every problem. Missing sections take their defaults; a failed section is absent from the result."""
    conv = make_converter()
    attrs.resolve_types(IndexConfig)
    issues: list[Issue] = []
    parts: dict[str, Any] = {}
    fields = {a.name: a for a in attrs.fields(IndexConfig)}
    for name in raw:
        if name not in fields:
            hints = did_you_mean(name, list(fields))
            hint = (": did you mean " + " or ".join(repr(h) for h in hints) + "?") if hints else ""
            issues.append(Issue(f"unknown section{hint}; sections: {', '.join(fields)}", join("", name), file))
    if "index" not in raw:
        issues.append(Issue("required table [index] is missing (it needs at least id = \"…\")", "index", file))
    for name, field in fields.items():
        if name not in raw:
            continue
        value = raw[name]
        keyed = name in ("sources", "indicators", "nodes", "analyses")
        if keyed and isinstance(value, dict):
            entry_type = get_args(field.type)[1]
            entries = {}
            for key_, entry in value.items():
                try:
                    entries[key_] = conv.structure(entry, entry_type)
                except Exception as exc:
                    issues.extend(_located(issues_from_cattrs(exc, join(name, key_)), file))
            parts[name] = entries
            continue
        try:
            parts[name] = conv.structure(value, field.type)
        except Exception as exc:
            issues.extend(_located(issues_from_cattrs(exc, name), file))
    return parts, issues


def _located(issues: list[Issue], file: str) -> list[Issue]:
    return [attrs.evolve(i, file=file) for i in issues]


def allow_imports_from_env(environ=None) -> bool:
    value = (environ if environ is not None else os.environ).get(ALLOW_IMPORTS_ENV, "")
    return value.strip().lower() in ("1", "true", "yes")


def load_config(
    path: str | os.PathLike,
    *,
    allow_imports: bool | None = None,
    block: tuple[str, ...] = (),
    hooks: Hooks | None = None,
) -> Plan:
    """Load, structure, resolve and check the config at ``path``; a :class:`Plan` ready to run.

    :param allow_imports: let the config's ``[plugins] modules`` import modules that are not installed
        plugins (default: only when ``ZHISHU_ALLOW_IMPORTS=1``). Without it such a config is an error.
    :param block: plugin names to block besides the config's ``[plugins] block``.
    :param hooks: an existing plugin facade (tests); by default one is built from installed plugins.
    :raises ConfigError: every problem found, each with file and TOML key path.
    """
    path = Path(path)
    file = str(path)
    raw = read_toml(path)
    base_dir = path.resolve().parent
    if allow_imports is None:
        allow_imports = allow_imports_from_env()

    parts, issues = structure(raw, file)

    plugins_cfg = parts.get("plugins")
    if hooks is None:
        hooks, plugin_issues = _make_hooks(plugins_cfg, block, allow_imports, base_dir, file)
        issues.extend(plugin_issues)
        if hooks is None:
            raise ConfigError(issues)
    try:
        registries = hooks.registries
    except PluginError as exc:
        raise ConfigError([*issues, Issue(str(exc), "plugins", file)]) from None

    plan, resolve_issues = resolve(parts, raw, registries, hooks=hooks, path=path, base_dir=base_dir)
    issues.extend(_located(resolve_issues, file))
    if plan is not None and not issues:
        try:
            issues.extend(_located(hooks.validate_config(plan, registries), file))
        except ZhishuError as exc:
            issues.append(Issue(str(exc), "", file))
    if issues:
        raise ConfigError(_dedupe(issues))
    return plan


def _make_hooks(plugins_cfg, block, allow_imports: bool, base_dir: Path, file: str):
    issues = []
    modules: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    blocked = tuple(block)
    if plugins_cfg is not None:
        blocked += tuple(plugins_cfg.block)
        if plugins_cfg.modules or plugins_cfg.paths:
            if not allow_imports:
                issues.append(
                    Issue(
                        "this config asks to import modules that are not installed plugins "
                        f"({', '.join(plugins_cfg.modules) or 'from ' + ', '.join(plugins_cfg.paths)}); importing runs "
                        "their code, so it is off by default. If you trust this config, allow it with "
                        f"`zhishu --allow-import …`, load_config(..., allow_imports=True) or {ALLOW_IMPORTS_ENV}=1; "
                        "otherwise install the plugin as a package with an entry point in group 'zhishu'",
                        "plugins.modules",
                        file,
                    )
                )
                return None, issues
            paths = tuple(str((base_dir / p).resolve()) for p in plugins_cfg.paths)
            modules = tuple(plugins_cfg.modules)
    try:
        return Hooks(get_plugin_manager(blocked, extra_modules=modules, extra_paths=paths)), issues
    except PluginError as exc:
        issues.append(Issue(str(exc), "plugins", file))
        return None, issues


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen, out = set(), []
    for i in issues:
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out


__all__ = ["load_config", "read_toml", "structure"]
