"""Load an index config: parse TOML, structure it strictly, resolve every name, check it — and report every
problem from every phase together.

Phases: (1) TOML syntax (``file:line:col``); (2) structuring, section by section and entry by entry, so that a
bad key in one node does not hide the problems of another; (3) resolution of plugin, method, indicator and
node names against the registries, with each method's ``params`` structured into the method's own class;
(4) cross-reference checks and the plugins' ``validate_config`` hooks. Phases 2–4 are collected into one
:class:`~zhishu.errors.ConfigError`.
"""

from __future__ import annotations

import functools
import gc
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

import attrs

from ..errors import ConfigError, Issue, PluginError, ZhishuError, quote
from ..hooks import Hooks
from ..registry import did_you_mean
from ..plugins import BLOCK_ENV, get_plugin_manager
from ..data_root import outside, resolve_root
from ..names import name_problem
from .converter import make_converter, simple_structurer, toml_type
from .messages import issues_from_cattrs, join, key
from .model import IndexConfig
from .plan import Plan
from .resolve import resolve
from . import toml
from .toml import loads as parse_toml

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
        return parse_toml(text)
    except toml.TOMLDecodeError as exc:
        raise ConfigError([_syntax_issue(path, exc, text)]) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ConfigError([Issue("arrays or inline tables are nested too deeply to read (hundreds of levels); "
                                 "no zhishu config needs more than a few", file=str(path))]) from None


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
        return Issue(f"TOML syntax error: {quote(message, 200)}", file=str(path))
    return Issue(f"TOML syntax error: {_explain(msg or message, text, line)}", file=f"{path}:{line}:{col}")


_DECLARED_TWICE = re.compile(r"^Cannot declare \((?P<keys>.*)\) twice$")


def _explain(msg: str, text: str, line: int) -> str:
    """tomllib's message, with the key named when a key or table is given twice."""
    if msg == "Cannot overwrite a value":
        source = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
        m = re.match(r"\s*([^=\[]+?)\s*=", source)
        if m:
            return (f"duplicate key {quote(m.group(1), 60)}: it is already set (each key may appear once in a table; "
                    "remove one of them)")
    m = _DECLARED_TWICE.match(msg)
    if m:
        keys = [k.strip().strip("'\"") for k in m["keys"].split(",") if k.strip()]
        table = ".".join(key(k) for k in keys)
        return f"table [{quote(table, 60)[1:-1]}] is declared twice: merge the two into one"
    return quote(msg, 200)


def section_shape(name: str, tp: Any) -> tuple[type, str]:
    """What the top-level section ``name`` of type ``tp`` must be in TOML: the Python type of the parsed value
    and how a message calls it (``a table of [nodes.<id>]``)."""
    if attrs.has(tp):
        return dict, f"a table [{name}]"
    origin = get_origin(tp)
    if origin is tuple or origin is list:
        return list, f"an array of tables [[{name}]]"
    singular = {"sources": "id", "indicators": "id", "nodes": "id", "analyses": "name"}.get(name)
    if singular is None:
        return dict, f"a table [{name}]"
    return dict, f"a table of [{name}.<{singular}>]"


def structure(raw: dict, file: str = "") -> tuple[dict[str, Any], list[Issue]]:
    """Structure each section (and each entry of keyed sections) separately; return what structured and
    every problem. Missing sections take their defaults; a failed section is absent from the result.

    Every section's type is checked first, the same way for all of them, so ``nodes = 1`` is
    ``nodes: expected a table of [nodes.<id>], got an integer`` and never reaches the resolver."""
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
        python_type, shape = section_shape(name, field.type)
        if not isinstance(value, python_type):
            issues.append(Issue(f"expected {shape}, got {toml_type(value)}", name, file))
            continue
        keyed = name in ("sources", "indicators", "nodes", "analyses")
        if keyed:
            entry_type = get_args(field.type)[1]
            simple = simple_structurer(entry_type)
            entries = {}
            for key_, entry in value.items():
                if not isinstance(entry, dict):
                    path = join(name, key_)
                    issues.append(Issue(f"expected a table [{path}], got {toml_type(entry)}", path, file))
                    continue
                structured = simple(entry)  # most entries: no converter, no key path built
                if structured is not None:
                    entries[key_] = structured
                    continue
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
    issues.extend(_located(_name_issues(raw, parts), file))
    return parts, issues


