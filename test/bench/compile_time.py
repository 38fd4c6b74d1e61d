#!/usr/bin/env python3
"""Compile time and peak compiler memory of a translation unit, median of several runs.

usage: compile_time.py NAME SOURCE --include DIR -- COMPILER [ARGS...]
"""
import resource
import statistics
import subprocess
import sys
import time

name, source, _, include, _, *compiler = sys.argv[1:]
runs = []
for _ in range(5):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(compiler + ["-std=c++20", "-O2", f"-I{include}", "-c", source, "-o", "/dev/null"], check=True)
    runs.append(time.perf_counter() - t0)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
runs.sort()
print(f"compile {name}: median {statistics.median(runs):.2f} s (min {runs[0]:.2f}, max {runs[-1]:.2f}), "
      f"peak {peak_kib / 1024:.0f} MiB, {' '.join(compiler[:1])} -O2")
