"""Goal 3, zhishu side: load values.npy into a (unit, year) frame and run every pipeline stage on it with
``run_config`` (a source that hands over the frame instead of reading a file), ``repeat`` times.

python -m benchmarks.scripts.large_zhishu VALUES.npy CONFIG.toml REPEAT  → prints one JSON line.
"""

import json
import sys
import time

import attrs
import numpy as np
import pandas as pd

import zhishu
from benchmarks.large_data import YEAR


@attrs.frozen
class FrameSource:
    frame: pd.DataFrame

    def load(self, context):
        return self.frame


def main() -> None:
    path, config, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    start = time.perf_counter()
    x = np.load(path)
    n, k = x.shape
    index = pd.MultiIndex.from_arrays([pd.Index(np.char.add("u", np.arange(n).astype(str)), dtype=object),
                                       np.full(n, YEAR)], names=["unit", "year"])
    frame = pd.DataFrame(x, index=index, columns=[f"i{i}" for i in range(k)], copy=False)
    del x
    plan = zhishu.load_config(config)
    (sid, source), = plan.sources.items()
    plan = attrs.evolve(plan, sources={sid: attrs.evolve(source, method=attrs.evolve(source.method,
                                                                                   obj=FrameSource(frame)))})
    times, result = [], None
    for _ in range(repeat):
        result = None  # the previous run's frames are freed before the next starts
        t = time.perf_counter()
        result = zhishu.run_config(plan)
        times.append(time.perf_counter() - t)
    print(json.dumps({"first": times[0], "best": min(times), "total": time.perf_counter() - start,
                      "root_sum": float(result.scores[plan.root].sum()),
                      "rank_head": result.ranks[plan.root].iloc[:5].tolist()}))


if __name__ == "__main__":
    main()
