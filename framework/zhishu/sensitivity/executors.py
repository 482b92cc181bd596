"""Where chunks of replications are computed: in this process, in local processes, or on Dask distributed.

Every executor computes the same chunks (rows ``start … start + chunk_size`` of the precomputed sample
matrix) with the same pure function, :func:`~zhishu.sensitivity.engine.evaluate_chunk`, and folds them into
the same exact reductions (:mod:`~zhishu.sensitivity.reduce`: sums of integers, arrays kept in row order), so
the results are identical whatever the executor, the number of workers or the chunk size. Parallel executors
run blocks of chunks as tasks; the model is sent to each worker once and only reductions come back (on Dask,
once per worker at the end: each task folds its rows into its worker's reduction and returns its row range).
"""

from __future__ import annotations

import math
import os
import sys
import threading
import uuid
from collections.abc import Iterator

import numpy as np

from ..classes import frozen
from ..errors import ConfigError, Issue
from ..progress import Progress
from .engine import Model, evaluate_chunk
from .reduce import Partial, Reduction, finish, fold, merge, merge_into, new_partial

EXECUTORS = ("inprocess", "processes", "dask")
#: ``None``: sized by :func:`auto_chunk_size`
DEFAULT_CHUNK_SIZE: int | None = None
#: the largest (units × replications × children) block a chunk allocates per node when sized automatically
CHUNK_CELLS = 2**19
#: blocks (tasks) per worker of the processes executor: a few, so that a slow worker does not hold up the end
#: (each block's reduction comes back to this process)
CHUNKS_PER_WORKER = 4
#: … and of the Dask executor: more, as a Dask task returns only its row range (the reductions stay on the
#: workers), so the blocks can be small enough that the last one ends soon after the others on a shared machine
DASK_BLOCKS_PER_WORKER = 16
#: while a local cluster starts, this process computes chunks of 1 / MEANWHILE_DIVISOR the usual size
MEANWHILE_DIVISOR = 4


def auto_chunk_size(model: Model, replications: int, executor: str, workers: int | None, step: int = 1) -> int:
    """Replications per chunk: as many as keep each node's (units × replications × children) block under
    :data:`CHUNK_CELLS` cells (cache-sized: larger chunks are slower per replication), a multiple of ``step``
    (with Sobol: whole base samples, D + 2 rows). ``executor`` and ``workers`` do not change it: the tasks of
    parallel executors are blocks of chunks (:func:`blocks`)."""
    widest = max((len(c) for c in model.children.values()), default=1)
    size = max(1, CHUNK_CELLS // max(model.units * widest, 1))
    size = max(step, size - size % step)
    return max(1, min(size, max(replications, 1)))


def chunks(total: int, size: int) -> list[tuple[int, int]]:
    """(start, stop) of each chunk of ``size`` rows."""
    return [(s, min(s + size, total)) for s in range(0, total, size)]


def blocks(total: int, chunk_size: int, count: int) -> list[tuple[int, int]]:
    """(start, stop) of ``count`` blocks of whole chunks (the tasks of a parallel executor)."""
    per = max(1, math.ceil(math.ceil(total / max(chunk_size, 1)) / max(count, 1))) * chunk_size
    return chunks(total, per)


def evaluate_block(model: Model, red: Reduction, U: np.ndarray, start: int, chunk_size: int,
                   progress: Progress | None = None, into: Partial | None = None) -> Partial:
    """Rows ``start … start + len(U)`` chunk by chunk, each chunk folded into one :class:`Partial` at once
    (so only the reductions, and the arrays ``red`` keeps, outlive a chunk): a new one, or ``into`` (which
    then also covers these rows)."""
    part = new_partial(start, start + len(U)) if into is None else into
    part.start, part.stop = min(part.start, start), max(part.stop, start + len(U))
    for s, e in chunks(len(U), chunk_size):
        fold(part, evaluate_chunk(model, U[s:e], start + s), red, model)
        if progress is not None:
            progress.update(e - s)
    return finish(part, red, model.units)


def _run_block(payload, U: np.ndarray, start: int, chunk_size: int) -> Partial:
    model, red = payload
    return evaluate_block(model, red, U, start, chunk_size)


def run_chunks(model: Model, U: np.ndarray, *, executor: str = "inprocess", workers: int | None = None,
               chunk_size: int | None = DEFAULT_CHUNK_SIZE, scheduler: str | None = None, client=None,
               progress: Progress | None = None, reduction: Reduction | None = None) -> Partial:
    """Every replication, reduced as ``reduction`` says (default: every array kept), as one :class:`Partial`
    in row order. ``client``: a Dask client, or a :class:`LocalClusterStart` booting."""
    if executor not in EXECUTORS:
        raise ConfigError([Issue(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}",
                                 "--executor")])
    red = reduction if reduction is not None else Reduction(keep=tuple(model.outputs))
    step = red.sobol.D + 2 if red.sobol is not None else 1
    if chunk_size is None:
        chunk_size = auto_chunk_size(model, len(U), executor, workers, step)
    if chunk_size < 1:
        raise ConfigError([Issue(f"chunk size must be at least 1, got {chunk_size}", "--chunk-size")])
    chunk_size = math.ceil(chunk_size / step) * step  # Sobol sums need whole base samples per chunk
    progress = progress or Progress(len(U), enabled=False)
    if executor == "inprocess":
        return evaluate_block(model, red, U, 0, chunk_size, progress)
    count = workers or (2 if executor == "dask" else os.cpu_count() or 1)
    parts = blocks(len(U), chunk_size, (DASK_BLOCKS_PER_WORKER if executor == "dask" else CHUNKS_PER_WORKER) * count)
    if executor == "processes":
        return _processes(model, red, U, parts, chunk_size, workers, progress)
    return _dask(model, red, U, parts, chunk_size, workers, scheduler, client, progress)


