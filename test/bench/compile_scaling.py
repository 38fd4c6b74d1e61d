#!/usr/bin/env python3
"""Compile time and peak compiler memory of a gradient against expression size.

Generates translation units whose expression has N = 10, 50, 100, 200, 400 distinct nodes
(a chain e = sin(e * a_i + b_i) over scalar leaves: 5 nodes a link), compiles each with
-O2 (median of 3: the machine is shared), and prints the figures and the exponent k of a
least-squares fit time ~ N^k, on the time above that of a translation unit that only
includes the header.
Fails if 400 nodes take 10 s or more.

usage: compile_scaling.py --include DIR -- COMPILER [ARGS...]
"""
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

_, include, _, *compiler = sys.argv[1:]
SIZES = [10, 50, 100, 200, 400]


def source(n):
    if n == 0:
        return "#include <ctgrad/ctgrad.hpp>\nint main() { return 0; }\n"
    links = n // 5
    lines = ["#include <ctgrad/ctgrad.hpp>", "using namespace ctgrad;"]
    lines += [f'constexpr auto a{i} = var<"a{i}">;\nconstexpr auto b{i} = var<"b{i}">;' for i in range(links)]
    expr = "a0"
    for i in range(links):
        expr = f"sin({expr} * a{i} + b{i})" if i else "sin(a0 * a0 + b0)"
    binds = ", ".join(f"a{i} = in[{2 * i}], b{i} = in[{2 * i + 1}]" for i in range(links))
    lines.append(f"const auto e = {expr};")
    lines.append("double gradient(const double* in, double* out) {")
    lines.append(f"  const auto g = grad(e, at({binds}));")
    lines += [f"  out[{i}] = g[a{i}];" for i in range(links)]
    lines.append("  return g.value();\n}")
    return "\n".join(lines) + "\n"


LIMIT = 120  # seconds: a compile that takes longer is reported as such and stopped


def measure(path, runs):
    # each compile under its own python, so its peak memory is its own
    wrapper = ("import resource, subprocess, sys\n"
               "subprocess.run(sys.argv[1:], check=True)\n"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    times, peaks = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        try:
            r = subprocess.run([sys.executable, "-c", wrapper] + compiler +
                               ["-std=c++20", "-O2", f"-I{include}", "-c", path, "-o", "/dev/null"],
                               capture_output=True, text=True, timeout=LIMIT)
        except subprocess.TimeoutExpired:
            return math.inf, math.nan
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            sys.exit(f"compile failed for {path}:\n{r.stderr[-3000:]}")
        peaks.append(int(r.stdout.split()[-1]) / 1024)
    return statistics.median(times), max(peaks)


with tempfile.TemporaryDirectory() as tmp:
    results = {}
    for n in [0] + SIZES:
        path = os.path.join(tmp, f"scaling_{n}.cpp")
        with open(path, "w") as f:
            f.write(source(n))
        results[n] = measure(path, 3)
        label = "header only" if n == 0 else f"{n:4d} nodes"
        if math.isinf(results[n][0]):
            print(f"compile_scaling {label:>11}: over {LIMIT} s (stopped)", flush=True)
            break
        print(f"compile_scaling {label:>11}: {results[n][0]:6.2f} s  {results[n][1]:5.0f} MiB", flush=True)

base = results[0][0]
done = [n for n in SIZES if n in results and math.isfinite(results[n][0])]
xs = [math.log(n) for n in done]
ys = [math.log(max(results[n][0] - base, 1e-3)) for n in done]
mx, my = statistics.mean(xs), statistics.mean(ys)
k = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
print(f"compile_scaling fitted exponent over {done} (time above the header's {base:.2f} s ~ N^k): k = {k:.2f}")
t400 = results.get(400, (math.inf,))[0]
ok = t400 < 10
print(f"compile_scaling 400 nodes: {'%.2f s' % t400 if math.isfinite(t400) else 'over %d s' % LIMIT} "
      f"({'under' if ok else 'NOT under'} 10 s)")
sys.exit(0 if ok else 1)
