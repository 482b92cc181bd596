"""Where chunks of replications are computed: in this process, in local processes, or on Dask distributed.

Every executor computes the same chunks (rows ``start … start + chunk_size`` of the precomputed sample
matrix) with the same pure function, :func:`~zhishu.sensitivity.engine.evaluate_chunk`; results are put back
in row order, so they are identical whatever the executor, the number of workers or the chunk size.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

from ..errors import ConfigError, Issue
from ..progress import Progress
from .engine import ChunkResult, Model, evaluate_chunk

EXECUTORS = ("inprocess", "processes", "dask")
DEFAULT_CHUNK_SIZE = 1000


def chunks(total: int, size: int) -> list[tuple[int, int]]:
    """(start, stop) of each chunk of ``size`` rows."""
    return [(s, min(s + size, total)) for s in range(0, total, size)]


def _run_chunk(model: Model, U: np.ndarray, start: int) -> ChunkResult:
    return evaluate_chunk(model, U, start)


def run_chunks(model: Model, U: np.ndarray, *, executor: str = "inprocess", workers: int | None = None,
               chunk_size: int = DEFAULT_CHUNK_SIZE, scheduler: str | None = None, client=None,
               progress: Progress | None = None) -> list[ChunkResult]:
    """Every chunk's result, in row order."""
    if executor not in EXECUTORS:
        raise ConfigError([Issue(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}",
                                 "--executor")])
    if chunk_size < 1:
        raise ConfigError([Issue(f"chunk size must be at least 1, got {chunk_size}", "--chunk-size")])
    parts = chunks(len(U), chunk_size)
    progress = progress or Progress(len(U), enabled=False)
    if executor == "inprocess":
        out = []
        for s, e in parts:
            out.append(evaluate_chunk(model, U[s:e], s))
            progress.update(e - s)
        return out
    if executor == "processes":
        return _processes(model, U, parts, workers, progress)
    return _dask(model, U, parts, workers, scheduler, client, progress)


def _collect(completed: Iterator, progress: Progress) -> list[ChunkResult]:
    """Results as they complete (progress updated), returned in row order."""
    results = {}
    for fut in completed:
        res = fut.result()
        results[res.start] = res
        progress.update(res.scores[next(iter(res.scores))].shape[1])
    return [results[k] for k in sorted(results)]


def _processes(model, U, parts, workers, progress) -> list[ChunkResult]:
    import concurrent.futures as cf
    import multiprocessing

    workers = workers or os.cpu_count() or 1
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                initargs=(model,)) as pool:
        futures = [pool.submit(_worker_chunk, U[s:e], s) for s, e in parts]
        return _collect(cf.as_completed(futures), progress)


_WORKER_MODEL: Model | None = None


def _init_worker(model: Model) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = model


def _worker_chunk(U: np.ndarray, start: int) -> ChunkResult:
    return evaluate_chunk(_WORKER_MODEL, U, start)


def _dask(model, U, parts, workers, scheduler, client, progress) -> list[ChunkResult]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigError([Issue("the dask executor needs dask.distributed: pip install 'zhishu[sensitivity]'",
                                 "--executor")]) from None
    own_cluster = own_client = None
    try:
        if client is None:
            if scheduler:
                try:
                    client = own_client = Client(scheduler, timeout=10)
                except (OSError, TimeoutError) as exc:
                    raise ConfigError([Issue(f"cannot reach the Dask scheduler at {scheduler!r} ({exc}); check the "
                                             "address and that the scheduler is running, or drop --scheduler to "
                                             "start a local cluster", "--scheduler")]) from None
            else:
                own_cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
                client = own_client = Client(own_cluster)
        model_future = client.scatter(model, broadcast=True)
        futures = [client.submit(_run_chunk, model_future, U[s:e], s, pure=False) for s, e in parts]
        return _collect(as_completed(futures), progress)
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()
