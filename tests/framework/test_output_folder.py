"""zhishu.outputs.output_folder: staging and swap, manifest, refusals, confinement to -o, lock, umask, errors."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import attrs
import pandas as pd
import pytest

import zhishu
from zhishu import OutputError
from zhishu.cli import main
from zhishu.outputs import AtomicWriter, output_folder, write_result

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "demo.toml"


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in listing(folder)}


def write_two(out: Path, **kw) -> None:
    with output_folder(out, **kw) as f:
        f.write_text("a.txt", "A\n")
        f.write_csv("sub/t.csv", pd.DataFrame({"x": [1, 2]}))


# --------------------------------------------------------------------------------------------- staging and swap


def test_files_appear_only_when_the_block_ends(tmp_path):
    out = tmp_path / "out"
    with output_folder(out) as f:
        path = f.write_text("a.txt", "你好\n")
        assert path == out.resolve() / "a.txt"
        assert not out.exists()  # nothing visible yet
        staged = [p for p in tmp_path.iterdir() if p.name.startswith(".out.zhishu-staging-")]
        assert len(staged) == 1 and (staged[0] / "a.txt").read_text(encoding="utf-8") == "你好\n"
        assert staged[0].name.startswith(f".out.zhishu-staging-{os.getpid()}-")
    assert listing(out) == ["a.txt", "manifest.json"]
    assert siblings(out) == [".out.zhishu-lock"]
    assert f.written == [out.resolve() / "a.txt", out.resolve() / "manifest.json"]


def test_manifest_lists_every_file_with_its_sha256(tmp_path):
    out = tmp_path / "out"
    with output_folder(out, command="report") as f:
        f.manifest["about"] = "test"
        f.details["lang"] = "zh"
        f.write_csv("t.csv", pd.DataFrame({"unit": ["A", "B"], "score": [1.5, 2.0]}))
        with f.open_path("fig/chart.svg") as p:
            p.write_bytes(b"<svg/>")
    assert (out / "t.csv").read_text(encoding="utf-8") == "unit,score\nA,1.5\nB,2.0\n"
    manifest = json.loads((out / "report-manifest.json").read_text(encoding="utf-8"))
    assert manifest["about"] == "test"
    assert manifest["outputs"] == {"command": "report", "lang": "zh", "files": [
        {"path": "fig/chart.svg", "sha256": hashlib.sha256(b"<svg/>").hexdigest(), "bytes": 6},
        {"path": "t.csv", "sha256": hashlib.sha256(b"unit,score\nA,1.5\nB,2.0\n").hexdigest(), "bytes": 23},
    ]}


def test_an_exception_changes_nothing(tmp_path):
    out = tmp_path / "out"
    write_two(out)
    before = snapshot(out)
    with pytest.raises(KeyboardInterrupt):
        with output_folder(out) as f:
            f.write_text("a.txt", "new\n")
            raise KeyboardInterrupt
    assert snapshot(out) == before
    assert siblings(out) == [".out.zhishu-lock"]


def test_an_exception_inside_open_path_leaves_no_partial_file(tmp_path):
    out = tmp_path / "out"
    with output_folder(out) as f:
        with pytest.raises(RuntimeError):
            with f.open_path("half.csv") as p:
                p.write_text("unit,ye")
                raise RuntimeError("disk on fire")
        f.write_text("ok.txt", "ok")
    assert listing(out) == ["manifest.json", "ok.txt"]


def test_a_new_run_replaces_the_previous_set_whole(tmp_path):
    """The previous run's files that the new run does not write are gone, not left beside the new ones."""
    out = tmp_path / "out"
    with output_folder(out) as f:
        f.write_text("analysis-old.csv", "x\n")
        f.write_text("scores.csv", "old\n")
    with output_folder(out) as f:
        f.write_text("scores.csv", "new\n")
    assert listing(out) == ["manifest.json", "scores.csv"]
    assert (out / "scores.csv").read_text() == "new\n"