def _processes(model, red, U, parts, chunk_size, workers, progress) -> Partial:
    import concurrent.futures as cf
    import multiprocessing

    workers = workers or os.cpu_count() or 1
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                initargs=((model, red),)) as pool:
        futures = [pool.submit(_worker_block, U[s:e], s, chunk_size) for s, e in parts]
        total = None
        for fut in cf.as_completed(futures):
            res = fut.result()
            total = res if total is None else merge(total, res)
            progress.update(res.stop - res.start)
        return total if total is not None else finish(new_partial(0, 0), red, model.units)


_WORKER_MODEL = None


def _init_worker(payload) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = payload


def _worker_block(U: np.ndarray, start: int, chunk_size: int) -> Partial:
    return _run_block(_WORKER_MODEL, U, start, chunk_size)


def _dask(model, red, U, parts, chunk_size, workers, scheduler, client, progress, inherited: str | None = None,
          spill: str | None = None):
    """The blocks as Dask tasks on ``client`` (or on a client of ``scheduler``, or of a local cluster booted
    here). ``inherited``: the workers were forked with the sample matrix in :data:`_INHERITED` under this
    token (``U`` is then not sent). ``spill``: a local folder into which each worker writes its reductions
    (a local cluster's workers), returned as :class:`_Spilled` for :func:`_gather_spilled`, instead of
    sending them through the scheduler."""
    if isinstance(client, LocalClusterStart):  # driven by its own process: this one does not import distributed
        return client.run(model, red, U, parts, chunk_size, progress)
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - depends on the environment
        raise _missing_distributed() from None
    own_cluster = own_client = None
    token = inherited or uuid.uuid4().hex
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
                own_cluster, client = _boot_local_cluster(workers or 2, warm=False)
                own_client = client
        if not parts:
            return finish(new_partial(0, 0), red, model.units)
        # the model, the reduction and the sample matrix go to each worker once; a task is a range of rows
        payload = client.scatter(_Payload(token, model, red, None if inherited else U), broadcast=True, hash=False)
        futures = [client.submit(_fold_block, payload, s, e, chunk_size, key=f"zhishu-block-{token}-{s}")
                   for s, e in parts]
        collected = False
        try:
            for fut in as_completed(futures):
                s, e = fut.result()  # re-raises the task's error
                progress.update(e - s)
            # with Sobol sums (hundreds of MB per worker in a large run) one worker's reductions at a time,
            # each added into the total at once; else every worker's at once
            total, covered = None, []
            addresses = list(client.scheduler_info()["workers"])
            if spill is not None:
                got = client.run(_spill, token, spill)
                collected = True
                return _Spilled(files=[got[a] for a in addresses if got.get(a)], parts=list(parts))
            for group in ([[a] for a in addresses] if red.sobol is not None else [addresses]):
                got = client.run(_collect, token, workers=group)
                for address in group:
                    for part, done in got.get(address, []):
                        total = part if total is None else merge_into(total, part)
                        covered.extend(done)
            collected = True
        finally:  # nothing of the run stays on the workers, whatever happened (a failure here is chained)
            client.cancel([*futures, payload])
            if not collected:
                client.run(_collect, token)
        return _combine(total, covered, parts, red, model.units)
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()


