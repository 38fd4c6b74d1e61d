#!/usr/bin/env bash
# The first command of the README: installs what is missing (Debian/Ubuntu), configures,
# builds the trainer and trains the default model on Fashion-MNIST. Arguments go to the
# trainer (./build/examples/train --help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."

# libopenblas-dev is optional (meson option blas): the trainer's large products go to OpenBLAS;
# cmake is for the test that builds a CMake project against the installed tree
packages=(g++ meson ninja-build pkg-config cmake python3 libboost-dev doctest-dev zlib1g-dev libopenblas-dev
          dataset-fashion-mnist)
if command -v dpkg >/dev/null && command -v apt-get >/dev/null; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
  fi
else
  cat >&2 <<'TEXT'
This is not a Debian/Ubuntu system. Install: a C++20 compiler (GCC 12+ or Clang 16+), meson,
ninja, Boost 1.71+ (headers), doctest, zlib, optionally OpenBLAS; get the four Fashion-MNIST files
(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz,
t10k-labels-idx1-ubyte.gz); then run
  meson setup build && meson compile -C build examples/train && ./build/examples/train --data DIR
TEXT
  exit 1
fi

[ -f build/build.ninja ] || meson setup build
meson compile -C build examples/train
./build/examples/train "$@"
