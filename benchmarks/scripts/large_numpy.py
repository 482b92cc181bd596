"""Goal 3, numpy side: load values.npy, compute the index as a numpy user would, ``repeat`` times.

python -m benchmarks.scripts.large_numpy VALUES.npy REPEAT  → prints one JSON line.
"""

import json
import sys
import time

import numpy as np

from benchmarks.large_data import directions, numpy_index


def main() -> None:
    path, repeat = sys.argv[1], int(sys.argv[2])
    start = time.perf_counter()
    x = np.load(path)
    times, normalised, nodes, ranks = [], None, None, None
    for _ in range(repeat):
        normalised = nodes = ranks = None  # free the previous run's arrays first, as zhishu's side does
        t = time.perf_counter()
        normalised, nodes, ranks = numpy_index(x, directions(x.shape[1]))
        times.append(time.perf_counter() - t)
    print(json.dumps({"first": times[0], "best": min(times), "total": time.perf_counter() - start,
                      "root_sum": float(nodes[:, 0].sum()), "rank_head": ranks[:5, 0].tolist()}))


if __name__ == "__main__":
    main()