@frozen
class _Payload:
    """What every task of one run shares (sent to each worker once): the run's token, the model, the
    reduction and the whole sample matrix (``None``: the workers inherited it, :data:`_INHERITED`)."""

    token: str
    model: Model
    red: Reduction
    U: np.ndarray | None

    def matrix(self) -> np.ndarray:
        if self.U is not None:
            return self.U
        try:
            return _INHERITED[self.token]
        except KeyError:
            raise RuntimeError("a Dask worker of zhishu's local cluster was not forked from its driver process "
                               "(restarted?), so it lacks the sample matrix: run it again") from None


#: sample matrices by run token, set before the local cluster's driver process is forked, so that its workers
#: (forked from it) have the matrix without it being sent (48 MB for 100,000 replications of 60 columns)
_INHERITED: dict[str, np.ndarray] = {}


#: on a Dask worker: per run token and worker thread, the reduction of the blocks it computed and their ranges
_ACCUMULATED: dict[str, dict[int, tuple[Partial, list[tuple[int, int]]]]] = {}
#: on a Dask worker: the tokens of runs already collected or forgotten (:func:`_collect`). A block of a failed
#: run that was still computing when the run ended (cancelling a future does not stop a running task) then
#: keeps nothing, instead of leaving its reduction behind on the worker; ``_LOCK`` makes that check and the
#: store one step against :func:`_collect`, which runs in the worker's event-loop thread.
_ENDED: set[str] = set()
_LOCK = threading.Lock()


def _fold_block(payload: _Payload, start: int, stop: int, chunk_size: int) -> tuple[int, int]:
    """Rows ``start … stop`` folded into this worker thread's reduction of the run (only the range comes
    back: the reductions stay on the worker until :func:`_collect`)."""
    if payload.token in _ENDED:  # the run has ended (failed) while this task waited: nothing to compute
        return start, stop
    with _LOCK:
        part, done = _ACCUMULATED.get(payload.token, {}).pop(threading.get_ident(), (None, []))
    if part is None:
        part = new_partial(start, stop)
    evaluate_block(payload.model, payload.red, payload.matrix()[start:stop], start, chunk_size, into=part)
    done.append((start, stop))
    with _LOCK:
        if payload.token not in _ENDED:
            _ACCUMULATED.setdefault(payload.token, {})[threading.get_ident()] = (part, done)
    return start, stop


@frozen
class _Spilled:
    """The workers' reductions of a run, in files (one per worker, in the scheduler's order of workers)."""

    files: list[str]
    parts: list[tuple[int, int]]


def _spill(token: str, folder: str) -> str | None:
    """This worker's reductions of the run (:func:`_collect`) pickled into a new file in ``folder``: its path
    (``None``: it has none)."""
    import pickle

    got = _collect(token)
    if not got:
        return None
    path = os.path.join(folder, f"{token}-{os.getpid()}.pickle")
    with open(path, "xb") as f:
        pickle.dump(got, f, protocol=5)
    return path


def _gather_spilled(spilled: _Spilled, red: Reduction, units: int) -> Partial:
    """The reductions of :func:`_spill`'s files added up (one file at a time; each deleted once read)."""
    import pickle

    total, covered = None, []
    for path in spilled.files:
        with open(path, "rb") as f:
            got = pickle.load(f)
        os.unlink(path)
        for part, done in got:
            total = part if total is None else merge_into(total, part)
            covered.extend(done)
    return _combine(total, covered, spilled.parts, red, units)


def _collect(token: str) -> list[tuple[Partial, list[tuple[int, int]]]]:
    """This worker's reductions of the run (one per thread that computed blocks), forgotten here; a block of
    the run that ends later keeps nothing (:data:`_ENDED`)."""
    with _LOCK:
        _ENDED.add(token)
        return list(_ACCUMULATED.pop(token, {}).values())


