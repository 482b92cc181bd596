"""Goal 5 helper (by hand): load a config, run its sensitivity analysis with an executor keeping only the
exact reductions (``replications=False``, as ``zhishu sensitivity --no-replications``) and compute the rank
statistics table, without writing files.

python -m benchmarks.scripts.sensitivity_run CONFIG EXECUTOR WORKERS [REPLICATIONS]  → one JSON line.
"""

import json
import sys
import time


def main() -> None:
    start = time.perf_counter()
    import zhishu
    from zhishu.sensitivity import resolve_spec, run_sensitivity
    from zhishu.sensitivity.outputs import ranks_table

    config, executor, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    plan = zhishu.load_config(config)
    spec = dict(plan.config.sensitivity)
    if len(sys.argv) > 4:
        spec["replications"] = int(sys.argv[4])
    rs = resolve_spec(spec, plan)
    result = run_sensitivity(plan, rs, executor=executor, workers=workers if executor != "inprocess" else None,
                             replications=False)
    table = ranks_table(result)
    seconds = result.manifest["sensitivity"]["seconds"]
    print(json.dumps({"total": time.perf_counter() - start, "prepare": seconds["prepare"],
                      "replications": seconds["replications"], "n": result.replications,
                      "median_sum": float(table["median_rank"].sum())}))


if __name__ == "__main__":
    main()
