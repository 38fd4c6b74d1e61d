#!/usr/bin/env python3
"""Compiles each snippet, which must fail; the first error line must carry a `ctgrad:`
sentence and the output must contain the snippet's `// expect:` text (operation, shapes).

usage: check.py --include DIR [--include DIR ...] -- COMPILER [ARGS...] -- SNIPPET...
"""
import re
import subprocess
import sys


def main(argv):
    includes = []
    while argv and argv[0] == "--include":
        includes.append(argv[1])
        argv = argv[2:]
    assert argv[0] == "--"
    argv = argv[1:]
    cut = argv.index("--")
    compiler, snippets = argv[:cut], argv[cut + 1:]
    failures = 0
    for path in snippets:
        with open(path) as f:
            text = f.read()
        expected = re.findall(r"^// expect: (.*)$", text, re.M)
        cmd = compiler + ["-std=c++20", "-fsyntax-only", "-fno-diagnostics-color"] + \
            [f"-I{d}" for d in includes] + [path]
        run = subprocess.run(cmd, capture_output=True, text=True)
        out = run.stderr + run.stdout
        # Clang shows the message in pieces: failed<fixed_string<21>{"matmul: inner dimens"}, ...>
        joined = re.sub(r'"\}, (?:ctgrad::)?fixed_string<\d+>\{"', "", out)
        errors = [line for line in out.splitlines() if "error:" in line]
        first = errors[0] if errors else ""
        problems = []
        if run.returncode == 0:
            problems.append("compiled, but must not")
        if "ctgrad:" not in first:
            problems.append(f"first error line has no ctgrad: sentence: {first!r}")
        for e in expected:
            if e not in out and e not in joined:
                problems.append(f"output lacks {e!r}")
        name = path.rsplit("/", 1)[-1]
        lines = len(out.splitlines())
        status = "ok  " if not problems else "FAIL"
        print(f"{status} {name:28} {len(errors)} error(s), {lines:3} lines | {first.split('error:', 1)[-1].strip()[:110]}")
        for p in problems:
            print(f"     {p}")
        if problems:
            failures += 1
            print(out[:3000])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
