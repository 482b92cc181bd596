"""Before/after check that a speed-up keeps every number: write the tables of every config in configs/
(scores, indicators, weights and any other table of ``Result.tables()``) and a sensitivity run of each config
with a ``[sensitivity]`` table, as CSV, into OUTDIR; compare two such folders with ``cmp``/``diff -r``.

    python -m benchmarks.identity OUTDIR
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .harness import ROOT, config_with_data, shared_data


def main() -> None:
    import zhishu
    from zhishu.sensitivity import resolve_spec, run_sensitivity
    from zhishu.sensitivity.outputs import tables as sensitivity_tables

    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    configs = sorted((ROOT / "configs").rglob("*.toml"))
    with tempfile.TemporaryDirectory() as tmp:
        for config in configs:
            name = config.relative_to(ROOT / "configs").with_suffix("").as_posix().replace("/", "-")
            path = config
            if "shared/data" in config.read_text(encoding="utf-8"):
                if shared_data() is None:
                    print(f"{name}: skipped (no shared data)")
                    continue
                sub = Path(tmp) / name
                sub.mkdir()
                path = config_with_data(config, sub)
            plan = zhishu.load_config(path)
            result = zhishu.run_config(plan)
            for table, frame in result.tables().items():
                frame.to_csv(out / f"{name}.{table}.csv", index=False)
            if plan.config.sensitivity:
                spec = dict(plan.config.sensitivity)
                spec["replications"] = min(int(spec.get("replications", 64)), 64)
                sens = run_sensitivity(plan, resolve_spec(spec, plan))
                for table, frame in sensitivity_tables(sens).items():
                    frame.to_csv(out / f"{name}.{table}.csv", index=False)
            print(f"{name}: written")


if __name__ == "__main__":
    main()