def _name_issues(raw: dict, parts: dict[str, Any]) -> list[Issue]:
    """Names that become file names must be safe (:mod:`zhishu.names`); ``[[units]]`` ids must be unique."""
    issues = []
    analyses = raw.get("analyses")
    if isinstance(analyses, dict):
        for name in analyses:
            problem = name_problem(name)
            if problem:
                issues.append(Issue(problem, join("analyses", name)))
    output = parts.get("output")
    if output is not None:
        for i, name in enumerate(output.exporters):
            problem = name_problem(name)
            if problem:
                issues.append(Issue(problem, f"output.exporters[{i}]"))
    first: dict[str, int] = {}
    for i, unit in enumerate(parts.get("units", ())):
        if unit.id in first:
            issues.append(Issue(f"unit id {quote(unit.id)} is already used by units[{first[unit.id]}]; every "
                                "[[units]] entry needs its own id (put other labels of one unit in its aliases)",
                                f"units[{i}].id"))
        else:
            first[unit.id] = i
    return issues


def resolvable(raw: dict, parts: dict[str, Any]) -> dict:
    """``raw`` with every keyed section that is not a table replaced by an empty one, so that the resolver
    (which looks up broken entries in ``raw``) only ever sees tables."""
    out = dict(raw)
    for name in ("sources", "indicators", "nodes", "analyses"):
        if name in out and not isinstance(out[name], dict):
            out[name] = {}
    return out


def _weights_path(issue: Issue) -> Issue:
    """``nodes.<id>.weights`` is shorthand for the fixed weighting's params: report its problems there, not at
    the ``….weights.params`` the resolver sees."""
    if issue.path.startswith("nodes.") and issue.path.endswith(".weights.params"):
        return attrs.evolve(issue, path=issue.path.removesuffix(".params"))
    return issue


def _located(issues: list[Issue], file: str) -> list[Issue]:
    return [attrs.evolve(i, file=file) for i in issues]


def allow_imports_from_env(environ=None) -> bool:
    value = (environ if environ is not None else os.environ).get(ALLOW_IMPORTS_ENV, "")
    return value.strip().lower() in ("1", "true", "yes")


#: how messages name a config given in memory instead of a file
STRING_FILE = "<string>"
DICT_FILE = "<dict>"


def is_toml_text(source: str) -> bool:
    """A ``str`` source is TOML text (not a path) when it has a line break or an ``=``: no TOML config is
    shorter than ``[index]\nid = "x"``, and file names rarely hold either."""
    return "\n" in source or "=" in source


def read_source(source: Any, base_dir: str | os.PathLike | None = None) -> tuple[dict, Path | None, Path, str]:
    """The parsed config, its file (``None`` in memory), the folder relative paths resolve against, and how
    messages name it: a path (``Path`` or ``str``), TOML text (``str``) or a dict with the same schema."""
    if isinstance(source, Mapping):
        raw, issues = plain_copy(source, "")
        if issues:
            raise ConfigError([attrs.evolve(i, file=DICT_FILE) for i in issues])
        return raw, None, _base(base_dir), DICT_FILE
    if isinstance(source, str) and is_toml_text(source):
        try:
            return parse_toml(source), None, _base(base_dir), STRING_FILE
        except toml.TOMLDecodeError as exc:
            raise ConfigError([_syntax_issue(STRING_FILE, exc, source)]) from None
        except RecursionError:
            raise ConfigError([Issue("arrays or inline tables are nested too deeply to read", file=STRING_FILE)]) from None
    if not isinstance(source, (str, os.PathLike)):
        raise ConfigError([Issue(f"a config is a path, a TOML string or a dict, not {type(source).__name__}")])
    path = Path(source)
    raw = read_toml(path)
    return raw, path, (Path(base_dir).resolve() if base_dir is not None else path.resolve().parent), str(path)


