"""A seeded config fuzzer: random structural mutations of every shipped config must give only zhishu's
documented user errors — a :class:`zhishu.ZhishuError` with a message — never another exception, and never a
file written outside the output folder.

Each config of ``configs/`` (and ``configs/examples/asem.toml``) is parsed, its source paths made absolute, then
mutated (values of the wrong type, deleted keys, huge numbers, odd strings, path-traversal names, deep
nesting, duplicate ids, cycles, long or deep formulas, duplicated TOML lines …), written back as TOML into a
sandbox, loaded with :func:`zhishu.load_config`, run with :func:`zhishu.run_config` and written with
:func:`zhishu.outputs.write_result` into a folder three levels down the sandbox; a few go through the CLI.

Budget: ``ZHISHU_FUZZ_MUTANTS`` mutants per config (default 100 in ``make test``; ``make fuzz`` runs 2,000),
seed ``ZHISHU_FUZZ_SEED`` (default 0). A failure names the seed, config and mutant number, and the mutant's
TOML is kept under the pytest tmp folder.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import random
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import zhishu
from zhishu.outputs import write_result

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted(ROOT.glob("configs/*.toml")) + [ROOT / "configs" / "examples" / "asem.toml"]
MUTANTS = int(os.environ.get("ZHISHU_FUZZ_MUTANTS", "100"))
SEED = int(os.environ.get("ZHISHU_FUZZ_SEED", "0"))
CLI_MUTANTS = int(os.environ.get("ZHISHU_FUZZ_CLI", "1"))  # per config, through `python -m zhishu run`
#: configs whose mutants are also run (not only loaded) in the default budget: the others are slow to run
RUN_BUDGET = int(os.environ.get("ZHISHU_FUZZ_RUNS", "5"))


# --------------------------------------------------------------------------------------------- TOML writer

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(key: str) -> str:
    return key if _BARE.match(key) else toml_string(key)


def toml_string(text: str) -> str:
    body = json.dumps(text, ensure_ascii=False)  # JSON escapes are TOML basic-string escapes
    return body.replace("\x7f", "\\u007f")


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def dumps(doc: dict) -> str:
    """Every top-level key as ``key = <inline value>``: valid TOML for any document."""
    return "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in doc.items())


# --------------------------------------------------------------------------------------------- mutations

WEIRD_STRINGS = [
    "", " ", "x" * 5000, "../../escaped", "../../../x", "a/b", "a\\b", "..", ".hidden", "CON", "nul.csv",
    "名字", "\u0000", "tab\there", "line\nbreak", "😀", "a" * 101, "index", "minmax", "csv", "tiers", "table",
    "`x`", "(", "lag(x, 1000)", "__import__('os')",
]
WEIRD_FORMULAS = [
    "(" * 300 + "x" + ")" * 300, "x" + "^x" * 4000, " + ".join(["a"] * 1000), "-" * 3000 + "a", "", "1/0",
    "log(-1)", "lag(a, 0)", "rollsum(a, 1.5)", "foo(a)", "a +", "`", "min()", "max(a,)", "exp(1e308)",
    "x" * 20000,
]


def weird_value(rng: random.Random):
    choices = [
        0, -1, 1, 2, 10**30, -(10**30), 2**63, 1e308, -1e308, 1e-308, math.inf, -math.inf, math.nan, True,
        False, 0.5, -0.0, [], {}, [1, "a"], [[]], {"x": 1}, datetime.date(2021, 1, 1),
        datetime.datetime(2021, 1, 1, 12, 0), datetime.time(12, 0), ["index"], [10**30], {"": 1},
    ]
    if rng.random() < 0.4:
        return rng.choice(WEIRD_STRINGS)
    return rng.choice(choices)


def deep(rng: random.Random) -> str:
    """A placeholder for a value nested 30, 200 or 1,200 levels deep, expanded in the TOML text by
    :func:`expand_deep` (a Python structure that deep would overflow the writer's own stack)."""
    return f"__DEEP_{rng.choice([30, 200, 1200])}_{rng.choice('al')}__"


def expand_deep(text: str) -> str:
    def nested(m: re.Match) -> str:
        depth, kind = int(m[1]), m[2]
        return ("[" * depth + "1" + "]" * depth) if kind == "a" else ("{ k = " * depth + "1" + " }" * depth)

    return re.sub(r'"__DEEP_(\d+)_([al])__"', nested, text)


def containers(doc, path=()):
    """Every (path, container) in ``doc``: dicts and lists."""
    yield path, doc
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for k, v in items:
        if isinstance(v, (dict, list)):
            yield from containers(v, (*path, k))


def pick(rng: random.Random, doc):
    """A random (container, key) with the container non-empty."""
    options = [(p, c) for p, c in containers(doc) if c]
    _, container = rng.choice(options)
    key = rng.choice(list(container)) if isinstance(container, dict) else rng.randrange(len(container))
    return container, key


def mutate(rng: random.Random, doc: dict) -> None:
    kind = rng.choice(["set", "set", "set", "delete", "delete", "rename", "duplicate", "deep", "add", "formula",
                       "traversal", "cycle", "units", "number"])
    if kind == "set":
        container, key = pick(rng, doc)
        container[key] = weird_value(rng)
    elif kind == "delete":
        container, key = pick(rng, doc)
        del container[key]
    elif kind == "rename":
        dicts = [c for _, c in containers(doc) if isinstance(c, dict) and c]
        container = rng.choice(dicts)
        old = rng.choice(list(container))
        container[rng.choice(WEIRD_STRINGS)] = container.pop(old)
    elif kind == "duplicate":
        lists = [c for _, c in containers(doc) if isinstance(c, list) and c]
        if lists:
            target = rng.choice(lists)
            target.append(rng.choice(target))
    elif kind == "deep":
        container, key = pick(rng, doc)
        container[key] = deep(rng)
    elif kind == "add":
        dicts = [c for _, c in containers(doc) if isinstance(c, dict)]
        rng.choice(dicts)[rng.choice(["extra", "params", "children", "weights", "plugin", "path", "years"])] = (
            weird_value(rng))
    elif kind == "formula":
        indicators = doc.get("indicators")
        if isinstance(indicators, dict) and indicators:
            entry = indicators[rng.choice(list(indicators))]
            if isinstance(entry, dict):
                entry["formula"] = rng.choice(WEIRD_FORMULAS)
                entry.pop("variable", None)
    elif kind == "traversal":
        section = rng.choice(["analyses", "output", "sources", "nodes"])
        if section == "analyses":
            doc.setdefault("analyses", {})
            if isinstance(doc["analyses"], dict):
                doc["analyses"][rng.choice(["x/../../escaped", "../../../escaped", "/tmp/abs", "..", "a\\..\\b"])] = {
                    "plugin": rng.choice(["tiers", "growth", "typology"])}
        elif section == "output":
            doc["output"] = {"exporters": ["csv", rng.choice(["../../x", "excel", "/etc/x"])]}
        elif section == "sources" and isinstance(doc.get("sources"), dict) and doc["sources"]:
            entry = doc["sources"][rng.choice(list(doc["sources"]))]
            if isinstance(entry, dict) and isinstance(entry.get("params"), dict):
                entry["params"]["path"] = rng.choice(["../../../../etc/passwd", "/nonexistent.csv", "/", ".",
                                                      "data.xlsx", "x.parquet", "x.json"])
    elif kind == "cycle":
        nodes = doc.get("nodes")
        if isinstance(nodes, dict) and nodes:
            entry = nodes[rng.choice(list(nodes))]
            if isinstance(entry, dict) and isinstance(entry.get("children"), list):
                entry["children"].append(rng.choice([*nodes, "index"]))
    elif kind == "units":
        units = doc.get("units")
        if isinstance(units, list) and units:
            units.append(dict(rng.choice(units)) if isinstance(units[0], dict) else 1)
    elif kind == "number":
        for section, key in (("sensitivity", "replications"), ("index", "seed"), ("normalisation",
                                                                                   "reference_year")):
            if isinstance(doc.get(section), dict) and rng.random() < 0.5:
                doc[section][key] = rng.choice([10**12, 10**30, -1, 0, 2**62, 1.5])
        sources = doc.get("sources")
        if isinstance(sources, dict):
            for entry in sources.values():
                if isinstance(entry, dict) and isinstance(entry.get("params"), dict) and rng.random() < 0.5:
                    entry["params"][rng.choice(["skip_rows", "header", "year", "sheet"])] = rng.choice(
                        [10**30, 10**18, 2**63 - 1, -1, 100, 1.5])


def text_mutation(rng: random.Random, text: str) -> str:
    """A line deleted or duplicated (a TOML duplicate key) or cut short."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    i = rng.randrange(len(lines))
    choice = rng.random()
    if choice < 0.4:
        return "".join(lines[:i] + lines[i + 1:])
    if choice < 0.8:
        return "".join(lines[: i + 1] + [lines[i]] + lines[i + 1:])
    return text[: rng.randrange(len(text) + 1)]


def absolute_paths(doc: dict, base: Path) -> None:
    """Source paths relative to the original config made absolute, so that mutants can live in a sandbox."""
    for entry in (doc.get("sources") or {}).values():
        params = entry.get("params", {})
        if isinstance(params.get("path"), str):
            params["path"] = str((base / params["path"]).resolve())
    plugins = doc.get("plugins")
    if isinstance(plugins, dict) and plugins.get("paths"):
        plugins["paths"] = [str((base / p).resolve()) for p in plugins["paths"]]


def mutant_text(rng: random.Random, original: dict) -> str:
    doc = json.loads(json.dumps(original, default=str))  # a deep copy (dates never occur in the originals)
    for _ in range(rng.choice([1, 1, 2, 3])):
        mutate(rng, doc)
    text = expand_deep(dumps(doc))
    if rng.random() < 0.1:
        text = text_mutation(rng, text)
    return text


# --------------------------------------------------------------------------------------------- the check


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


_HOOKS: list = []


def shared_hooks(text: str):
    """One plugin facade for every mutant without a ``[plugins]`` table (building one per load is slow)."""
    if re.search(r"^plugins\s*=", text, re.M):
        return None
    if not _HOOKS:
        _HOOKS.append(zhishu.Hooks(zhishu.get_plugin_manager()))
    return _HOOKS[0]


def check_mutant(text: str, sandbox: Path, run: bool) -> str:
    """Load (and, with ``run``, run and write) the mutant; the outcome, or raise AssertionError."""
    config = sandbox / "a" / "b" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text, encoding="utf-8")
    outdir = config.parent / "c" / "out"
    before = files_under(sandbox)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no numpy/pandas warning may escape unexplained
            # known, outside this fuzzer's reach: openpyxl cuts an Excel cell (a 5,000-character label) at 32,767
            warnings.filterwarnings("ignore", "Cell contents too long", UserWarning)
            plan = zhishu.load_config(config, hooks=shared_hooks(text))
            if "sensitivity" in plan.raw:
                from zhishu.sensitivity.spec import resolve_spec

                resolve_spec(plan.raw["sensitivity"], plan, str(config))
            if not run:
                return "loaded"
            result = zhishu.run_config(plan)
            write_result(result, outdir)
    except zhishu.ZhishuError as exc:
        message = str(exc)
        assert message.strip(), f"{type(exc).__name__} without a message"
        for issue in getattr(exc, "issues", None) or [exc]:  # each problem short, however many there are
            assert len(str(issue)) < 3000, f"a message of {len(str(issue))} characters: {str(issue)[:300]}"
        return type(exc).__name__
    finally:
        after = files_under(sandbox)
        # the output folder's own lock and staging siblings (.out.zhishu-*) belong to it
        stray = {p for p in after - before if outdir not in p.parents and p != config
                 and not (outdir.parent in p.parents
                          and p.relative_to(outdir.parent).parts[0].startswith(f".{outdir.name}.zhishu-"))}
        assert not stray, f"files written outside the output folder: {sorted(stray)}"
    return "ran"


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.stem)
def test_mutants_give_only_user_errors(config, tmp_path):
    original = tomllib.loads(config.read_text(encoding="utf-8"))
    absolute_paths(original, config.parent)
    rng = random.Random(f"{SEED}:{config.name}")
    outcomes: dict[str, int] = {}
    runs = 0
    for n in range(MUTANTS):
        text = mutant_text(rng, original)
        sandbox = tmp_path / f"m{n}"
        run = runs < RUN_BUDGET or MUTANTS > 100
        try:
            outcome = check_mutant(text, sandbox, run)
        except BaseException as exc:
            (tmp_path / "failing.toml").write_text(text, encoding="utf-8")
            raise AssertionError(
                f"seed {SEED}, {config.name}, mutant {n} ({tmp_path / 'failing.toml'}): {type(exc).__name__}: "
                f"{str(exc)[:2000]}"
            ) from exc
        if outcome in ("loaded", "ran"):
            runs += outcome == "ran"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome == "ran" or outcome == "loaded":
            import shutil

            shutil.rmtree(sandbox, ignore_errors=True)
    assert sum(outcomes.values()) == MUTANTS
    assert outcomes.get("ConfigError", 0) + outcomes.get("DataError", 0) > 0  # the mutations do bite


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.stem)
def test_mutants_through_the_cli(config, tmp_path):
    """A few mutants through ``python -m zhishu run``: exit 0 or 2, never a traceback."""
    original = tomllib.loads(config.read_text(encoding="utf-8"))
    absolute_paths(original, config.parent)
    rng = random.Random(f"cli:{SEED}:{config.name}")
    for n in range(CLI_MUTANTS):
        path = tmp_path / f"m{n}" / "config.toml"
        path.parent.mkdir()
        path.write_text(mutant_text(rng, original), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "zhishu", "run", str(path), "-o", str(path.parent / "out")],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode in (0, 2), (path, done.returncode, done.stderr[-3000:])
        assert "Traceback" not in done.stderr, (path, done.stderr[-3000:])
        assert "Warning" not in done.stderr, (path, done.stderr[-3000:])
