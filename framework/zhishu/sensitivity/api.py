"""``zhishu.sensitivity(plan, spec)``: a sensitivity analysis from Python, returning frames and never printing.

``zhishu sensitivity`` is a thin layer over :func:`sensitivity`; both validate the whole spec before anything
runs and give the same tables (``docs/sensitivity.md`` documents every column).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ConfigError, Issue
from ..optional import installed
from .executors import DEFAULT_CHUNK_SIZE
from .outputs import ranks_table, replications_table, samples_table, sobol_table, write_sensitivity
from .run import SensitivityResult as _Run
from .run import run_sensitivity
from .spec import ResolvedSpec, read_spec_table, resolve_spec


class SensitivityResult:
    """What :func:`zhishu.sensitivity` returns: the tables of ``zhishu sensitivity`` as frames (each computed on
    first use), the resolved spec and the manifest.

    :ivar ranks: per unit, year and output node, the nominal rank and the distribution of ranks.
    :ivar replications: per replication, unit and year, the root's score, rank and the replication's choices.
    :ivar samples: per replication, its discrete choices and the local weights it used.
    :ivar sobol: first- and total-order Sobol indices (``None`` unless the spec has ``sobol = true``).
    :ivar spec: the resolved spec (``describe_lines()`` says what was perturbed).
    :ivar manifest: seed, spec, executor, versions, timings and the index's provenance.
    :ivar run: the raw arrays (sample matrix, scores and ranks per replication) behind the tables.
    """

    def __init__(self, run: _Run, seconds: float):
        self.run = run
        self.seconds = seconds
        self.manifest["sensitivity"]["seconds"]["total"] = round(seconds, 4)

    @property
    def spec(self) -> ResolvedSpec:
        return self.run.spec

    @property
    def manifest(self) -> dict:
        return self.run.manifest

    @property
    def n_replications(self) -> int:
        """How many replications ran (with Sobol: replications × (inputs + 2))."""
        return self.run.replications

    @cached_property
    def ranks(self) -> pd.DataFrame:
        return ranks_table(self.run)

    @cached_property
    def replications(self) -> pd.DataFrame:
        return replications_table(self.run)

    @cached_property
    def samples(self) -> pd.DataFrame:
        return samples_table(self.run)

    @cached_property
    def sobol(self) -> pd.DataFrame | None:
        if not self.spec.spec.sobol:
            return None
        from ..optional import require

        require("SALib", extra="sensitivity", purpose="[sensitivity] sobol = true")
        return sobol_table(self.run)

    def tables(self, replications: bool = True) -> dict[str, pd.DataFrame]:
        """The output tables by file stem, as ``zhishu sensitivity`` writes them."""
        return self._tables(replications, build=True)

    def _tables(self, replications: bool, build: bool) -> dict[str, pd.DataFrame | None]:
        """:meth:`tables`; ``build = False``: ``None`` for the replications table unless it was already built
        (:meth:`write` then writes its text straight from the arrays)."""
        out: dict[str, pd.DataFrame | None] = {"sensitivity-ranks": self.ranks}
        if replications and self.run.model.root in self.run.scores:
            built = build or "replications" in self.__dict__  # (a cached_property, once computed)
            out["sensitivity-replications"] = self.replications if built else None
            out["sensitivity-samples"] = self.samples
        if self.sobol is not None:
            out["sensitivity-sobol"] = self.sobol
        return out

    def write(self, outdir, protected=(), replications: bool = True) -> list[Path]:
        """Write every table and ``sensitivity-manifest.json`` into ``outdir`` (a path, or a folder opened with
        :func:`zhishu.outputs.output_folder`), all or nothing; never over an input."""
        return write_sensitivity(self.run, outdir, protected, replications=replications,
                                 tables=self._tables(replications, build=False))

    def __repr__(self) -> str:
        nodes = ", ".join(self.manifest["sensitivity"]["output_nodes"])
        return (f"<SensitivityResult: {self.n_replications} replications of {nodes}, "
                f"{len(self.spec.inputs)} uncertain inputs{', Sobol' if self.spec.spec.sobol else ''}>")


def resolve(plan, spec: Any = None) -> ResolvedSpec:
    """The resolved spec: ``spec`` as a :class:`ResolvedSpec`, a ``[sensitivity]`` table (mapping), a TOML file
    holding one, or (``None``) the plan's own ``[sensitivity]`` table."""
    if isinstance(spec, ResolvedSpec):
        return spec
    if isinstance(spec, Mapping):
        return resolve_spec(spec, plan, "")
    if spec is None and plan.config.sensitivity and plan.path is not None:  # the table as loaded with the
        return resolve_spec(plan.config.sensitivity, plan, str(Path(plan.path)))  # config: no second read
    if spec is not None or plan.path is not None:  # (an empty or missing table: the file says which)
        raw, file = read_spec_table(plan.path, Path(spec) if spec is not None else None)
        return resolve_spec(raw, plan, file)
    if not plan.config.sensitivity:
        raise ConfigError([Issue("no [sensitivity] table; pass spec={...} (see docs/sensitivity.md)",
                                 "sensitivity")])
    return resolve_spec(plan.config.sensitivity, plan, "")


