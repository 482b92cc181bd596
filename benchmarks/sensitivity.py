"""Goal 2 — the ASEM uncertainty analysis of COINr's vignette (configs/examples/asem.toml ``[sensitivity]``:
level-2/3 weights × U(0.75, 1.25), min-max [1, 100] vs z-score (10, 2), arithmetic vs geometric), N = 500.

* in-process: ``load_config`` + ``resolve_spec`` + ``run_sensitivity`` (no output files), median of 5, against
  COINr's published 19–21 s (the low end, 19 s, is used: the harder bar); target ≥ 100× faster.
* whole process: ``zhishu sensitivity … -o OUT`` including interpreter start and writing every output,
  median of 3, against COINr's 21 s whole-process figure; target ≥ 20× faster.
* cost per extra replication: (best in-process time at N + 5,000 − best at N) / 5,000; target ≤ 50 µs.
* ``zhishu --version``: interpreter start + import, median of 5; target ≤ 0.5 s ("well under a second").
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .harness import (PYTHON, ROOT, Row, Skipped, best_of, config_with_data, median_of, median_wall_cpu, run_child,
                      shared_data)

ASEM = ROOT / "configs" / "examples" / "asem.toml"
COINR_UA_LOW, COINR_UA_WHOLE = 19.0, 21.0  # s, published for this machine (issue 12); not measured here
ZHISHU = [PYTHON, "-m", "zhishu"]


def _in_process(path: Path, replications: int) -> None:
    import zhishu
    from zhishu.sensitivity import resolve_spec, run_sensitivity

    plan = zhishu.load_config(path)
    rs = resolve_spec({**plan.config.sensitivity, "replications": replications}, plan)
    run_sensitivity(plan, rs)


def goal_sensitivity(quick: bool) -> list[Row | Skipped]:
    rows: list[Row | Skipped] = []
    n = 20 if quick else 500
    extra = 200 if quick else 5000
    runs = [run_child([*ZHISHU, "--version"]) for _ in range(2 if quick else 5)]
    version = sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]
    rows.append(Row(goal="2", case=f"zhishu --version (interpreter start + import), whole process, median of {len(runs)}",
                    ours=version.seconds, base=1.0, target=0.5, base_label="1 s", note="target <= 0.5 s",
                    cpu=version.cpu))
    if shared_data() is None or not (shared_data() / "asem").is_dir():
        rows.append(Skipped(goal="2", case="ASEM sensitivity", reason="needs ../shared/data/asem"))
        return rows
    with tempfile.TemporaryDirectory() as tmp:
        path = config_with_data(ASEM, Path(tmp))
        (Path(tmp) / "whole").mkdir()
        _in_process(path, n)  # warm
        reps = 2 if quick else 5
        (ours, cpu), _ = median_wall_cpu(reps, lambda: _in_process(path, n))
        # the slope from the best of each (the least disturbed runs): noise only ever adds time
        fewer, _ = best_of(reps, lambda: _in_process(path, n))
        more, _ = best_of(reps, lambda: _in_process(path, n + extra))
        rows.append(Row(goal="2", case=f"ASEM sensitivity N = {n}, in-process (load + resolve + run), median of {reps}",
                        ours=ours, base=COINR_UA_LOW, target=0.01, cpu=cpu,
                        base_label="COINr 19 s (published 19-21 s, not measured here)", note="target >= 100x faster"))
        per = (more - fewer) / extra
        noisy = per <= 0  # the noise of the machine exceeded the cost of the extra replications
        rows.append(Row(goal="2", case=f"cost per extra replication ((t(N={n + extra}) - t(N={n})) / {extra}, "
                        f"best of {reps} each)", ours=per * 1e6, base=50.0, unit="us", target=None if noisy else 1.0,
                        base_label="target 50 us",
                        note="not judged: the difference is below the noise" if noisy else ""))
        out = Path(tmp) / "out"
        whole_config = config_with_data(ASEM, Path(tmp) / "whole", {"replications = 500": f"replications = {n}"})
        runs = [run_child([*ZHISHU, "sensitivity", str(whole_config), "-o", str(out)]) for _ in range(1 if quick else 3)]
        whole = sorted(r.seconds for r in runs)[len(runs) // 2]
        rows.append(Row(goal="2", case=f"ASEM sensitivity N = {n}, whole process (zhishu sensitivity, outputs "
                        f"written), median of {len(runs)}", ours=whole, base=COINR_UA_WHOLE, target=0.05,
                        base_label="COINr 21 s (published, not measured here)", cpu=sorted(r.cpu for r in runs)[len(runs) // 2],
                        note=f"target >= 20x faster; peak RSS {max(r.tree_mib for r in runs):,.0f} MiB"))
        # what any process that imports pandas pays before zhishu does anything (pandas 3 imports pyarrow); it
        # ends as zhishu's does (os._exit after its outputs are flushed: no interpreter teardown, ~0.15 s here)
        floors = [run_child([PYTHON, "-c", "import numpy, pandas, os; os._exit(0)"])
                  for _ in range(1 if quick else 3)]
        floor = sorted(floors, key=lambda r: r.seconds)[len(floors) // 2]
        budget = COINR_UA_WHOLE / 20 - floor.seconds
        rows.append(Row(goal="2", case="  floor of the whole process: python -c 'import numpy, pandas' (no teardown), "
                        f"median of {len(floors)}", ours=floor.seconds, base=COINR_UA_WHOLE, cpu=floor.cpu,
                        base_label="COINr 21 s", note=f"not judged; leaves {budget:.2f} s of the 20x target "
                        f"({COINR_UA_WHOLE / 20:.2f} s) for zhishu; zhishu took {whole - floor.seconds:.2f} s"))
    return rows