def test_the_fallback_swap_without_rename_exchange(tmp_path, monkeypatch):
    import zhishu.outputs as outputs

    monkeypatch.setattr(outputs, "exchange", lambda a, b: False)
    out = tmp_path / "out"
    write_two(out)
    with output_folder(out) as f:
        f.write_text("b.txt", "B")
    assert listing(out) == ["b.txt", "manifest.json"]
    assert siblings(out) == [".out.zhishu-lock"]


def test_a_folder_renamed_away_by_a_killed_fallback_swap_is_restored(tmp_path):
    out = tmp_path / "out"
    write_two(out)
    before = snapshot(out)
    out.rename(tmp_path / ".out.zhishu-old-4242-abcd")  # what a kill between the two renames leaves
    (tmp_path / ".out.zhishu-staging-4242-ef01").mkdir()
    with pytest.raises(RuntimeError), output_folder(out):
        raise RuntimeError
    assert snapshot(out) == before
    assert siblings(out) == [".out.zhishu-lock"]


def test_stale_staging_folders_are_removed(tmp_path):
    out = tmp_path / "out"
    write_two(out)
    for name in (".out.zhishu-staging-999999-0000", ".out.zhishu-staging-1-ffff", ".out.zhishu-old-2-aaaa"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "scores.csv").write_text("6.5 MB of a killed run")
    (tmp_path / ".other.zhishu-staging-3-bbbb").mkdir()  # another folder's: not ours to touch
    write_two(out)
    assert siblings(out) == [".out.zhishu-lock"]
    assert (tmp_path / ".other.zhishu-staging-3-bbbb").is_dir()


# --------------------------------------------------------------------------------------------- refusals


def test_refuses_a_folder_with_files_zhishu_did_not_write(tmp_path):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_text("months of work")
    with pytest.raises(OutputError, match=r"holds files that zhishu did not write \(chapter1.docx\) and no zhishu "
                                          r"manifest.*choose a new or empty folder with -o") as info:
        write_two(out)
    assert str(out) in str(info.value)
    assert listing(out) == ["chapter1.docx"]
    assert siblings(out) == [".thesis.zhishu-lock"]


def test_an_empty_folder_is_used(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    write_two(out)
    assert listing(out) == ["a.txt", "manifest.json", "sub/t.csv"]


def test_refuses_files_the_manifest_does_not_list(tmp_path):
    out = tmp_path / "out"
    write_two(out)
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"holds files its manifest does not list \(notes.txt\)"):
        write_two(out)
    assert (out / "notes.txt").read_text() == "mine"


def test_refuses_another_commands_outputs(tmp_path):
    out = tmp_path / "out"
    write_two(out, command="run")
    with pytest.raises(OutputError, match=r"holds the outputs of `zhishu run`; `zhishu sensitivity` replaces the "
                                          r"whole folder.*-o \(e.g. .*out-sensitivity\)"):
        write_two(out, command="sensitivity")
    assert (out / "manifest.json").is_file()