def _combine(total: Partial | None, covered: list[tuple[int, int]], parts, red: Reduction, units: int) -> Partial:
    """The workers' reductions added up, after checking that they cover every block exactly once (a worker
    lost during the run would lose the blocks it had reduced)."""
    covered = sorted(covered)
    if covered != sorted(parts):
        missing = sorted(set(parts) - set(covered))
        raise RuntimeError(f"the Dask workers' reductions cover {len(covered)} blocks, expected {len(parts)} "
                           f"(missing {missing[:3]}{' …' if len(missing) > 3 else ''}); a worker was probably "
                           "lost during the run: run it again")
    return total if total is not None else finish(new_partial(0, 0), red, units)


#: settings for the local cluster's workers. Dask's default MALLOC_TRIM_THRESHOLD_ (65536) makes glibc hand
#: every freed block back to the system, so each chunk's large temporaries are mapped and zeroed again (page
#: faults): measured, a chunk cost a worker ~1.3-2 x the CPU it costs this process. The worker's sampling
#: profiler (every 10 ms, all threads) takes CPU and the GIL from the task. The event loops' health checks
#: (every 20 ms), system monitors (500 ms) and the nannies' memory checks (100 ms) took ~0.12 s of CPU per second
#: of an idle 2-worker cluster (parent and workers together), measured; at 1 s / 5 s / 1 s, 0.02 s. All of this
#: is for the clusters zhishu starts; an existing scheduler's workers keep their own settings.
WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                 "distributed.worker.profile.enabled": False,
                 "distributed.admin.tick.interval": "1s",
                 "distributed.admin.system-monitor.interval": "5s",
                 "distributed.worker.memory.monitor-interval": "1s"}
#: the free space /dev/shm must have for a run's folder to go there (the sample matrix and the workers' reductions:
#: hundreds of MB for a large Sobol run); a container's /dev/shm is often 64 MB, and the system's temporary
#: folder is used instead
SHM_MIN_FREE = 2 * 2**30


def run_folder(shm: str = "/dev/shm", min_free: int = SHM_MIN_FREE) -> str:
    """A new folder for one run's sample matrix and spilled reductions: in memory (``shm``) where it is writable
    and has ``min_free`` bytes free, else in the system's temporary folder (``TMPDIR``)."""
    import tempfile

    where = None
    try:
        if os.access(shm, os.W_OK):
            st = os.statvfs(shm)
            where = shm if st.f_bavail * st.f_frsize >= min_free else None
    except OSError:
        where = None
    return tempfile.mkdtemp(prefix="zhishu-dask-", dir=where)


