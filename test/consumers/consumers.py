#!/usr/bin/env python3
"""ctgrad as its users get it, each way the README names:
  installed   meson install --destdir, then a program outside the tree built with
              `pkg-config --cflags ctgrad`, and a CMake project with find_package(ctgrad)
              and ctgrad::ctgrad; the license is installed beside the headers;
  subproject  a throwaway meson project with ctgrad in subprojects/, `dependency('ctgrad')`;
  plain       c++ -std=c++20 -I include program.cpp.

usage: consumers.py SOURCE_ROOT COMPILER...
"""
import os
import shutil
import subprocess
import sys
import tempfile

source = os.path.abspath(sys.argv[1])
compiler = sys.argv[2:]
program = os.path.join(source, "test", "consumers", "program.cpp")
failures = 0


def step(what, cmd, **kw):
    global failures
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    ok = r.returncode == 0
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures += 1
        print("$ " + " ".join(cmd) + "\n" + (r.stdout + r.stderr)[-4000:])
    return ok, r.stdout


env = dict(os.environ, CXX=compiler[0])
with tempfile.TemporaryDirectory() as tmp:
    # installed
    build, dest = os.path.join(tmp, "build"), os.path.join(tmp, "dest")
    ok, _ = step("configure for install", ["meson", "setup", build, source, "--prefix=/usr/local",
                                            "-Dtests=false", "-Dexamples=false"], env=env)
    installed = ok and step("meson install --destdir", ["meson", "install", "-C", build, "--destdir", dest])[0]
    prefix = os.path.join(dest, "usr/local")
    if installed:
        pc_env = dict(env, PKG_CONFIG_PATH=os.path.join(prefix, "share/pkgconfig"), PKG_CONFIG_SYSROOT_DIR=dest)
        ok, cflags = step("pkg-config --cflags ctgrad", ["pkg-config", "--cflags", "ctgrad"], env=pc_env)
        if ok:
            exe = os.path.join(tmp, "installed")
            if step("build against the installed headers",
                    compiler + cflags.split() + [program, "-o", exe])[0]:
                step("run it", [exe])
        step("the license is installed", ["test", "-f", os.path.join(prefix, "share/licenses/ctgrad/LICENSE")])

    # CMake: find_package(ctgrad) against the installed tree (CI and the quickstart install cmake)
    if installed and shutil.which("cmake") is None:
        print("SKIP cmake: not installed, the CMake package is not tried")
    elif installed:
        cproj, cbuild = os.path.join(tmp, "cmake-consumer"), os.path.join(tmp, "cmake-build")
        os.makedirs(cproj)
        shutil.copy(program, cproj)

        def cmake_project(version):
            with open(os.path.join(cproj, "CMakeLists.txt"), "w") as f:
                f.write("cmake_minimum_required(VERSION 3.16)\nproject(consumer CXX)\n"
                        f"find_package(ctgrad {version} REQUIRED)\n"
                        "add_executable(consumer program.cpp)\n"
                        "target_link_libraries(consumer PRIVATE ctgrad::ctgrad)\n")

        def configure(build_dir):
            return ["cmake", "-S", cproj, "-B", build_dir, f"-DCMAKE_PREFIX_PATH={prefix}",
                    f"-DCMAKE_CXX_COMPILER={shutil.which(compiler[0])}"]

        cmake_project("0.1")
        if step("cmake: find_package(ctgrad 0.1) and configure", configure(cbuild))[0] and \
                step("cmake: build with ctgrad::ctgrad", ["cmake", "--build", cbuild])[0]:
            step("cmake: run", [os.path.join(cbuild, "consumer")])
        cmake_project("9.0")
        r = subprocess.run(configure(cbuild + "-9"), capture_output=True, text=True)
        ok9 = r.returncode != 0 and "ctgrad" in r.stdout + r.stderr
        print(("ok   " if ok9 else "FAIL ") + "cmake: find_package(ctgrad 9.0) is refused (the installed version is older)")
        if not ok9:
            failures += 1
            print(r.stdout[-2000:] + r.stderr[-2000:])

    # subproject
    proj = os.path.join(tmp, "consumer")
    os.makedirs(os.path.join(proj, "subprojects"))
    os.symlink(source, os.path.join(proj, "subprojects", "ctgrad"))
    shutil.copy(program, proj)
    with open(os.path.join(proj, "meson.build"), "w") as f:
        f.write("project('consumer', 'cpp', default_options : ['cpp_std=c++20'])\n"
                "subproject('ctgrad')\n"
                "executable('consumer', 'program.cpp', dependencies : dependency('ctgrad'))\n")
    pbuild = os.path.join(tmp, "consumer-build")
    if step("subproject: configure", ["meson", "setup", pbuild, proj], env=env)[0] and \
            step("subproject: build", ["meson", "compile", "-C", pbuild])[0]:
        step("subproject: run", [os.path.join(pbuild, "consumer")])

    # plain inclusion
    exe = os.path.join(tmp, "plain")
    if step("plain -I include", compiler + ["-std=c++20", "-I", os.path.join(source, "include"), program, "-o", exe])[0]:
        step("plain: run", [exe])

print(f"{failures} failure(s)")
sys.exit(1 if failures else 0)
