"""Confine the data files a config may read to a folder (``--data-root DIR``, ``[index] data_root``).

A config is code-free but not sandboxed: without a data root its sources may name any readable file. With one
(or several: the command line's and the config's), every file a source reads must resolve — symbolic links
followed — to a path inside each root; any other is a :class:`~zhishu.errors.DataError` naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .errors import DataError, Issue, quote


def resolve_root(root: str | os.PathLike, base: Path) -> Path:
    """``root`` (relative to ``base``) as an absolute path with symbolic links resolved."""
    return (base / Path(root).expanduser()).resolve()


def outside(path: Path, roots: Iterable[Path]) -> Path | None:
    """The first of ``roots`` that ``path`` (resolved, links followed) is not inside, or ``None``."""
    real = Path(path).resolve()
    for root in roots:
        if real != root and root not in real.parents:
            return root
    return None


def check_inside(path: Path, roots: Iterable[Path], written: str | os.PathLike | None = None) -> None:
    """Raise :class:`DataError` when ``path`` is outside one of ``roots`` (nothing when there are none)."""
    root = outside(path, roots)
    if root is None:
        return
    shown = quote(str(written if written is not None else path), 120)
    real = Path(path).resolve()
    resolves = "" if str(real) == str(written if written is not None else path) else f" (it resolves to {real})"
    raise DataError([Issue(
        f"{shown}{resolves} is outside the data root {root}: sources may read files only inside it "
        "(--data-root or [index] data_root); move the file there, or choose another data root",
        file=str(path),
    )])


__all__ = ["check_inside", "outside", "resolve_root"]