class LocalClusterStart:
    """A local Dask cluster for one run, started while this process samples and prepares the variants.

    On Linux (:data:`FORK`) a forked *driver* process imports ``distributed``, starts the cluster (scheduler,
    nannies, workers forked from the driver) and is its client: this process never imports ``distributed``,
    so the import and the cluster start run on the other core instead of sharing this process's GIL with the
    preparation. The workers get the sample matrix ``U`` from the fork: given here, the driver inherits it;
    else (a start before the config is loaded, as ``zhishu sensitivity`` does) :meth:`give` sends it and the
    driver forks the workers once it has it. :meth:`run` sends the model and the reduction to the driver
    through a pipe and receives the reduction (and the progress) back; the driver closes the cluster when
    told to (:meth:`close`), while this process writes its outputs. Elsewhere, or when this process has
    imported ``distributed`` already (its threads may hold locks that a forked process would inherit held),
    the cluster boots here and now and :meth:`client` returns its client."""

    def __init__(self, workers: int | None, U: np.ndarray | None = None):
        workers = workers or 2
        self._driver = self._future = self._conn = None
        self._U, self._token = U, uuid.uuid4().hex
        self.failed = self._used = self._ready = False
        self._spill = None
        if FORK and "distributed" not in sys.modules:
            import multiprocessing

            self._spill = run_folder()
            ctx = multiprocessing.get_context("fork")
            self._conn, theirs = ctx.Pipe()
            self._driver = ctx.Process(target=_drive, args=(theirs, workers, self._token, U is not None),
                                       name="zhishu-dask-driver")
            if U is not None:
                _INHERITED[self._token] = U  # the driver and its workers have it from the fork
            try:
                self._driver.start()
            finally:
                _INHERITED.pop(self._token, None)
            theirs.close()
        else:
            import concurrent.futures as cf

            self._future = cf.Future()
            try:
                self._future.set_result(_boot_local_cluster(workers))
            except Exception as exc:  # noqa: BLE001 - raised by client()
                self._future.set_exception(exc)

    def give(self, U: np.ndarray) -> None:
        """The run's sample matrix, for a cluster started without it: written raw into a file of the run
        folder (in memory where /dev/shm is; one write, ~20 ms for 48 MB, where sending it through the pipe
        cost ~0.3 s of CPU, measured) whose name the driver reads when it has imported distributed."""
        if self._U is not None:
            return
        self._U = U
        if self._driver is not None:
            U = np.ascontiguousarray(U)
            path = os.path.join(self._spill, f"matrix-{self._token}.raw")
            U.tofile(path)
            try:
                self._conn.send(("matrix", (path, U.shape, U.dtype.str)))
            except OSError:  # the driver ended: the next request says so
                pass

    def client(self):
        """The client of a cluster booted in this process (not with a driver process)."""
        if self._future is None:
            raise RuntimeError("the local cluster is driven by another process: use run()")
        try:
            return self._future.result()[1]
        except ImportError:  # pragma: no cover - depends on the environment
            raise _missing_distributed() from None

    def run(self, model, red, U, parts, chunk_size, progress) -> Partial:
        """Every block computed on the cluster, reduced (see :func:`_dask`)."""
        if self._driver is None:
            return _dask(model, red, U, parts, chunk_size, None, None, self.client(), progress)
        inherited = self._U is not None and U is self._U
        own, parts = self._meanwhile(model, red, U, list(parts), chunk_size, progress)
        got = self._ask(("run", (model, red, None if inherited else U, parts, chunk_size, self._spill)), progress)
        total = _gather_spilled(got, red, model.units) if isinstance(got, _Spilled) else got
        return total if own is None else merge_into(total, own)

    def _meanwhile(self, model, red, U, parts, chunk_size, progress) -> tuple[Partial | None, list]:
        """Chunks computed in this process, from the last row back, while the driver is still starting the
        cluster (it says when it is ready): the reduction of those rows and the blocks left for the cluster
        (the last one cut at a chunk boundary). Each chunk is the same rows as on the cluster and the
        reductions are exact, so the results do not depend on how many ran here. The chunks here are a
        quarter of the usual size (whole base samples with Sobol), so that the cluster, once ready, waits
        less for the one in progress; results do not depend on the chunk size."""
        step = red.sobol.D + 2 if red.sobol is not None else 1
        size = max(step, chunk_size // MEANWHILE_DIVISOR // step * step)
        own, cut = None, (parts[-1][1] if parts else 0)
        while cut > 0 and not self._is_ready():
            start = max(0, (cut - 1) // size * size)
            own = evaluate_block(model, red, U[start:cut], start, size, progress, into=own)
            cut = start
        return own, [(s, min(e, cut)) for s, e in parts if s < cut]

    def _is_ready(self) -> bool:
        """Whether the driver has said anything yet ("ready", or why it cannot start)."""
        self._ready = self._ready or self._conn.poll(0)
        return self._ready

    def call(self, fn):
        """``client.run(fn)`` on the cluster: ``fn()`` on every worker, by worker address (for tests)."""
        if self._driver is None:
            return self.client().run(fn)
        return self._ask(("call", fn), None)

    def _ask(self, message, progress):
        self._used = True
        try:
            self._conn.send(message)
            while True:
                kind, value = self._conn.recv()
                if kind == "progress":
                    if progress is not None:
                        progress.update(value)
                    continue
                if kind == "ready":
                    continue
                if kind == "missing":
                    raise _missing_distributed()
                if kind == "error":
                    raise value
                return value
        except (EOFError, OSError):
            self.failed = True
            self._driver.join(1)
            raise RuntimeError(f"the local Dask cluster's driver process ended unexpectedly (exit code "
                               f"{self._driver.exitcode}): run it again") from None
        except BaseException:
            self.failed = True
            raise

    def close(self) -> None:
        """Stop the cluster. After a successful run the driver shuts it down while this process goes on (it
        is joined when this process exits); after a failure this waits for it (and ends it if it hangs)."""
        if self._driver is not None:
            import shutil

            if not self._used:  # an error before the run: nothing to shut down gracefully (its workers end
                self._driver.terminate()  # with it)
            shutil.rmtree(self._spill, ignore_errors=True)  # empty unless the run failed
            try:
                self._conn.send(("stop", None))
            except OSError:
                pass
            self._conn.close()
            if self.failed or not self._used:
                self._driver.join(10)
                if self._driver.exitcode is None:  # pragma: no cover - a hung shutdown
                    self._driver.kill()
                    self._driver.join()
            return
        try:
            cluster, client = self._future.result()
        except Exception:  # it never started: nothing to close (run_chunks reported why)
            return
        client.close()
        cluster.close()


def _missing_distributed() -> ConfigError:
    return ConfigError([Issue("the dask executor needs dask.distributed: pip install 'zhishu[sensitivity]'",
                              "--executor")])


class _Forward:
    """Progress of the driver's run, sent to the process that asked for it."""

    def __init__(self, conn):
        self.conn = conn

    def update(self, n: int) -> None:
        self.conn.send(("progress", n))


def _drive(conn, workers: int, token: str, inherited: bool) -> None:
    """The driver process: start the cluster, then answer requests until told to stop (or the pipe closes);
    errors go back as exceptions (or, if they cannot be pickled, as a RuntimeError naming them). ``token``: the
    sample matrix in :data:`_INHERITED`; not ``inherited`` from the fork, it is the first message (or none
    comes: a first request boots the cluster without it)."""
    cluster = client = None
    pending = None
    try:
        failure = None
        import gc

        gc.disable()  # importing makes many long-lived objects and no garbage: no collections meanwhile, and
        try:  # then out of the collector's sight (gc.freeze), in this process and in its forked workers
            import dask
            import distributed  # noqa: F401 - imported while the caller loads the config and samples

            # for this process only: workers the nannies restart are forked too (they inherit the matrix)
            dask.config.set({**WORKER_CONFIG, "distributed.worker.multiprocessing-method": "fork"})
        except ImportError:
            failure = ("missing", None)
        finally:
            gc.freeze()
            gc.enable()
        if not inherited:
            try:
                pending = conn.recv()
            except (EOFError, OSError, KeyboardInterrupt):
                return
            if pending[0] == "stop":
                return
            if pending[0] == "matrix":
                path, shape, dtype = pending[1]
                _INHERITED[token], pending = np.fromfile(path, dtype=dtype).reshape(shape), None
                os.unlink(path)
        if failure is None:
            try:
                cluster, client = _boot_local_cluster(workers)
            except ImportError:
                failure = ("missing", None)
            except Exception as exc:  # noqa: BLE001 - reported to the caller of run()
                failure = ("error", exc)
        try:
            conn.send(("ready", None))  # the caller stops computing chunks itself and sends the run
        except OSError:
            return
        while True:
            if pending is not None:
                (kind, value), pending = pending, None
            else:
                try:
                    kind, value = conn.recv()
                except (EOFError, OSError, KeyboardInterrupt):
                    break
            if kind == "stop":
                break
            if failure is not None:
                reply = failure
            else:
                try:
                    if kind == "run":
                        model, red, U, parts, chunk_size, spill = value
                        have = token if U is None else None
                        reply = ("done", _dask(model, red, _INHERITED[token] if have else U, parts,
                                               chunk_size, None, None, client, _Forward(conn), have, spill))
                    else:
                        reply = ("done", client.run(value))
                except Exception as exc:  # noqa: BLE001 - reported to the caller of run()
                    reply = ("error", exc)
            try:
                conn.send(reply)  # pickled whole before anything is written
            except (OSError, EOFError):
                break
            except Exception:  # noqa: BLE001 - an unpicklable error: its type and message
                conn.send(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))
            if kind == "run" and reply[0] == "done":  # one run per driver: the cluster closes while the
                break  # caller adds up the reductions and writes
    finally:
        conn.close()
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


#: the local cluster's worker processes are forked (Linux), so they start with numpy, pandas, dask and zhishu
#: imported (a spawned worker imports them again: ~2.5 s of CPU each, measured); a worker the nanny restarts
#: later is spawned. On Linux they are forked from the driver process (:class:`LocalClusterStart`), which is
#: forked from this process before the variants are prepared.
FORK = sys.platform.startswith("linux")


def _boot_local_cluster(workers: int, warm: bool = True):
    import dask
    from distributed import Client, LocalCluster

    settings = {**WORKER_CONFIG, **({"distributed.worker.multiprocessing-method": "fork"} if FORK else {})}
    with dask.config.set(settings):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    if warm and not FORK:  # a forked worker has the engine imported already
        client.run(_warm_worker)
    return cluster, client


def _warm_worker() -> None:
    import zhishu.sensitivity.engine  # noqa: F401 - imported now, not when the first model arrives
