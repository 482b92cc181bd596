"""Child processes of the benchmarks: each side of a comparison runs alone, so its peak RSS is its own."""
