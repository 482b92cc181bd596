"""Output folders: all-or-nothing, locked, confined to ``-o``, never over an input.

``output_folder(outdir, protected, command)`` is how every command writes files. It

- takes a lock beside the folder (``.OUTDIR.zhishu-lock``, ``fcntl.flock``): a second run into the same folder
  fails at once with :class:`OutputError`;
- repairs what a killed run left (a half-done fallback swap, stale staging folders);
- refuses a folder holding files zhishu did not write (no manifest), another command's outputs, or an input;
- writes into a staging folder beside ``-o`` (``.OUTDIR.zhishu-staging-<pid>-<random>``), then writes the
  manifest listing every file with its SHA-256 and swaps the staging folder in with one
  ``renameat2(RENAME_EXCHANGE)`` — at every instant ``-o`` holds one complete set, the previous or the new.
  Where the file system lacks RENAME_EXCHANGE, the old folder is renamed away first and the next run restores it
  if the process died between the two renames. ``docs/architecture.md`` explains the design.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from .errors import OutputError

STAGING, OLD, LOCK = "zhishu-staging", "zhishu-old", "zhishu-lock"
_SHOWN = 5  # how many file names an error lists


def manifest_name(command: str) -> str:
    """The manifest file of a command's output folder: ``manifest.json`` for ``run``, else ``<command>-manifest.json``."""
    return "manifest.json" if command == "run" else f"{command}-manifest.json"


class OutputFolder:
    """The files of one command, written into a staging folder and swapped in as a whole by :func:`output_folder`.

    :ivar outdir: the folder the files will be in (``-o``, resolved).
    :ivar staging: where they are written until the swap.
    :ivar written: the final path of each file written, in order (the manifest last, after the swap).
    :ivar manifest: what the command records in the manifest besides the file list (its provenance).
    :ivar details: extra facts for the manifest's ``outputs`` section (e.g. ``round``).
    """

    def __init__(self, outdir: Path, staging: Path, protected: set[Path], command: str, manifest: str):
        self.outdir = outdir
        self.staging = staging
        self.protected = protected
        self.command = command
        self.manifest_file = manifest
        self.manifest: dict = {}
        self.details: dict = {}
        self.written: list[Path] = []

    def protect(self, paths: Iterable[str | os.PathLike]) -> None:
        """Add inputs that must never be overwritten (checked on every write and before the swap)."""
        self.protected |= {Path(p).resolve() for p in paths}

    def _relative(self, name: str) -> Path:
        """``name`` as a path inside the folder, or OutputError when it would land outside it."""
        text = os.fspath(name)
        rel = Path(text)
        try:
            staged = (self.staging / rel).resolve()
        except (ValueError, OSError):  # an embedded NUL, a loop of links
            staged = self.staging
        if not text or rel.is_absolute() or ".." in rel.parts or staged == self.staging \
                or not staged.is_relative_to(self.staging):
            raise OutputError(f"refusing to write {text[:200]!r}: it would land outside the output folder "
                              f"{self.outdir}; output names must be relative paths inside it")
        return staged.relative_to(self.staging)

    def target(self, name: str) -> Path:
        """The path ``name`` will have in ``outdir`` after the swap (checked: inside the folder, not an input)."""
        rel = self._relative(name)
        path = self.outdir / rel
        if path.resolve() in self.protected:
            raise OutputError(
                f"refusing to write {path}: it is an input of this run (the config or a data file); "
                "choose another output folder with -o"
            )
        if rel == Path(self.manifest_file):
            raise OutputError(f"refusing to write {path}: zhishu writes the manifest itself")
        return path

    @contextlib.contextmanager
    def open_path(self, name: str) -> Iterator[Path]:
        """A path in the staging folder to write ``name`` to; removed again if the block raises."""
        final = self.target(name)
        path = self.staging / final.relative_to(self.outdir)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            yield path
        except OSError as exc:  # disk full, a name too long …: the user's to fix, not a bug
            with contextlib.suppress(OSError):
                path.unlink()
            raise _os_error(exc, str(self.outdir), "write to") from exc
        except BaseException:
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        if not path.is_file():
            raise OutputError(f"nothing was written to {final}")
        self.written.append(final)

    def write_text(self, name: str, text: str) -> Path:
        with self.open_path(name) as path:
            path.write_text(text, encoding="utf-8")
        return self.written[-1]

    def write_csv(self, name: str, frame: pd.DataFrame) -> Path:
        with self.open_path(name) as path:
            _write_csv(path, frame)
        return self.written[-1]

    def write_json(self, name: str, data) -> Path:
        return self.write_text(name, _json(data))

    # ---- commit

    def _write_manifest(self) -> None:
        files = []
        for path in sorted(p for p in self.staging.rglob("*") if p.is_file() or p.is_symlink()):
            rel = path.relative_to(self.staging).as_posix()
            if path.is_symlink():
                raise OutputError(f"refusing to publish {self.outdir / rel}: it is a symbolic link")
            files.append({"path": rel, "sha256": _sha256_and_sync(path), "bytes": path.stat().st_size})
        outputs = {"command": self.command, **self.details, "files": files}
        path = self.staging / self.manifest_file
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(_json({**self.manifest, "outputs": outputs}))
            fh.flush()
            os.fsync(fh.fileno())
        for folder in [self.staging, *(p for p in self.staging.rglob("*") if p.is_dir())]:
            _fsync_dir(folder)
        self.written.append(self.outdir / self.manifest_file)


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    """``frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\\n")``, byte for byte, faster
    (:mod:`zhishu.csvtext`)."""
    from .csvtext import write_csv

    with open(path, "w", encoding="utf-8", newline="") as fh:
        write_csv(frame, fh)


