"""Writing a run's outputs: atomically (temporary file, then rename) and never over an input file."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from .errors import OutputError


class AtomicWriter:
    """Writes files into ``outdir``; each appears complete or not at all, and inputs are never overwritten."""

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
        if path.resolve() in self.protected:
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
            frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
        return self.outdir / name

    def write_json(self, name: str, data) -> Path:
        return self.write_text(name, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def write_result(result, outdir: str | os.PathLike, exporters: Iterable = ()) -> list[Path]:
    """Write ``result`` with each exporter method (``plan.exporters`` by default), then ``manifest.json``."""
    plan = result.plan
    protected = [Path(e["path"]) for e in result.manifest.get("inputs", [])]
    if plan.path is not None:
        protected.append(Path(plan.path))
    writer = AtomicWriter(outdir, protected)
    for method in (list(exporters) or list(plan.exporters)):
        method.fresh().export(result, writer.outdir, writer)
    writer.write_json("manifest.json", result.manifest)
    return writer.written
