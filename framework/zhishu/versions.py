"""Installed distributions' entry points, names and versions, without :mod:`importlib.metadata` where the
installation is plain folders.

``importlib.metadata`` costs a process ~10 ms to import (it brings the ``email`` package), reads and parses
every distribution's ``entry_points.txt`` to find one group's, and parses a distribution's whole ``METADATA``
file with the e-mail parser to give one field (pandas' carries its long description). When the only
distribution finder is the standard path finder and every ``sys.path`` entry is a folder (or absent), this
module finds the same ``*.dist-info`` / ``*.egg-info`` folders in the same order as ``importlib.metadata``
does (its ``FastPath``/``Lookup`` search), reads only the files that name the group, and reads only the
headers it needs; in any other set-up (zip files on ``sys.path``, another finder that knows distributions)
it asks ``importlib.metadata`` itself. ``tests/framework/test_versions.py`` compares both on this
installation.
"""

from __future__ import annotations

import functools
import os
import pathlib
import re
import sys
from importlib import import_module
from importlib.machinery import PathFinder
from typing import Any

__all__ = ["EntryPoint", "Folder", "PackageNotFoundError", "entry_points", "headers", "version"]


class PackageNotFoundError(ModuleNotFoundError):
    """No installed distribution of this name (as ``importlib.metadata.PackageNotFoundError``, which is not
    imported to define it)."""

    def __str__(self) -> str:
        return f"No package metadata was found for {self.name}"

    @property
    def name(self) -> str:  # type: ignore[override]
        (name,) = self.args
        return name


class Folder:
    """A distribution installed as a metadata folder (what ``importlib.metadata.PathDistribution`` reads)."""

    __slots__ = ("_path",)

    def __init__(self, path: pathlib.Path):
        self._path = path

    @property
    def metadata(self):
        """The whole metadata (``importlib.metadata``'s parse), for headers this module does not read."""
        import importlib.metadata as md

        return md.PathDistribution(self._path).metadata

    def read_text(self, filename: str) -> str | None:
        try:
            return self._path.joinpath(filename).read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError, KeyError, NotADirectoryError, PermissionError):
            return None

    def __repr__(self) -> str:
        return f"Folder({str(self._path)!r})"


class EntryPoint:
    """One entry point: ``name = value`` in ``group``; :meth:`load` imports it as ``importlib.metadata`` does."""

    __slots__ = ("name", "value", "group")

    pattern = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")

    def __init__(self, name: str, value: str, group: str):
        self.name, self.value, self.group = name, value, group

    def load(self) -> Any:
        match = self.pattern.match(self.value)
        module = import_module(match.group("module"))
        attrs = filter(None, (match.group("attr") or "").split("."))
        return functools.reduce(getattr, attrs, module)


def headers(dist: Any, *fields: str) -> dict[str, str]:
    """The first value of each of ``fields`` (header names, any case) among ``dist``'s metadata headers, as
    ``dist.metadata[field]`` gives it; a field that is not there is left out."""
    wanted = {f.lower(): f for f in fields}
    path = getattr(dist, "_path", None)
    for name in ("METADATA", "PKG-INFO") if isinstance(path, pathlib.Path) else ():  # importlib.metadata's order
        found: dict[str, str] = {}
        try:
            with open(path / name, encoding="utf-8") as fh:
                empty = True
                for line in fh:
                    empty = False
                    if line in ("\n", "\r\n") or len(found) == len(wanted):  # the end of the headers
                        return found
                    key, sep, value = line.partition(":")
                    field = wanted.get(key.lower()) if sep and not line[:1].isspace() else None
                    if field is not None and field not in found:
                        found[field] = value.lstrip(" \t").rstrip("\r\n")
            if not empty:  # an empty file is skipped, as importlib.metadata skips it
                return found
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
            continue
        except (OSError, UnicodeDecodeError):
            break
    meta = dist.metadata
    return {f: meta[f] for f in fields if meta[f] is not None}