def test_a_folder_of_an_earlier_zhishu_version_is_replaced(tmp_path):
    """Before output folders, manifest.json listed no files; such a folder is zhishu's and is replaced whole."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"zhishu_version": "0.1.0"}))
    (out / "results.xlsx").write_text("old workbook")
    write_two(out)
    assert listing(out) == ["a.txt", "manifest.json", "sub/t.csv"]


def test_refuses_a_folder_that_holds_an_input(tmp_path):
    out = tmp_path / "out"
    write_two(out)
    data = out / "sub" / "t.csv"
    with pytest.raises(OutputError, match=r"refusing to write into .*it holds .*t.csv, an input of this run"):
        write_two(out, protected=[data])
    assert data.read_text() == "x\n1\n2\n"


def test_refuses_to_write_over_a_protected_input(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("keep")
    with pytest.raises(OutputError, match="an input of this run"):
        with output_folder(tmp_path / "out", protected=[tmp_path / "out" / "x.csv"]) as f:
            f.write_text("x.csv", "overwritten")
    assert data.read_text() == "keep"


def test_refuses_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="is \\(or holds\\) the current folder"):
        write_two(Path("."))
    with pytest.raises(OutputError, match="current folder"):
        write_two(tmp_path.parent)


# --------------------------------------------------------------------------------------------- confinement


@pytest.mark.parametrize("name", ["../escaped.csv", "x/../../escaped.csv", "/tmp/escaped.csv", "", ".",
                                  "a/..", "sub/../../x", "nul\x00.csv"])
def test_names_cannot_leave_the_folder(tmp_path, name):
    out = tmp_path / "deep" / "out"
    with pytest.raises(OutputError, match="would land outside the output folder"):
        with output_folder(out) as f:
            f.write_text(name, "escaped")
    assert not out.exists()
    assert [p for p in listing(tmp_path) if "escaped" in p] == []


def test_a_write_error_is_a_user_error(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(OutputError, match=r"cannot write to output folder .*File name too long"):
        with output_folder(out) as f:
            f.write_text("x" * 300 + ".csv", "x")
    assert not out.exists()


def test_a_symlink_inside_the_staging_folder_cannot_lead_out(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="would land outside"):
        with output_folder(out) as f:
            (f.staging / "link").symlink_to(tmp_path)
            f.write_text("link/escaped.txt", "x")
    assert not (tmp_path / "escaped.txt").exists()


def test_an_analysis_named_to_escape_writes_nothing_outside(tmp_path):
    """Issue 8 item 3: ``[analyses."x/../../escaped"]`` must not write two folders up (checked at write time
    here; the config loader rejects the name earlier)."""
    result = zhishu.run(DEMO)
    table = pd.DataFrame({"unit": ["A"], "year": [2022]})
    evil = attrs.evolve(result, analyses={"x/../../escaped": table})
    out = tmp_path / "a" / "b" / "out"
    with pytest.raises(OutputError, match="would land outside the output folder"):
        write_result(evil, out)
    assert sorted(p.name for p in tmp_path.rglob("*escaped*")) == []
    assert not out.exists()


def test_the_legacy_writer_is_confined_too(tmp_path):
    writer = AtomicWriter(tmp_path / "out")
    with pytest.raises(OutputError, match="would land outside"):
        writer.write_text("../escaped.csv", "x")
    assert not (tmp_path / "escaped.csv").exists()


# --------------------------------------------------------------------------------------------- lock


def test_a_second_writer_into_the_same_folder_fails_at_once(tmp_path):
    out = tmp_path / "out"
    with output_folder(out) as f:
        f.write_text("a.txt", "first")
        with pytest.raises(OutputError, match=rf"output folder {out} is being written by another zhishu run "
                                              rf"\(process {os.getpid()}\); wait for it to finish"):
            with output_folder(out):
                pass
    assert listing(out) == ["a.txt", "manifest.json"]
    with output_folder(out) as f:  # released at the end
        f.write_text("b.txt", "second")
    assert listing(out) == ["b.txt", "manifest.json"]


# --------------------------------------------------------------------------------------------- umask


UMASK_SCRIPT = """
import os, sys
from pathlib import Path
os.umask(int(sys.argv[2], 8))
import pandas as pd
from zhishu.outputs import AtomicWriter, output_folder
out = Path(sys.argv[1])
with output_folder(out / "new") as f:
    f.write_csv("t.csv", pd.DataFrame({"x": [1]}))
    f.write_text("sub/a.txt", "a")
