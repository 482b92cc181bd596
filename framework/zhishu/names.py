"""One rule for names that become file names (analyses, exporters, report parts, sensitivity outputs).

A config's table keys end up in output file names (``analysis-<name>.csv``), so a key such as
``"x/../../escaped"`` must never reach the file system. :func:`check_name` accepts a name when it is safe as
one path component on every platform we support:

* 1 to :data:`MAX_LENGTH` characters;
* letters and digits of any script (ASCII, CJK …), ``-``, ``_``, ``.`` and spaces inside the name;
* no path separator (``/`` or ``\\``), no ``..``, no leading dot, no leading or trailing space;
* no control characters and none of ``<>:"|?*`` (forbidden on Windows);
* not a reserved Windows device name (``CON``, ``NUL``, ``COM1`` …, with or without an extension).
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 100

#: Windows device names, forbidden as a file name whatever the extension.
RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"COM{i}" for i in range(1, 10)] + [f"LPT{i}" for i in range(1, 10)]
)

HOW = 'use letters, digits, "-" or "_"'

_FORBIDDEN = '<>:"|?*'


def check_name(name: object) -> str | None:
    """``None`` when ``name`` may become a file name; otherwise the reason, e.g. ``'contains "/"'``."""
    if not isinstance(name, str):
        return f"must be a string, not {type(name).__name__}"
    if not name:
        return "is empty"
    if len(name) > MAX_LENGTH:
        return f"is {len(name)} characters long (at most {MAX_LENGTH})"
    for sep in ("/", "\\"):
        if sep in name:
            return f'contains "{sep}"'
    if ".." in name:
        return 'contains ".."'
    if name.startswith("."):
        return 'starts with "."'
    if name != name.strip():
        return "starts or ends with a space"
    for ch in name:
        if ch in _FORBIDDEN:
            return f'contains "{ch}"'
        category = unicodedata.category(ch)
        if category.startswith("C"):
            return f"contains the control character U+{ord(ch):04X}"
        if not (category[0] in "LN" or ch in "-_. "):
            return f"contains {ch!r}"
    if re.split(r"[.]", name, maxsplit=1)[0].upper() in RESERVED:
        return f"is a reserved device name on Windows ({name.split('.')[0]})"
    return None


def name_problem(name: object) -> str | None:
    """:func:`check_name`'s reason as a full message ending with how to fix it (``None`` if the name is safe)."""
    reason = check_name(name)
    return None if reason is None else f"not a safe file name: {reason}; {HOW}"


__all__ = ["MAX_LENGTH", "check_name", "name_problem"]