def _json(data) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=2, default=str)`` and a final newline (:mod:`zhishu.jsontext`)."""
    from .jsontext import dumps

    return dumps(data) + "\n"


def _sha256_and_sync(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
        os.fsync(fh.fileno())
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------- the swap

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _load_renameat2():
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not glibc ≥ 2.28, or not Linux
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_renameat2 = _load_renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths (``renameat2(RENAME_EXCHANGE)``); False when the system cannot."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(staging: Path, outdir: Path) -> None:
    """Make ``staging`` the folder at ``outdir``; the previous folder (if any) is removed afterwards."""
    if not outdir.exists():
        os.rename(staging, outdir)
        return
    if exchange(staging, outdir):  # staging now holds the previous outputs
        _fsync_dir(outdir.parent)
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = _sibling(outdir, OLD)  # fallback: two renames; a kill between them is repaired by _recover
    os.rename(outdir, old)
    os.rename(staging, outdir)
    _fsync_dir(outdir.parent)
    shutil.rmtree(old, ignore_errors=True)


def _sibling(outdir: Path, kind: str) -> Path:
    return outdir.parent / f".{outdir.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _leftovers(outdir: Path, kind: str) -> list[Path]:
    prefix = f".{outdir.name}.{kind}-"
    return sorted(p for p in outdir.parent.iterdir() if p.name.startswith(prefix) and p.is_dir())


def _recover(outdir: Path) -> None:
    """Under the lock: undo a fallback swap cut short (folder renamed away, new one not yet in) and delete the
    staging folders of runs that died. No live run can own them: it would hold the lock."""
    olds = _leftovers(outdir, OLD)
    if olds and not outdir.exists():
        newest = max(olds, key=lambda p: p.stat().st_mtime)
        os.rename(newest, outdir)
        olds.remove(newest)
    for stale in [*olds, *_leftovers(outdir, STAGING)]:
        shutil.rmtree(stale, ignore_errors=True)


# --------------------------------------------------------------------------------------------- checks


def _os_error(exc: OSError, display: str, doing: str) -> OutputError:
    where = exc.filename or display
    reason = exc.strerror or str(exc)
    if isinstance(exc, NotADirectoryError) or exc.errno == errno.ENOTDIR:
        fix = "a part of that path is a file, not a folder; choose another folder with -o"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        folder = where if os.path.isdir(where) else os.path.dirname(where) or "."
        fix = f"the folder is read-only for zhishu; make it writable (chmod u+w {folder}) or choose another folder with -o"
    elif exc.errno == errno.ENOSPC:
        fix = "the disk is full; free some space or choose another folder with -o"
    else:
        fix = "choose another folder with -o"
    return OutputError(f"cannot {doing} output folder {display} ({where}: {reason}): {fix}")


def _zhishu_commands(folder: Path) -> dict[str, set[str] | None]:
    """The commands whose manifest is in ``folder``, each with the files it lists (None: an older manifest that
    lists none)."""
    found: dict[str, set[str] | None] = {}
    for path in folder.iterdir():
        if not path.is_file() or not (path.name == "manifest.json" or path.name.endswith("-manifest.json")):
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        outputs = data.get("outputs")
        if isinstance(outputs, dict) and isinstance(outputs.get("command"), str):
            files = {f.get("path") for f in outputs.get("files", []) if isinstance(f, dict)}
            found[outputs["command"]] = files | {path.name}
        elif path.name == "manifest.json" and "zhishu_version" in data:
            found["run"] = None
        elif path.name == "sensitivity-manifest.json" and "sensitivity" in data:
            found["sensitivity"] = None
    return found


def _names(paths: list[str]) -> str:
    shown = ", ".join(sorted(paths)[:_SHOWN])
    return shown + (f" and {len(paths) - _SHOWN} more" if len(paths) > _SHOWN else "")


def _check_replaceable(outdir: Path, display: str, command: str) -> None:
    """The folder at ``-o`` is replaced as a whole: only when it is empty or holds exactly this command's outputs."""
    if not outdir.exists():
        return
    try:
        entries = [p.relative_to(outdir).as_posix() for p in outdir.rglob("*") if not p.is_dir()]
    except OSError as exc:
        raise _os_error(exc, display, "read") from None
    if not entries:
        return
    found = _zhishu_commands(outdir)
    fix = "choose a new or empty folder with -o, or move those files away"
    if not found:
        raise OutputError(f"output folder {display} holds files that zhishu did not write ({_names(entries)}) and "
                          f"no zhishu manifest; zhishu replaces the whole folder, so it will not delete them: {fix}")
    others = sorted(c for c in found if c != command)
    if others:
        listed = " and ".join(f"`zhishu {c}`" for c in others)
        raise OutputError(f"output folder {display} holds the outputs of {listed}; `zhishu {command}` replaces the "
                          f"whole folder, so it will not delete them: choose another folder with -o "
                          f"(e.g. {display.rstrip('/')}-{command})")
    listed = found[command]
    if listed is not None:
        unlisted = [e for e in entries if e not in listed]
        if unlisted:
            raise OutputError(f"output folder {display} holds files its manifest does not list ({_names(unlisted)}); "
                              f"zhishu replaces the whole folder, so it will not delete them: {fix}")


