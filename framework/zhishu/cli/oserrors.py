"""A file the command could not read or write is the user's to fix: say which path and what to do."""

from __future__ import annotations

import errno


def describe(exc: OSError) -> str:
    """``path: what went wrong; what to do`` for an :class:`OSError` that names a file."""
    path = exc.filename
    also = f" (and {exc.filename2})" if getattr(exc, "filename2", None) else ""
    where = f"{path}{also}"
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        return (f"{where}: permission denied; check the permissions of the file and of the folders above it "
                "(ls -l), or choose another path")
    if exc.errno == errno.EROFS:
        return f"{where}: the file system is read-only; write the outputs somewhere else (-o OUTDIR)"
    if isinstance(exc, NotADirectoryError):
        return (f"{where}: a part of this path is a file, not a folder; choose a path whose parents are all "
                "folders")
    if isinstance(exc, IsADirectoryError):
        return f"{where}: is a folder, where a file was expected; give the path of a file"
    if isinstance(exc, FileNotFoundError):
        return f"{where}: no such file or folder; check the path"
    if exc.errno == errno.ENOSPC:
        return f"{where}: no space left on the device; free some space or write somewhere else"
    return f"{where}: {exc.strerror or exc}"
