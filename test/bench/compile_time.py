#!/usr/bin/env python3
"""Compile time and peak compiler memory of translation units, median of several runs each,
with -O2 (the figures docs/benchmarks.md quotes).

usage: compile_time.py GROUP [--runs N] [--limit SECONDS,MIB] --include DIR [--flag F]... -- COMPILER [ARGS...] -- SOURCE...

Prints one line per source, then the group's largest and total time. With --limit, fails
when a translation unit takes longer or more memory than that.
"""
import os
import statistics
import subprocess
import sys
import time

args = sys.argv[1:]
group = args.pop(0)
runs, limit, include, flags = 5, None, None, []
while args[0] != "--":
    opt, value = args.pop(0), args.pop(0)
    if opt == "--runs":
        runs = int(value)
    elif opt == "--limit":
        limit = tuple(float(v) for v in value.split(","))
    elif opt == "--include":
        include = value
    elif opt == "--flag":
        flags.append(value)
args.pop(0)
split = args.index("--")
compiler, sources = args[:split], args[split + 1:]


def compile_once(source):
    """seconds and peak resident memory (MiB) of one compile"""
    t0 = time.perf_counter()
    p = subprocess.Popen(compiler + ["-std=c++20", "-O2", f"-I{include}"] + flags + ["-c", source, "-o", os.devnull])
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"compile of {source} failed")
    return seconds, usage.ru_maxrss / 1024


failed = False
medians = []
for source in sources:
    times, peaks = zip(*(compile_once(source) for _ in range(runs)))
    median, peak = statistics.median(times), max(peaks)
    medians.append(median)
    print(f"compile {group} {os.path.basename(source)}: median {median:.2f} s (min {min(times):.2f}, max {max(times):.2f}), "
          f"peak {peak:.0f} MiB, {os.path.basename(compiler[0])} -O2")
    if limit and (median > limit[0] or peak > limit[1]):
        print(f"  over the limit of {limit[0]:.0f} s / {limit[1]:.0f} MiB")
        failed = True
if len(sources) > 1:
    print(f"compile {group}: largest translation unit {max(medians):.2f} s, all {len(sources)} together {sum(medians):.2f} s "
          f"(one after another)")
sys.exit(1 if failed else 0)