def _base(base_dir) -> Path:
    return Path(base_dir if base_dir is not None else Path.cwd()).resolve()


_SCALARS = (str, bool, int, float)


def plain_copy(value: Any, path: str) -> tuple[Any, list[Issue]]:
    """A deep copy of a config given as Python objects, with every table a ``dict`` and every array a
    ``list``, and the values TOML cannot hold (a DataFrame, ``None``…) reported at their key path."""
    import datetime as _dt

    if isinstance(value, Mapping):
        out, issues = {}, []
        for k, v in value.items():
            if not isinstance(k, str):
                issues.append(Issue(f"keys must be strings, not {type(k).__name__} {k!r}", path))
                continue
            out[k], found = plain_copy(v, join(path, k))
            issues.extend(found)
        return out, issues
    if isinstance(value, (list, tuple)):
        out, issues = [], []
        for i, v in enumerate(value):
            item, found = plain_copy(v, f"{path}[{i}]")
            out.append(item)
            issues.extend(found)
        return out, issues
    if isinstance(value, _SCALARS) or isinstance(value, (_dt.date, _dt.time)):
        return value, []
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # a numpy scalar
        return plain_copy(value.item(), path)
    hint = "; give DataFrames with data={name: frame}" if type(value).__name__ == "DataFrame" else ""
    return None, [Issue(f"{type(value).__name__} is not a TOML value (use strings, numbers, booleans, dates, "
                        f"lists and dicts){hint}", path)]


def add_frame_sources(raw: dict, data: Mapping[str, Any]) -> dict:
    """``raw`` with a ``[sources.<name>] plugin = "frame"`` for each frame of ``data`` no source names."""
    sources = raw.get("sources", {})
    if not isinstance(sources, dict):
        return raw
    named = {(s.get("params") or {}).get("name", sid) if isinstance(s.get("params", {}), dict) else sid
             for sid, s in sources.items() if isinstance(s, dict) and s.get("plugin") == "frame"}
    missing = [name for name in data if name not in named and name not in sources]
    if not missing:
        return raw
    return {**raw, "sources": {**sources, **{name: {"plugin": "frame"} for name in missing}}}


def attach_frames(plan: Plan, data: Mapping[str, Any], file: str) -> list[Issue]:
    """Give each ``frame`` source its DataFrame from ``data``; every frame missing or unused is a problem."""
    import pandas as pd

    from ..default_plugins.frames import FrameSource

    issues, used = [], set()
    for sid, source in plan.sources.items():
        if not isinstance(source.obj, FrameSource):
            continue
        name = source.obj.name or sid
        where = join(join(join("sources", sid), "params"), "name") if source.obj.name else join("sources", sid)
        if name not in data:
            given = f" (data= has {', '.join(map(repr, data))})" if data else ""
            issues.append(Issue(f"the frame source needs a DataFrame {name!r}{given}: pass it in Python as "
                                f"load_config(..., data={{{name!r}: frame}}); on the command line use a "
                                '"table" source reading a file', where, file))
            continue
        if not isinstance(data[name], pd.DataFrame):
            issues.append(Issue(f"data[{name!r}] must be a pandas DataFrame, not {type(data[name]).__name__}",
                                where, file))
            continue
        used.add(name)
        source.obj.frame = data[name]
    for name in data:
        if name not in used and not any(i.message.startswith(f"data[{name!r}]") for i in issues):
            issues.append(Issue(f"data= gives a frame {name!r} that no source reads: name it in a source "
                                f'(plugin = "frame", params = {{ name = {name!r} }}) or leave it out', "sources", file))
    return issues


def _cycle_collector_paused(fn):
    """Run ``fn`` with Python's cyclic garbage collector paused (and resumed after, whatever happens): a load
    allocates objects that all stay alive (the parsed TOML, the structured sections, the plan), so every full
    collection it triggers walks the growing heap for nothing — half the time of a 10,000-indicator config.
    Reference counting still frees everything as usual; cycles left behind are collected once it resumes."""

    @functools.wraps(fn)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return paused