AtomicWriter(out / "legacy").write_text("b.txt", "b")
"""


@pytest.mark.parametrize(("umask", "file_mode", "dir_mode"), [("022", 0o644, 0o755), ("002", 0o664, 0o775),
                                                               ("077", 0o600, 0o700)])
def test_files_honour_the_umask(tmp_path, umask, file_mode, dir_mode):
    subprocess.run([sys.executable, "-c", UMASK_SCRIPT, str(tmp_path), umask], check=True)
    modes = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in tmp_path.rglob("*")}
    for name in ("new/t.csv", "new/sub/a.txt", "new/manifest.json", "legacy/b.txt"):
        assert modes[name] == file_mode, (name, oct(modes[name]))
    for name in ("new", "new/sub"):
        assert modes[name] == dir_mode, (name, oct(modes[name]))


# --------------------------------------------------------------------------------------------- -o errors


def test_output_folder_under_a_file(tmp_path, capsys):
    (tmp_path / "report.pdf").write_text("a file")
    out = tmp_path / "report.pdf" / "out"
    with pytest.raises(OutputError, match=r"cannot create output folder .*report.pdf/out .*: a part of that "
                                          r"path is a file, not a folder; choose another folder with -o"):
        write_two(out)
    assert main(["run", str(DEMO), "-o", str(out), "--top", "0"]) == 2
    err = capsys.readouterr().err
    assert f"error: cannot create output folder {out}" in err and "Traceback" not in err
    assert (tmp_path / "report.pdf").read_text() == "a file"


def test_output_folder_that_is_a_file(tmp_path, capsys):
    file = tmp_path / "out"
    file.write_text("I am a file")
    assert main(["run", str(DEMO), "-o", str(file), "--top", "0"]) == 2
    assert f"error: output folder {file} is a file; choose a folder with -o" in capsys.readouterr().err
    assert file.read_text() == "I am a file"


def test_output_folder_on_a_read_only_file_system_part(capsys):
    """sysfs refuses new entries even to root: a real read-only location for the error mapping."""
    base = Path("/sys/kernel")
    if not base.is_dir():
        pytest.skip("no /sys/kernel")
    out = base / "zhishu-test-out"
    with pytest.raises(OutputError, match=r"cannot lock output folder /sys/kernel/zhishu-test-out .*"
                                          r"the folder is read-only for zhishu; make it writable \(chmod u\+w /sys/kernel\)"):
        write_two(out)
    assert main(["run", str(DEMO), "-o", str(out), "--top", "0"]) == 2
    assert "read-only for zhishu" in capsys.readouterr().err


@pytest.fixture
def immutable(tmp_path):
    """``chattr +i``: a folder nobody, root included, can change; removed again afterwards."""
    made = []

    def make(path: Path) -> Path:
        try:
            subprocess.run(["chattr", "+i", str(path)], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            pytest.skip(f"chattr +i is not available here: {exc}")
        made.append(path)
        return path

    yield make
    for path in made:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def test_output_folder_in_a_read_only_folder(tmp_path, immutable, capsys):
    parent = tmp_path / "locked"
    parent.mkdir()
    immutable(parent)
    out = parent / "out"
    with pytest.raises(OutputError, match=r"cannot lock output folder .*Operation not permitted\): the folder is "
                                          r"read-only for zhishu"):
        write_two(out)
    assert main(["run", str(DEMO), "-o", str(out), "--top", "0"]) == 2
    assert "read-only for zhishu" in capsys.readouterr().err


def test_a_read_only_output_folder_is_left_as_it_was(tmp_path, immutable):
    out = tmp_path / "out"
    write_two(out)
    before = snapshot(out)
    immutable(out)
    with pytest.raises(OutputError, match=r"cannot replace output folder .*read-only for zhishu"):
        write_two(out)
    assert snapshot(out) == before
    assert siblings(out) == [".out.zhishu-lock"]


def test_the_cli_writes_only_inside_o(tmp_path):
    """End to end: the run's files, the manifest, and nothing else anywhere."""
    shutil.copy(DEMO, tmp_path / "demo.toml")
    text = (tmp_path / "demo.toml").read_text(encoding="utf-8")
    (tmp_path / "demo.toml").write_text(text.replace("../examples/", f"{ROOT}/examples/"), encoding="utf-8")
    assert main(["run", str(tmp_path / "demo.toml"), "-o", str(tmp_path / "o"), "--top", "0"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".o.zhishu-lock", "demo.toml", "o"]