def sensitivity(plan, spec: Any = None, *, executor: str = "inprocess", workers: int | None = None,
                chunk_size: int | None = DEFAULT_CHUNK_SIZE, scheduler: str | None = None, client=None,
                all_nodes: bool = False, progress: bool | None = False, replications: bool = True
                ) -> SensitivityResult:
    """Replicate the index under the uncertain inputs of ``spec`` and return the rank distributions, every
    replication, the samples and (with ``sobol = true``) Sobol indices as frames.

    :param plan: a loaded :class:`~zhishu.config.plan.Plan` (or the path of a config, loaded with defaults).
    :param spec: a ``[sensitivity]`` table (dict), a TOML file holding one, a resolved spec, or ``None`` for the
        config's own ``[sensitivity]`` table.
    :param executor: ``"inprocess"`` (default), ``"processes"`` (``workers`` local processes) or ``"dask"``
        (a local cluster of ``workers``, the scheduler at ``scheduler``, or an existing ``client``).
    :param chunk_size: replications per chunk (``None``: sized to the memory and the workers); results do not
        depend on it.
    :param all_nodes: rank statistics for every node, not only the root.
    :param replications: keep every replication's scores and ranks (``result.replications``); ``False`` keeps
        only exact reductions, folded where the chunks run (the rank table is identical; see
        :func:`~zhishu.sensitivity.run_sensitivity`) — what large runs and the Dask executor need.
    :param progress: a progress bar on stderr (``None``: only on a terminal); nothing is printed by default.
    :raises ConfigError: every problem of the spec, before anything runs.
    """
    from ..optional import require

    started = time.perf_counter()
    if isinstance(plan, (str, os.PathLike)):
        from ..config import load_config

        plan = load_config(plan)
    rs = resolve(plan, spec)
    if workers is not None and workers < 1:
        raise ConfigError([Issue(f"workers must be at least 1, got {workers}", "--workers")])
    if scheduler is not None or client is not None:
        executor = "dask"
    if rs.spec.sobol:
        require("SALib", extra="sensitivity", purpose="[sensitivity] sobol = true (Sobol sampling and indices)")
    if executor == "dask" and not installed("distributed"):  # found, not imported (a local cluster's
        # driver process imports it: LocalClusterStart)
        from ..optional import MissingDependencyError, missing_message

        raise MissingDependencyError(missing_message("distributed", "sensitivity", "the dask executor"))
    run = run_sensitivity(plan, rs, executor=executor, workers=workers, chunk_size=chunk_size, scheduler=scheduler,
                          client=client, all_nodes=all_nodes, progress=progress, replications=replications)
    return SensitivityResult(run, time.perf_counter() - started)

