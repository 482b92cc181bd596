"""How many problems an error lists one by one, and how it names the cell of a (unit, year) frame.

Shared by every built-in component so that all messages look alike; public (``zhishu.MAX_LISTED``,
``zhishu.cell_location``) so that plugins' messages can look the same.
"""

from __future__ import annotations

#: at most this many offending cells (or rows) are listed one by one in an error; then "… and N more"
MAX_LISTED = 10

#: at most this many names are listed in an "unknown name … available: …" message
MAX_LISTED_NAMES = 20


def cell_location(label) -> str:
    """A row label of a (unit, year) frame as a message says it: ``unit 'Beijing', year 2020`` (or only the
    unit when the label is not a (unit, year) pair)."""
    if isinstance(label, tuple) and len(label) == 2:
        return f"unit {label[0]!r}, year {label[1]}"
    return f"unit {label!r}"