@_cycle_collector_paused
def load_config(
    source: str | os.PathLike | Mapping[str, Any],
    *,
    data: Mapping[str, Any] | None = None,
    base_dir: str | os.PathLike | None = None,
    allow_imports: bool | None = None,
    block: tuple[str, ...] = (),
    hooks: Hooks | None = None,
    data_root: str | os.PathLike | None = None,
) -> Plan:
    """Load, structure, resolve and check a config; a :class:`Plan` ready to run.

    :param source: a path to a TOML file; TOML text (a ``str`` with a line break or ``=``); or a dict with the
        schema of the TOML file. The checks and messages are the same; messages name the file ``<string>`` or
        ``<dict>`` for a config in memory.
    :param data: DataFrames by name, read by ``frame`` sources (a frame no source names gets its own
        ``[sources.<name>] plugin = "frame"``; see :mod:`zhishu.default_plugins.frames`).
    :param base_dir: the folder relative paths in the config resolve against (default: the config file's folder,
        or the working directory for a config in memory).
    :param allow_imports: let the config's ``[plugins] modules`` import modules that are not installed
        plugins (default: only when ``ZHISHU_ALLOW_IMPORTS=1``). Without it such a config is an error.
    :param block: plugin names to block besides the config's ``[plugins] block``.
    :param hooks: an existing plugin facade (tests); by default one is built from installed plugins.
    :param data_root: a folder (relative to the working directory) that every data file must be inside,
        symbolic links followed, besides the config's own ``[index] data_root`` (see :mod:`zhishu.data_root`).
    :raises ConfigError: every problem found, each with file and TOML key path.
    """
    raw, path, base_dir, file = read_source(source, base_dir)
    data = dict(data or {})
    if data:
        raw = add_frame_sources(raw, data)
    if allow_imports is None:
        allow_imports = allow_imports_from_env()

    parts, issues = structure(raw, file)

    plugins_cfg = parts.get("plugins")
    if hooks is None:
        hooks, plugin_issues = _make_hooks(plugins_cfg, block, allow_imports, base_dir, file)
        issues.extend(plugin_issues)
        if hooks is None:
            raise ConfigError(_dedupe(issues))
    try:
        registries = hooks.registries
    except PluginError as exc:
        raise ConfigError(_dedupe([*issues, Issue(str(exc), "plugins", file)])) from None

    if any(name in raw and not isinstance(raw[name], section_shape(name, field.type)[0])
           for name, field in attrs.fields_dict(IndexConfig).items()):
        raise ConfigError(_dedupe(issues))  # resolving without a whole section would only add noise
    plan, resolve_issues = resolve(parts, resolvable(raw, parts), registries, hooks=hooks, path=path, base_dir=base_dir)
    issues.extend(_located([_weights_path(i) for i in resolve_issues], file))
    roots, root_issues = _data_roots(data_root, parts, base_dir)
    issues.extend(_located(root_issues, file))
    if plan is not None and not issues:
        issues.extend(attach_frames(plan, data, file))
    if plan is not None and not issues:
        plan = attrs.evolve(plan, data_roots=roots)
        try:
            issues.extend(_located(hooks.validate_config(plan, registries), file))
        except ZhishuError as exc:
            issues.append(Issue(str(exc), "", file))
    if issues:
        raise ConfigError(_dedupe(issues))
    return plan


