#!/usr/bin/env python3
"""Every ```cpp block of a Markdown file compiles as written (and runs, if it has a main).

A block whose first line is `// link: FLAGS` is linked with those flags (e.g. -lz).

usage: readme_blocks.py FILE.md BUILD_DIR --include DIR -- COMPILER [ARGS...]
"""
import os
import re
import subprocess
import sys

markdown, build, _, include, _, *compiler = sys.argv[1:]
stem = os.path.splitext(os.path.basename(markdown))[0].lower()
blocks = re.findall(r"```cpp\n(.*?)```", open(markdown).read(), re.S)
failures = 0
for i, code in enumerate(blocks):
    src = os.path.join(build, f"{stem}_block_{i}.cpp")
    exe = os.path.join(build, f"{stem}_block_{i}")
    link = re.match(r"// link: (.*)\n", code)
    if "int main" not in code:
        code += "\nint main() {}\n"
    with open(src, "w") as f:
        f.write(code)
    flags = link.group(1).split() if link else []
    run = subprocess.run(compiler + ["-std=c++20", "-O1", f"-I{include}", src, "-o", exe] + flags,
                         capture_output=True, text=True)
    ok = run.returncode == 0
    if ok:
        ok = subprocess.run([exe]).returncode == 0
    print(f"{'ok  ' if ok else 'FAIL'} {os.path.basename(markdown)} block {i} ({len(code.splitlines())} lines)")
    if not ok:
        print(run.stderr[:4000])
        failures += 1
sys.exit(1 if failures else 0)