def _check_no_input_inside(outdir: Path, protected: set[Path], display: str) -> None:
    for path in sorted(protected):
        if path.is_relative_to(outdir):
            raise OutputError(f"refusing to write into {display}: it holds {path}, an input of this run, and zhishu "
                              "replaces the whole output folder; choose another output folder with -o")


@contextlib.contextmanager
def _locked(outdir: Path, display: str) -> Iterator[None]:
    lock = outdir.parent / f".{outdir.name}.{LOCK}"
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise _os_error(exc, display, "lock") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            who = f" (process {holder})" if holder.isdigit() else ""
            raise OutputError(f"output folder {display} is being written by another zhishu run{who}; wait for it "
                              f"to finish or choose another folder with -o (lock file: {lock})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it would race with a waiting run)


@contextlib.contextmanager
def output_folder(outdir: str | os.PathLike, protected: Iterable[str | os.PathLike] = (),
                  command: str = "run") -> Iterator[OutputFolder]:
    """Write a command's files all-or-nothing into ``outdir``: on normal exit the manifest is written and the
    new folder swapped in; on an exception (or a kill) ``outdir`` keeps what it held."""
    display = os.fspath(outdir)
    target = Path(outdir).resolve()
    protected_set = {Path(p).resolve() for p in protected}
    cwd = None
    if target.parent == target:
        raise OutputError(f"output folder {display} is the root of the file system; choose a folder with -o")
    if target.exists() and not target.is_dir():
        raise OutputError(f"output folder {display} is a file; choose a folder with -o")
    if target in protected_set:
        raise OutputError(f"output folder {display} is an input file; choose a folder with -o")
    if target.is_dir() and not os.access(target, os.W_OK):  # the swap would replace a folder its owner made read-only
        raise _os_error(PermissionError(errno.EACCES, "permission denied", display), display, "replace")
    with contextlib.suppress(OSError):
        cwd = Path.cwd().resolve()
    if cwd is not None and cwd.is_relative_to(target):
        raise OutputError(f"output folder {display} is (or holds) the current folder, and zhishu replaces the "
                          "whole output folder; choose a sub-folder with -o, e.g. out")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        exc.errno = errno.ENOTDIR
        raise _os_error(exc, display, "create") from None
    except OSError as exc:
        raise _os_error(exc, display, "create") from None
    with _locked(target, display):
        try:
            _recover(target)
        except OSError as exc:
            raise _os_error(exc, display, "repair") from None
        _check_no_input_inside(target, protected_set, display)
        _check_replaceable(target, display, command)
        staging = _sibling(target, STAGING)
        try:
            staging.mkdir()
        except OSError as exc:
            raise _os_error(exc, display, "create") from None
        folder = OutputFolder(target, staging, protected_set, command, manifest_name(command))
        try:
            yield folder
            _check_no_input_inside(target, folder.protected, display)
            folder._write_manifest()
            try:
                _swap_in(staging, target)
            except OSError as exc:
                raise _os_error(exc, display, "replace") from None
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)


