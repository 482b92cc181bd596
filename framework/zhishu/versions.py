"""Installed distributions' names and versions for manifests, without parsing whole metadata files.

``importlib.metadata`` parses a distribution's whole ``METADATA`` file with the e-mail parser to give one field
(pandas' carries its long description: about a millisecond each), and a run's manifest asks for a dozen
versions and every plugin's distribution. Name and version are headers near the top of that file, so these
functions read the headers only, and fall back to ``importlib.metadata`` for any other kind of distribution.
"""

from __future__ import annotations

import functools
from importlib.metadata import Distribution, PackageNotFoundError, distribution

__all__ = ["PackageNotFoundError", "headers", "version"]


def headers(dist: Distribution, *fields: str) -> dict[str, str]:
    """The first value of each of ``fields`` (header names, any case) among ``dist``'s metadata headers, as
    ``dist.metadata[field]`` gives it; a field that is not there is left out."""
    wanted = {f.lower(): f for f in fields}
    found: dict[str, str] = {}
    path = getattr(dist, "_path", None)
    if path is not None:
        try:
            with open(path / "METADATA", encoding="utf-8") as fh:
                for line in fh:
                    if line in ("\n", "\r\n") or len(found) == len(wanted):  # the end of the headers
                        return found
                    key, sep, value = line.partition(":")
                    field = wanted.get(key.lower()) if sep and not line[:1].isspace() else None
                    if field is not None and field not in found:
                        found[field] = value.lstrip(" \t").rstrip("\r\n")
            return found
        except (OSError, UnicodeDecodeError):
            pass
    meta = dist.metadata
    return {f: meta[f] for f in fields if meta[f] is not None}


@functools.cache
def version(name: str) -> str:
    """The version of the installed distribution ``name``, as ``importlib.metadata.version(name)`` gives it;
    :class:`~importlib.metadata.PackageNotFoundError` when it is not installed."""
    dist = distribution(name)
    return headers(dist, "Version").get("Version") or dist.version
