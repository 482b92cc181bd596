"""Progress bars for long work: a tqdm bar on stderr when stderr is a terminal, nothing otherwise.

One helper for every long command (``zhishu run``'s stages, the sensitivity replications, and plugin commands
such as audits and reports): a pipe, a log file or a notebook cell never receives control characters, and
Python callers get no output unless they ask for it (``enabled=True``). A bar may wait ``delay`` seconds before
it first appears, so that quick work (small data) shows nothing even on a terminal.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

#: the bar's layout: ``[#####.....] 4/10 replications, 00:02 elapsed, 00:03 left``
BAR_FORMAT = "{desc}[{bar:30}] {n_fmt}/{total_fmt} {unit}, {elapsed} elapsed, {remaining} left"


def is_terminal(stream: TextIO | None) -> bool:
    """True when ``stream`` is an interactive terminal (a TTY); False for pipes, files and StringIO."""
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _screen(stream: TextIO) -> tuple[int, int]:
    """(columns, rows) of the terminal, or a wide and tall screen when it reports none: a fresh pseudo-terminal
    is 0 × 0, and tqdm would then draw an empty line."""
    try:
        size = os.get_terminal_size(stream.fileno())
        columns, rows = size.columns, size.lines
    except (AttributeError, ValueError, OSError):
        columns = rows = 0
    return (columns if columns > 0 else 200), (rows if rows > 0 else 24)


class Progress:
    """A one-line progress bar of ``total`` steps of ``unit`` (e.g. "replications", "stages").

    :param enabled: True: always draw; False: never; None: only when ``stream`` is a terminal.
    :param stream: where to draw (default: ``sys.stderr``, looked up when the bar is made).
    :param delay: seconds of work before the bar first appears (0: at once).

    ``update(n)`` advances it, ``stage(name)`` names the current step, ``close()`` ends the line; ``done``
    counts the steps whether or not the bar is drawn. Also a context manager.
    """

    def __init__(self, total: int, enabled: bool | None = None, stream: TextIO | None = None, *,
                 unit: str = "replications", desc: str = "", delay: float = 0.0):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = is_terminal(self.stream) if enabled is None else bool(enabled)
        self.total = total
        self.done = 0
        self._bar = None
        if self.enabled:
            from tqdm import tqdm  # only when a bar is drawn: a pipe or a Python caller never needs it

            columns, rows = _screen(self.stream)
            self._bar = tqdm(total=total, file=self.stream, unit=unit, desc=desc, bar_format=BAR_FORMAT,
                             ascii=".#", mininterval=0.1, delay=delay, leave=True, ncols=columns, nrows=rows)

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)

    def stage(self, name: str) -> None:
        """Show ``name`` (the step now running) before the bar."""
        if self._bar is not None:
            self._bar.set_description_str(f"{name} ", refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