def entry_points(group: str) -> list[tuple[Any, EntryPoint]]:
    """``(distribution, entry point)`` for every entry point of ``group``, in the order of
    ``importlib.metadata.distributions()`` and of each distribution's ``entry_points.txt``."""
    folders = _folders(None)
    if folders is None:
        import importlib.metadata as md

        return [(dist, ep) for dist in list(md.distributions()) for ep in dist.entry_points if ep.group == group]
    found = []
    for folder in folders:
        text = folder.read_text("entry_points.txt")
        if text and group in text:  # most distributions' files do not name the group at all
            found.extend((folder, ep) for ep in _parse_entry_points(text) if ep.group == group)
    return found


@functools.cache
def version(name: str) -> str:
    """The version of the installed distribution ``name``, as ``importlib.metadata.version(name)`` gives it;
    :class:`PackageNotFoundError` when it is not installed."""
    folders = _folders(name) if name else None
    if folders is None:  # not plain folders (or no name: importlib.metadata's own ValueError)
        import importlib.metadata as md

        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            raise PackageNotFoundError(name) from None
        return headers(dist, "Version").get("Version") or dist.version
    if not folders:
        raise PackageNotFoundError(name)
    return headers(folders[0], "Version").get("Version") or folders[0].metadata["Version"]


# --------------------------------------------------------------------------------------------- the search


def _folders(name: str | None) -> list[Folder] | None:
    """The metadata folders of every distribution (``name`` None) or of ``name``, in ``importlib.metadata``'s
    order; None when the installation is not plain folders, so that ``importlib.metadata`` must answer."""
    finders = [f for f in sys.meta_path if getattr(f, "find_distributions", None) is not None]
    if finders != [PathFinder]:
        return None
    out: list[Folder] = []
    for root in sys.path:
        found = _lookup(root)
        if found is None:
            return None
        infos, eggs = found
        if name is None:
            out.extend(Folder(p) for paths in infos.values() for p in paths)
            out.extend(Folder(p) for paths in eggs.values() for p in paths)
        else:
            out.extend(Folder(p) for p in infos.get(_normalize(name), ()))
            out.extend(Folder(p) for p in eggs.get(name.lower().replace("-", "_"), ()))
    return out


def _lookup(root: str) -> tuple[dict[str, list[pathlib.Path]], dict[str, list[pathlib.Path]]] | None:
    """``importlib.metadata``'s ``Lookup`` of one ``sys.path`` entry: dist-info and egg-info folders by
    normalised name, in ``os.listdir`` order; None for an entry that is a file (a zip: not searched here).
    Kept while the entry's modification time stays the same, as ``importlib.metadata``'s ``FastPath`` keeps
    its lookups (an install or uninstall changes the folder's time); the caller must not change it."""
    try:
        mtime = os.stat(root or ".").st_mtime_ns
    except OSError:
        mtime = None
    return _lookup_at(root, mtime)


@functools.lru_cache(maxsize=None)
def _lookup_at(root: str, mtime: int | None):
    """:func:`_lookup` of ``root`` as it is at ``mtime``."""
    try:
        children = os.listdir(root or ".")
    except Exception:  # noqa: BLE001 - as importlib.metadata: an entry that cannot be listed is skipped …
        if os.path.isfile(root or "."):  # … unless it is a zip file, whose metadata importlib.metadata reads
            return None
        children = []
    base = os.path.basename(root).lower()
    base_is_egg = base.endswith(".egg")
    infos: dict[str, list[pathlib.Path]] = {}
    eggs: dict[str, list[pathlib.Path]] = {}
    for child in children:
        low = child.lower()
        if low.endswith((".dist-info", ".egg-info")):
            infos.setdefault(_normalize(low.rpartition(".")[0].partition("-")[0]), []).append(
                pathlib.Path(root, child))
        elif base_is_egg and low == "egg-info":
            name = base.rpartition(".")[0].partition("-")[0]
            eggs.setdefault(name.lower().replace("-", "_"), []).append(pathlib.Path(root, child))
    return infos, eggs


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _parse_entry_points(text: str) -> list[EntryPoint]:
    """The entry points of an ``entry_points.txt``, read as ``importlib.metadata`` reads it."""
    out = []
    group = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line.strip("[]")
            continue
        if group is not None:
            name, value = line.split("=", 1)
            out.append(EntryPoint(name.strip(), value.strip(), group))
    return out