def current_umask() -> int:
    """The process's umask, read without changing it where Linux allows (``/proc/self/status``)."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        with open("/proc/self/status", encoding="ascii") as fh:
            return int(next(line for line in fh if line.startswith("Umask:")).split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class AtomicWriter:
    """The former writer, atomic per file only (a temporary file renamed into place); kept for callers not yet
    moved to :func:`output_folder`, which makes a whole run all-or-nothing."""

    def __init__(self, outdir: str | os.PathLike, protected: Iterable[str | os.PathLike] = ()):
        self.outdir = Path(outdir)
        self.protected = {Path(p).resolve() for p in protected}
        self.written: list[Path] = []
        if self.outdir.exists() and not self.outdir.is_dir():
            raise OutputError(f"output folder {self.outdir} is a file; choose a folder with -o")
        if self.outdir.resolve() in self.protected:
            raise OutputError(f"output folder {self.outdir} is an input file; choose a folder with -o")

    def target(self, name: str) -> Path:
        path = self.outdir / name
        resolved, root = path.resolve(), self.outdir.resolve()
        if Path(name).is_absolute() or resolved == root or not resolved.is_relative_to(root):
            raise OutputError(f"refusing to write {os.fspath(name)[:200]!r}: it would land outside the output "
                              f"folder {self.outdir}; output names must be relative paths inside it")
        if resolved in self.protected:
            raise OutputError(
                f"refusing to write {path}: it is an input of this run (the config or a data file); "
                "choose another output folder with -o"
            )
        return path

    @contextlib.contextmanager
    def open_path(self, name: str) -> Iterator[Path]:
        """A temporary path to write to; renamed to ``name`` when the block ends without an error."""
        final = self.target(name)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
        os.close(fd)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp creates 0600 whatever the umask
        try:
            yield Path(tmp)
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        self.written.append(final)

    def write_text(self, name: str, text: str) -> Path:
        with self.open_path(name) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return self.outdir / name

    def write_csv(self, name: str, frame: pd.DataFrame) -> Path:
        with self.open_path(name) as tmp:
            _write_csv(tmp, frame)
        return self.outdir / name

    def write_json(self, name: str, data) -> Path:
        return self.write_text(name, _json(data))


def result_inputs(result) -> list[Path]:
    """The files a run read (the config and every data file): never overwritten by its outputs."""
    protected = [Path(e["path"]) for e in result.manifest.get("inputs", [])]
    if result.plan.path is not None:
        protected.append(Path(result.plan.path))
    return protected


def write_result(result, outdir: str | os.PathLike | OutputFolder, exporters: Iterable = (),
                 round: int | None = None) -> list[Path]:
    """Write ``result`` with each exporter method (``plan.exporters`` by default) and ``manifest.json``, all or
    nothing. ``outdir`` is a folder path, or an open :class:`OutputFolder` (the CLI opens it before the run so
    that a second run into the same folder fails at once). ``round`` (default ``[output] round``) rounds every
    number in the tables to that many decimals after ranking."""
    if round is None:
        round = result.plan.config.output.round
    if round is not None:
        result = result.rounded(round)
    if isinstance(outdir, OutputFolder):
        _write_into(outdir, result, exporters, round)
        return outdir.written
    with output_folder(outdir, protected=result_inputs(result), command="run") as out:
        _write_into(out, result, exporters, round)
    return out.written


def _write_into(out: OutputFolder, result, exporters: Iterable, round: int | None) -> None:
    out.protect(result_inputs(result))
    for method in (list(exporters) or list(result.plan.exporters)):
        method.fresh().export(result, out.outdir, out)
    out.manifest.update(result.manifest)
    if round is not None:
        out.details["round"] = round