def _data_roots(cli_root, parts: dict[str, Any], base_dir: Path) -> tuple[tuple[Path, ...], list[Issue]]:
    """The data roots (``data_root=`` relative to the working directory, ``[index] data_root`` relative to the
    config) and the problems with them, including every source ``params.path`` that is outside one."""
    roots: list[Path] = []
    issues: list[Issue] = []
    meta = parts.get("index")
    given = [(cli_root, Path.cwd(), "--data-root", "")]
    if meta is not None and meta.data_root is not None:
        given.append((meta.data_root, base_dir, "data_root", "index.data_root"))
    for value, base, name, path in given:
        if value is None:
            continue
        root = resolve_root(value, base)
        if not root.is_dir():
            issues.append(Issue(f"{name} {quote(str(value), 120)}: no such folder ({root}); the data root must be an "
                                "existing folder holding the data files", path))
            continue
        roots.append(root)
    if roots:
        for sid, source in parts.get("sources", {}).items():
            written = source.params.get("path") if isinstance(source.params, Mapping) else None
            if isinstance(written, str) and written:
                root = outside(base_dir / Path(written).expanduser(), roots)
                if root is not None:
                    real = (base_dir / Path(written).expanduser()).resolve()
                    issues.append(Issue(f"{quote(written, 120)} (resolving to {real}) is outside the data root {root}: "
                                        "sources may read files only inside it; move the file there, or choose "
                                        "another data root", join(join(join("sources", sid), "params"), "path")))
    return tuple(roots), issues


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
        return shared_hooks(blocked, modules, paths), issues
    except PluginError as exc:
        issues.append(Issue(str(exc), "plugins", file))
        return None, issues


def shared_hooks(blocked: tuple[str, ...] = (), modules: tuple[str, ...] = (),
                 paths: tuple[str, ...] = ()) -> Hooks:
    """The plugin facade with these plugins blocked and these modules/paths imported, built once and shared
    while nothing it depends on changes (:func:`_hooks_key`): by every load, and by the CLI for its command
    table, so ``zhishu run`` builds one plugin manager, not two. Raises :class:`~zhishu.PluginError`."""
    blocked, modules, paths = tuple(blocked), tuple(modules), tuple(paths)
    key = _hooks_key(blocked, modules, paths)
    hooks = _HOOKS.pop(key, None)
    if hooks is None:
        hooks = Hooks(get_plugin_manager(blocked, extra_modules=modules, extra_paths=paths))
        if len(_HOOKS) >= 8:  # the least recently used goes
            del _HOOKS[next(iter(_HOOKS))]
    _HOOKS[key] = hooks  # now the most recently used
    return hooks


#: the plugins of the 8 most recently used settings, by :func:`_hooks_key`, least recently used first: building
#: a plugin manager reads every installed distribution's entry points and inspects every plugin module (most of
#: a small config's load time)
_HOOKS: dict[tuple, Hooks] = {}


def _hooks_key(blocked: tuple[str, ...], modules: tuple[str, ...], paths: tuple[str, ...]) -> tuple:
    """What a load's plugins depend on: the plugins blocked (here and in ``ZHISHU_BLOCK_PLUGINS``), the modules
    a config imports (and which module objects those names are now), and the installed distributions — the
    folders of ``sys.path`` and their modification times, which installing or removing one changes."""
    stamps = []
    for folder in sys.path:
        try:
            stamps.append(os.stat(folder or ".").st_mtime_ns)
        except OSError:
            stamps.append(None)
    return (frozenset(blocked), os.environ.get(BLOCK_ENV, ""), modules, paths,
            tuple(id(sys.modules.get(m)) for m in modules), tuple(sys.path), tuple(stamps))


#: longest message (and key path) a config problem may show: longer ones quote user input at length
MAX_MESSAGE = 500


def _bounded(issue: Issue) -> Issue:
    """``issue`` with an over-long message or key path cut in the middle (a 1 MB key must not be echoed)."""
    def cut(text: str, limit: int) -> str:
        if len(text) <= limit:
            return text
        return f"{text[: limit * 2 // 3]} … ({len(text) - limit:,} characters cut) … {text[-(limit // 3):]}"

    if len(issue.message) <= MAX_MESSAGE and len(issue.path) <= MAX_MESSAGE // 4:
        return issue
    return attrs.evolve(issue, message=cut(issue.message, MAX_MESSAGE), path=cut(issue.path, MAX_MESSAGE // 4))


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen, out = set(), []
    for i in map(_bounded, issues):
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out


__all__ = ["load_config", "read_source", "read_toml", "structure"]
