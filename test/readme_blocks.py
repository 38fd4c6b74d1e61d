#!/usr/bin/env python3
"""Every ```cpp block of README.md compiles as written (and runs, if it has a main).

usage: readme_blocks.py README.md BUILD_DIR --include DIR -- COMPILER [ARGS...]
"""
import os
import re
import subprocess
import sys

readme, build, _, include, _, *compiler = sys.argv[1:]
blocks = re.findall(r"```cpp\n(.*?)```", open(readme).read(), re.S)
failures = 0
for i, code in enumerate(blocks):
    src = os.path.join(build, f"readme_block_{i}.cpp")
    exe = os.path.join(build, f"readme_block_{i}")
    if "int main" not in code:
        code += "\nint main() {}\n"
    with open(src, "w") as f:
        f.write(code)
    run = subprocess.run(compiler + ["-std=c++20", "-O1", f"-I{include}", src, "-o", exe], capture_output=True, text=True)
    ok = run.returncode == 0
    if ok:
        ok = subprocess.run([exe]).returncode == 0
    print(f"{'ok  ' if ok else 'FAIL'} README block {i} ({len(code.splitlines())} lines)")
    if not ok:
        print(run.stderr[:4000])
        failures += 1
sys.exit(1 if failures else 0)
