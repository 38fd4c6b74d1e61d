#!/usr/bin/env python3
"""The trainer as a newcomer meets it: flags, a small dataset it writes itself (plain and
gzipped IDX files), the printed lines, and its refusals of bad input.

usage: train_cli.py TRAIN_EXECUTABLE
"""
import gzip
import os
import re
import struct
import subprocess
import sys
import tempfile

train = sys.argv[1]
failures = 0


def check(ok, what, output=""):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures += 1
        print(output[-3000:])


def run(*args):
    r = subprocess.run([train, *args], capture_output=True, text=True, timeout=600)
    return r.returncode, r.stdout, r.stderr


def idx(dims, payload):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def write_dataset(d, n_train, n_test, compress, rows=28, cols=28):
    # class c: a bright horizontal band at row 2c, so the classes are learnable
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        pixels, labels = bytearray(), bytearray()
        for i in range(n):
            c = (i * 7) % 10
            img = bytearray(rows * cols)
            for k in range(cols):
                img[((2 * c + 2) % rows) * cols + k] = 200 + (i % 50)
            pixels += img
            labels.append(c)
        for kind, data in (("images-idx3-ubyte", idx([n, rows, cols], bytes(pixels))),
                           ("labels-idx1-ubyte", idx([n], bytes(labels)))):
            path = os.path.join(d, f"{prefix}-{kind}")
            if compress:
                with gzip.open(path + ".gz", "wb") as f:
                    f.write(data)
            else:
                with open(path, "wb") as f:
                    f.write(data)


with tempfile.TemporaryDirectory() as tmp:
    code, out, err = run("--help")
    check(code == 0 and "--data DIR" in out and "--model NAME" in out, "--help", out + err)

    for args, message in ((["--bogus"], "unknown option '--bogus'"),
                          (["--epochs", "x"], "--epochs needs a whole number, got 'x'"),
                          (["--batch", "48"], "--batch must be 32, 64, 128 or 256"),
                          (["--model", "784-10"], "--model must be 784-128-10 or 784-256-128-10"),
                          (["--lr"], "--lr needs a value"),
                          (["--optimizer", "rmsprop"], "--optimizer must be sgd or adam"),
                          (["--threads", "3"], "--threads must be 1, 2 or 4, got 3"),
                          (["--batch", "32", "--threads", "4"], "--batch 32 is too small for 4 threads"),
                          (["--plot", "x.svg", "--load", "m.ctw"], "--plot needs at least one epoch")):
        code, out, err = run(*args)
        check(code == 2 and message in err, f"refuses {' '.join(args)}", out + err)

    code, out, err = run("--data", os.path.join(tmp, "nowhere"))
    check(code == 1 and "neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz" in err,
          "a missing dataset is named", out + err)

    small = os.path.join(tmp, "small")
    os.mkdir(small)
    write_dataset(small, 300, 100, compress=True)
    model = os.path.join(tmp, "model.ctw")
    code, out, err = run("--data", small, "--model", "784-128-10", "--epochs", "3", "--batch", "32",
                         "--optimizer", "sgd", "--lr", "0.1", "--save", model)
    lines = re.findall(r"^epoch (\d)/3  loss ([0-9.]+)  train_acc ([0-9.]+)  test_acc ([0-9.]+)  [0-9.]+ s  \d+ samples/s$",
                       out, re.M)
    check(code == 0 and len(lines) == 3, "three epoch lines in the documented format", out + err)
    m = re.search(r"^test accuracy: ([0-9.]+)$", out, re.M)
    check(m is not None and float(m.group(1)) > 0.9, "learns the synthetic classes (test accuracy > 0.9)", out + err)
    check("confusion matrix" in out and os.path.exists(model), "prints a confusion matrix and saves the weights",
          out + err)
    if lines:
        check(float(lines[-1][1]) < float(lines[0][1]), "the loss falls", out)

    code, out2, err = run("--data", small, "--model", "784-128-10", "--load", model, "--quiet")
    check(code == 0 and m is not None and f"test accuracy: {m.group(1)}" in out2,
          "--load evaluates the saved weights to the same accuracy", out2 + err)
    code, out3, err = run("--data", small, "--model", "784-256-128-10", "--load", model)
    check(code == 1 and "the file holds 4 parameters, the model has 6" in err,
          "--load of another architecture is refused", out3 + err)

    code, out, err = run("--data", small, "--model", "784-128-10", "--epochs", "2", "--loss", "squared",
                         "--optimizer", "adam", "--quiet")
    check(code == 0 and re.search(r"^test accuracy: ", out, re.M) is not None, "squared loss with Adam", out + err)

    # two threads: the same training up to float summation order, and the accuracy plot
    plot = os.path.join(tmp, "acc.svg")
    code, out4, err = run("--data", small, "--model", "784-128-10", "--epochs", "3", "--batch", "32",
                          "--optimizer", "sgd", "--lr", "0.1", "--threads", "2", "--plot", plot)
    lines2 = re.findall(r"^epoch (\d)/3  loss ([0-9.]+)  train_acc ([0-9.]+)", out4, re.M)
    check(code == 0 and len(lines2) == 3 and "2 threads" in out4, "--threads 2 trains", out4 + err)
    if lines and len(lines2) == 3:
        check(all(abs(float(a[1]) - float(b[1])) < 2e-3 for a, b in zip(lines, lines2)),
              "--threads 2 gives the losses of one thread (up to summation order)", out + out4)
    svg = open(plot).read() if os.path.exists(plot) else ""
    check(svg.startswith("<svg") and svg.rstrip().endswith("</svg>") and svg.count("<circle") == 3
          and not os.path.exists(plot + ".tmp"), "--plot writes an SVG with one point per epoch", svg[:300])
    code, out5, err = run("--data", small, "--model", "784-128-10", "--epochs", "1", "--quiet",
                          "--plot", os.path.join(tmp, "no-such-dir", "acc.svg"))
    check(code == 1 and "--plot: cannot write" in err, "--plot into a missing directory fails clearly", out5 + err)

    wrong = os.path.join(tmp, "wrong")
    os.mkdir(wrong)
    write_dataset(wrong, 40, 20, compress=False, rows=20, cols=20)
    code, out, err = run("--data", wrong, "--epochs", "1")
    check(code == 1 and "images are 20x20 = 400 pixels, the model takes 784" in err, "20x20 images are refused",
          out + err)

print(f"{failures} failure(s)")
sys.exit(1 if failures else 0)
