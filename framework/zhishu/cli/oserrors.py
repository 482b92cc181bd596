"""A file the command could not read or write is the user's to fix: say which path and what to do."""

from __future__ import annotations

import errno
import re
from pathlib import Path

#: a temporary file written beside an output before it is moved into place (``.scores.csv.k2j3.tmp``)
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.[^.]+\.tmp$")


def describe(exc: OSError) -> str:
    """``path: what went wrong; what to do`` for an :class:`OSError` that names a file."""
    path = Path(str(exc.filename))
    temporary = _TEMPORARY.match(path.name)
    if temporary:  # name the output, not the temporary file it was being written through
        path = path.with_name(temporary["name"])
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        if path.is_dir():
            return (f"{path}: permission denied for this folder; make it readable and writable for you "
                    "(chmod u+rwx) or choose another folder")
        if path.exists():
            return (f"{path}: permission denied; make the file readable for you (chmod u+r) or copy it somewhere "
                    "readable")
        return (f"{path.parent}: permission denied creating {path.name} in this folder; make the folder writable for "
                "you (chmod u+w) or choose another output folder (-o OUTDIR)")
    if exc.errno == errno.EROFS:
        return f"{path}: the file system is read-only; write the outputs somewhere else (-o OUTDIR)"
    if isinstance(exc, NotADirectoryError):
        return (f"{path}: a part of this path is a file, not a folder; choose a path whose parents are all "
                "folders")
    if isinstance(exc, IsADirectoryError):
        return f"{path}: is a folder, where a file was expected; give the path of a file"
    if isinstance(exc, FileNotFoundError):
        return f"{path}: no such file or folder; check the path"
    if exc.errno == errno.ENOSPC:
        return f"{path}: no space left on the device; free some space or write somewhere else"
    return f"{path}: {exc.strerror or exc}"
