"""Where chunks of replications are computed: in this process, in local processes, or on Dask distributed.

Every executor computes the same chunks (rows ``start … start + chunk_size`` of the precomputed sample
matrix) with the same pure function, :func:`~zhishu.sensitivity.engine.evaluate_chunk`; results are put back
in row order, so they are identical whatever the executor, the number of workers or the chunk size.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator

import numpy as np

from ..errors import ConfigError, Issue
from ..progress import Progress
from .engine import ChunkResult, Model, evaluate_chunk

EXECUTORS = ("inprocess", "processes", "dask")
#: ``None``: sized by :func:`auto_chunk_size`
DEFAULT_CHUNK_SIZE: int | None = None
#: the largest (units × replications × children) block a chunk allocates per node when sized automatically
CHUNK_CELLS = 2**19
#: chunks per worker when sized automatically: a few, so that a slow worker does not hold up the end
CHUNKS_PER_WORKER = 4


def auto_chunk_size(model: Model, replications: int, executor: str, workers: int | None) -> int:
    """Replications per chunk: as many as keep each node's (units × replications × children) block under
    :data:`CHUNK_CELLS` cells; with several workers, also no more than a :data:`CHUNKS_PER_WORKER`-th of each
    worker's share, so every worker gets work and the model is sent once per worker, not once per chunk."""
    widest = max((len(c) for c in model.children.values()), default=1)
    size = max(1, CHUNK_CELLS // max(model.units * widest, 1))
    if executor != "inprocess":
        count = workers or (2 if executor == "dask" else os.cpu_count() or 1)
        size = min(size, math.ceil(replications / (CHUNKS_PER_WORKER * count)))
    return max(1, min(size, replications))


def chunks(total: int, size: int) -> list[tuple[int, int]]:
    """(start, stop) of each chunk of ``size`` rows."""
    return [(s, min(s + size, total)) for s in range(0, total, size)]


def _run_chunk(model: Model, U: np.ndarray, start: int) -> ChunkResult:
    return evaluate_chunk(model, U, start)


def run_chunks(model: Model, U: np.ndarray, *, executor: str = "inprocess", workers: int | None = None,
               chunk_size: int | None = DEFAULT_CHUNK_SIZE, scheduler: str | None = None, client=None,
               progress: Progress | None = None) -> list[ChunkResult]:
    """Every chunk's result, in row order. ``client``: a Dask client, or a :class:`LocalCluster` booting."""
    if executor not in EXECUTORS:
        raise ConfigError([Issue(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}",
                                 "--executor")])
    if chunk_size is None:
        chunk_size = auto_chunk_size(model, len(U), executor, workers)
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
        if isinstance(client, LocalClusterStart):
            client = client.client()
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


class LocalClusterStart:
    """A local Dask cluster booting in a background thread, so that its workers start (and import the engine)
    while this process samples and prepares the variants; :meth:`client` waits for it."""

    def __init__(self, workers: int | None):
        import concurrent.futures as cf

        self._pool = cf.ThreadPoolExecutor(1, thread_name_prefix="zhishu-dask-start")
        self._future = self._pool.submit(_boot_local_cluster, workers or 2)

    def client(self):
        try:
            return self._future.result()[1]
        except ImportError:  # pragma: no cover - depends on the environment
            raise ConfigError([Issue("the dask executor needs dask.distributed: pip install 'zhishu[sensitivity]'",
                                     "--executor")]) from None

    def close(self) -> None:
        try:
            cluster, client = self._future.result()
        except Exception:  # it never started: nothing to close (run_chunks reported why)
            return
        finally:
            self._pool.shutdown(wait=False)
        client.close()
        cluster.close()


def _boot_local_cluster(workers: int):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    client.run(_warm_worker)
    return cluster, client


def _warm_worker() -> None:
    import zhishu.sensitivity.engine  # noqa: F401 - imported now, not when the first model arrives
