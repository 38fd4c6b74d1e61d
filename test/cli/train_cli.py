#!/usr/bin/env python3
"""The trainer as a newcomer meets it: flags, a small dataset it writes itself (plain and
gzipped IDX files), the printed lines, and its refusals of bad input.

usage: train_cli.py TRAIN_EXECUTABLE [--mpirun MPIRUN [MPIRUN_FLAGS...]]

With --mpirun (a build with MPI), --distributed also runs under mpirun with 2 and 3 ranks.
"""
import glob
import gzip
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

train = sys.argv[1]
mpirun = sys.argv[3:] if len(sys.argv) > 3 and sys.argv[2] == "--mpirun" else None  # path, then its flags
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


# the trainer under its own python, so that its peak memory is its own: exit, out, err, s, MiB
MEASURE = ("import resource, subprocess, sys, time\n"
           "t = time.perf_counter()\n"
           "r = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=60)\n"
           "t = time.perf_counter() - t\n"
           "sys.stdout.write(repr((r.returncode, r.stdout, r.stderr, t, "
           "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)))\n")


def measured(*args):
    r = subprocess.run([sys.executable, "-c", MEASURE, train, *args], capture_output=True, text=True, timeout=120)
    return eval(r.stdout) if r.returncode == 0 else (None, "", r.stderr, 0.0, 0.0)


def weights(path):
    """The parameters of a weight file (nn/serialize.hpp, version 1) as name -> list of floats."""
    data = open(path, "rb").read()
    assert data[:8] == b"CTGRADW\0", path
    count = struct.unpack_from("<I", data, 12)[0]
    at, out = 16, {}
    for _ in range(count):
        n = struct.unpack_from("<I", data, at)[0]
        name = data[at + 4:at + 4 + n].decode()
        at += 4 + n
        kind, rank = struct.unpack_from("<II", data, at)
        at += 8
        dims = struct.unpack_from(f"<{rank}Q", data, at)
        at += 8 * rank
        size = 1
        for d in dims:
            size *= d
        fmt = "f" if kind == 1 else "d"
        out[name] = struct.unpack_from(f"<{size}{fmt}", data, at)
        at += size * struct.calcsize(fmt)
    return out


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
                          (["--batch", "0"], "--batch must be between 1 and 4096, got 0"),
                          (["--batch", "5000"], "--batch must be between 1 and 4096, got 5000"),
                          (["--model", "784-10"], "--model must be 784-256-128-10, 784-128-10 or lenet"),
                          (["--lr"], "--lr needs a value"),
                          (["--optimizer", "rmsprop"], "--optimizer must be sgd or adam"),
                          (["--threads", "3"], "--threads must be 1, 2 or 4, got 3"),
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

    # any batch size, and a last batch of its true size: 300 = 2 x 128 + 44 rows, and 300 steps of 1
    for batch in ("1", "100", "128", "4096"):
        code, outb, err = run("--data", small, "--model", "784-128-10", "--epochs", "1", "--batch", batch,
                              "--optimizer", "sgd", "--lr", "0.05", "--quiet")
        acc = re.search(r"^test accuracy: ([0-9.]+)$", outb, re.M)
        check(code == 0 and acc is not None and (batch == "4096" or float(acc.group(1)) > 0.5),
              f"--batch {batch} trains" + (f" (test accuracy {acc.group(1)})" if acc else ""), outb + err)
    code, outb, err = run("--data", small, "--model", "784-128-10", "--epochs", "1", "--batch", "7", "--threads", "2",
                          "--optimizer", "sgd", "--lr", "0.05", "--quiet")
    check(code == 0 and "test accuracy: " in outb, "--batch 7 on two threads (shards of 3 and 4 rows)", outb + err)

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
    # output paths are checked before the first epoch (exit 2), not after the work
    for flag in ("--save", "--plot"):
        for path, why in ((os.path.join(tmp, "no-such-dir", "out"), "its folder"), (tmp, "is a folder, not a file"),
                          (os.path.join(model, "out"), model + " is not a folder")):
            code, out5, err = run("--data", small, "--model", "784-128-10", "--epochs", "1", flag, path)
            check(code == 2 and f"{flag} {path}: {why}" in err and "epoch" not in out5,
                  f"{flag} into {path} is refused before training", out5 + err)
    for flag in ("--save", "--load", "--plot", "--data"):
        code, out5, err = run("--data", small, "--epochs", "1", flag, "")
        check(code == 2 and f"{flag} needs" in err and "empty path" in err, f"{flag} '' is refused", out5 + err)
    code, out5, err = run("--lr", "0")
    check(code == 2 and "--lr must be in [1e-12, 1000], got 0" in err, "--lr 0 names its range readably", err)

    # a stale temporary of an older save that links to another file is never written through
    victim = os.path.join(tmp, "victim.txt")
    with open(victim, "w") as f:
        f.write("precious")
    linked = os.path.join(tmp, "linked.ctw")
    os.symlink(victim, linked + ".tmp")
    os.symlink(victim, os.path.join(tmp, "acc2.svg.tmp"))
    code, out5, err = run("--data", small, "--model", "784-128-10", "--epochs", "1", "--quiet", "--save", linked,
                          "--plot", os.path.join(tmp, "acc2.svg"))
    check(code == 0 and open(victim).read() == "precious" and run("--data", small, "--model", "784-128-10",
                                                                  "--load", linked, "--quiet")[0] == 0,
          "--save and --plot never follow a stale .tmp link", out5 + err)

    # two trainers saving to one file at once, 50 times: both succeed, the file always loads
    tiny = os.path.join(tmp, "tiny")
    os.mkdir(tiny)
    write_dataset(tiny, 40, 20, compress=False)
    shared = os.path.join(tmp, "shared.ctw")
    results, lock = [], threading.Lock()

    def save_once(seed):
        r = run("--data", tiny, "--model", "784-128-10", "--epochs", "1", "--batch", "32", "--quiet",
                "--seed", str(seed), "--save", shared)
        with lock:
            results.append(r)

    loadable = 0
    for i in range(50):
        pair = [threading.Thread(target=save_once, args=(2 * i + k,)) for k in (1, 2)]
        for t in pair:
            t.start()
        for t in pair:
            t.join()
        loadable += run("--data", tiny, "--model", "784-128-10", "--load", shared, "--quiet")[0] == 0
    bad = [r for r in results if r[0] != 0]
    check(len(results) == 100 and not bad and loadable == 50,
          f"50 pairs of trainers saving one file at once: {100 - len(bad)}/100 saved, {loadable}/50 loads whole",
          "".join(r[2] for r in bad[:3]))
    strays = [n for n in os.listdir(tmp) if n.endswith(".tmp") and n not in ("linked.ctw.tmp", "acc2.svg.tmp")]
    check(not strays, "no temporary files left behind", str(strays))

    # --distributed: refused outside mpirun (or in a build without MPI), with what is missing
    code, out, err = run("--data", small, "--model", "784-128-10", "--epochs", "1", "--distributed")
    check(code == 2 and ("runs under mpirun" in err or "needs a build with MPI" in err),
          "--distributed outside mpirun (or without MPI) says what is missing, exit 2", out + err)
    if mpirun:
        # 2 and 3 ranks (uneven shards) against one process: the same weights up to float
        # summation order; one report, from rank 0
        flags = ["--data", small, "--model", "784-128-10", "--optimizer", "sgd", "--momentum", "0.9", "--epochs", "2",
                 "--batch", "32"]
        single = os.path.join(tmp, "single.ctw")
        code, out, err = run(*flags, "--save", single)
        check(code == 0, "one process trains (the reference for --distributed)", out + err)
        for np_ in ("2", "3"):
            spread = os.path.join(tmp, f"ranks{np_}.ctw")
            r = subprocess.run([*mpirun, "-np", np_, train, *flags, "--distributed", "--threads", "2", "--save", spread],
                               capture_output=True, text=True, timeout=600)
            worst = 0.0
            if r.returncode == 0 and os.path.exists(spread):
                a, b = weights(spread), weights(single)
                worst = max(abs(x - y) / (1 + abs(y)) for k in b for x, y in zip(a[k], b[k]))
            check(r.returncode == 0 and r.stdout.count("test accuracy:") == 1 and r.stdout.count("epoch 2/2") == 1
                  and worst <= 1e-6,
                  f"mpirun -np {np_} --distributed --threads 2: one report, weights within 1e-6 of one process's "
                  f"(worst relative difference {worst:.2g})", r.stdout + r.stderr)
        # ranks that were given different models: one message from rank 0, exit 2, no hang
        r = subprocess.run([*mpirun, "-np", "1", train, *flags, "--distributed", ":", "-np", "1", train, "--data", small,
                            "--model", "784-256-128-10", "--epochs", "1", "--distributed"],
                           capture_output=True, text=True, timeout=120)
        check(r.returncode != 0 and r.stderr.count("the ranks hold different models") == 1,
              "mpirun with another --model on one rank: one message, an error exit, no hang", r.stdout + r.stderr)

    # --checkpoint / --resume: a run killed after epoch 2 of 4 and resumed ends with the weights
    # of a run never stopped, bit for bit (Adam, and SGD with momentum)
    longer = os.path.join(tmp, "longer")  # epochs (0.2-0.5 s) long enough that the kill lands in epoch 3
    os.mkdir(longer)
    write_dataset(longer, 30000, 100, compress=False)

    def killed_after(command, epoch, rank=False):
        """Runs command until it prints `epoch <epoch>/`, then kills it (SIGKILL), or with rank
        one of its children (an MPI rank: a node lost); its output. A run the kill missed (it
        finished first, on a stalled machine) is run again, up to three times."""
        for attempt in range(3):
            p = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            seen = ""
            for line in p.stdout:
                seen += line
                if line.startswith(f"epoch {epoch}/"):
                    victims = [int(c) for f in glob.glob(f"/proc/{p.pid}/task/*/children") for c in open(f).read().split()]
                    os.kill(max(victims) if rank else p.pid, signal.SIGKILL)
                    break
            seen += p.stdout.read()
            p.wait(timeout=120)
            if "test accuracy:" not in seen:
                return seen
        return seen

    for optimizer in (["--optimizer", "adam"], ["--optimizer", "sgd", "--momentum", "0.9", "--lr", "0.05"]):
        flags = ["--data", longer, "--model", "784-256-128-10", "--epochs", "4", "--batch", "50", *optimizer]
        name = optimizer[1]
        whole, resumed, ckpt = (os.path.join(tmp, f"{name}_{k}") for k in ("whole.ctw", "resumed.ctw", "run.ckpt"))
        code, out, err = run(*flags, "--quiet", "--save", whole)
        check(code == 0, f"{name}: four epochs uninterrupted", out + err)
        seen = killed_after([train, *flags, "--checkpoint", ckpt], 2)
        code, out, err = run(*flags, "--checkpoint", ckpt, "--resume", ckpt, "--save", resumed)
        m = re.search(r"^resumed from .* after epoch (\d)/4$", out, re.M)
        done = int(m.group(1)) if m else 0
        same = code == 0 and os.path.exists(resumed) and open(resumed, "rb").read() == open(whole, "rb").read()
        check(same and 2 <= done < 4 and len(re.findall(r"^epoch \d/4 ", out, re.M)) == 4 - done,
              f"{name}: killed after epoch 2 of 4 (checkpoint of epoch {done}), resumed: the same weights bit for bit",
              seen + out + err)

    if mpirun:
        # the same under mpirun with 2 ranks: one rank killed after epoch 2 (mpirun then ends
        # the job), resumed with 2 ranks; rank 0 wrote the checkpoint and reads it for all
        flags = ["--data", longer, "--model", "784-256-128-10", "--epochs", "4", "--batch", "50", "--distributed"]
        whole, resumed, ckpt = (os.path.join(tmp, f"mpi_{k}") for k in ("whole.ctw", "resumed.ctw", "run.ckpt"))
        r = subprocess.run([*mpirun, "-np", "2", train, *flags, "--quiet", "--save", whole], capture_output=True, text=True,
                           timeout=600)
        check(r.returncode == 0, "mpirun -np 2: four epochs uninterrupted", r.stdout + r.stderr)
        seen = killed_after([*mpirun, "-np", "2", train, *flags, "--checkpoint", ckpt], 2, rank=True)
        r = subprocess.run([*mpirun, "-np", "2", train, *flags, "--checkpoint", ckpt, "--resume", ckpt, "--save", resumed],
                           capture_output=True, text=True, timeout=600)
        m = re.search(r"^resumed from .* after epoch (\d)/4$", r.stdout, re.M)
        done = int(m.group(1)) if m else 0
        same = r.returncode == 0 and os.path.exists(resumed) and open(resumed, "rb").read() == open(whole, "rb").read()
        check(same and 2 <= done < 4 and r.stdout.count("resumed from") == 1,
              f"mpirun -np 2: a rank killed after epoch 2 of 4 (checkpoint of epoch {done}), resumed: the same weights bit for bit",
              seen + r.stdout + r.stderr)
        r = subprocess.run([*mpirun, "-np", "2", train, *flags, "--resume", os.path.join(tmp, "none.ckpt")],
                           capture_output=True, text=True, timeout=120)
        check(r.returncode != 0 and r.stderr.count("none.ckpt: cannot open for reading") == 1,
              "mpirun -np 2 --resume of a missing file: one message, an error exit, no hang", r.stdout + r.stderr)

    flags = ["--data", small, "--model", "784-128-10", "--epochs", "2", "--batch", "32"]
    ckpt = os.path.join(tmp, "small.ckpt")
    code, out, err = run(*flags, "--quiet", "--checkpoint", ckpt)
    check(code == 0 and os.path.exists(ckpt) and not os.path.exists(ckpt + ".tmp"), "--checkpoint writes its file", out + err)
    code, out, err = run(*flags, "--batch", "16", "--resume", ckpt)
    check(code == 1 and "was written by a run with --batch 32, this run has --batch 16" in err,
          "--resume with other settings names the first that differs", out + err)
    code, out, err = run(*flags, "--data", tiny, "--resume", ckpt)
    check(code == 1 and "training set 300 images, hash" in err and "this run has training set 40 images" in err,
          "--resume on another training set is refused", out + err)
    code, out, err = run(*flags, "--model", "784-256-128-10", "--resume", ckpt)
    check(code == 1 and "--model 784-128-10, this run has --model 784-256-128-10" in err,
          "--resume into another model is refused", out + err)
    code, out, err = run(*flags, "--resume", ckpt, "--plot", os.path.join(tmp, "resumed.svg"))
    check(code == 0 and "after epoch 2/2" in out and "test accuracy:" in out and
          open(os.path.join(tmp, "resumed.svg")).read().count("<circle") == 2,
          "--resume of a finished run evaluates it; its plot keeps the epochs before the resume", out + err)
    corrupt = os.path.join(tmp, "corrupt.ckpt")
    data = bytearray(open(ckpt, "rb").read())
    data[len(data) // 2] ^= 0x40
    open(corrupt, "wb").write(data)
    code, out, err = run(*flags, "--resume", corrupt)
    check(code == 1 and "corrupt" in err, "a corrupted checkpoint is refused", out + err)
    code, out, err = run(*flags, "--resume", os.path.join(tmp, "none.ckpt"))
    check(code == 1 and "none.ckpt: cannot open for reading: No such file or directory" in err,
          "a missing checkpoint is named", out + err)
    for extra, message in ((["--resume", ckpt, "--load", model], "--resume and --load both set the weights"),
                           (["--checkpoint", model, "--save", model], "--save and --checkpoint name the same file"),
                           (["--checkpoint", tmp], "is a folder")):
        code, out, err = run(*flags, *extra)
        check(code == 2 and message in err, f"refuses {' '.join(extra[:1])} ... ({message})", out + err)

    wrong = os.path.join(tmp, "wrong")
    os.mkdir(wrong)
    write_dataset(wrong, 40, 20, compress=False, rows=20, cols=20)
    code, out, err = run("--data", wrong, "--epochs", "1")
    check(code == 1 and "images are 20x20, expected 28x28" in err, "20x20 images are refused", out + err)
    flat = os.path.join(tmp, "flat")
    os.mkdir(flat)
    write_dataset(flat, 40, 20, compress=False, rows=1, cols=784)
    code, out, err = run("--data", flat, "--epochs", "1")
    check(code == 1 and "images are 1x784, expected 28x28" in err, "[N,1,784] images are refused (the README says 28x28)",
          out + err)

    # empty data sets are errors, never NaN
    for n_train, n_test, which in ((0, 20, "train-labels"), (40, 0, "t10k-labels")):
        empty = os.path.join(tmp, f"empty_{n_train}_{n_test}")
        os.mkdir(empty)
        write_dataset(empty, n_train, n_test, compress=False)
        code, out, err = run("--data", empty, "--epochs", "1")
        check(code == 1 and which in err and "holds no labels" in err and "nan" not in out.lower(),
              f"{n_train} training and {n_test} test images: refused", out + err)

    # Hostile files in place of the data (and of --load): exit 1, the file named, an answer
    # within 10 s, at most 400 MiB
    def hostile(name, make, args=None, expect=""):
        d = os.path.join(tmp, "hostile_" + name)
        os.mkdir(d)
        write_dataset(d, 40, 20, compress=False)
        target = make(d)
        code, out, err, seconds, mib = measured(*(args(d) if args else ["--data", d, "--epochs", "1", "--quiet"]))
        check(code == 1 and target in err and expect in err and seconds < 10 and mib < 400,
              f"hostile {name}: exit {code}, {seconds:.1f} s, {mib:.0f} MiB, '{err.strip()[:110]}'", out + err)

    def images(d):
        return os.path.join(d, "train-images-idx3-ubyte")

    def gzip_bomb(d, header):  # header, then 4 GiB of zeros in 64 gzip members of 64 MiB each
        os.remove(images(d))
        zeros = zlib.compressobj(9, zlib.DEFLATED, 31)
        member = zeros.compress(bytes(64 << 20)) + zeros.flush()
        with open(images(d) + ".gz", "wb") as f:
            f.write(gzip.compress(header))
            for _ in range(64):
                f.write(member)
        return images(d) + ".gz"

    hostile("gzip_zeros", lambda d: gzip_bomb(d, b""), expect="element type 0x00 is not supported")
    hostile("gzip_bomb", lambda d: gzip_bomb(d, idx([40, 28, 28], b"")), expect="(extra bytes at the end)")
    hostile("declares_2e6", lambda d: gzip_bomb(d, idx([2000000, 28, 28], b"")), expect="implausible dimensions")

    def wrapping(d):
        with open(images(d), "wb") as f:
            f.write(idx([1 << 20, 1 << 20, 1 << 24], b""))
        return images(d)

    hostile("wrapping_header", wrapping, expect="implausible dimensions")

    def zero_link(d):
        os.remove(images(d))
        os.symlink("/dev/zero", images(d))
        return images(d)

    hostile("dev_zero_link", zero_link, expect="is not a regular file")

    def fifo(d):
        os.remove(images(d))
        os.mkfifo(images(d))
        return images(d)

    hostile("fifo", fifo, expect="is not a regular file")

    def folder(d):
        os.remove(images(d))
        os.mkdir(images(d))
        return images(d)

    hostile("folder", folder, expect="is a directory")

    def huge_load(d):
        path = os.path.join(d, "huge.ctw")
        with open(path, "wb") as f:
            f.truncate(3 << 30)  # sparse: no disk used
        return path

    hostile("3GiB_load", huge_load, lambda d: ["--data", d, "--model", "784-128-10", "--load", os.path.join(d, "huge.ctw")],
            expect="not a ctgrad weights file")

    def fifo_load(d):
        path = os.path.join(d, "pipe.ctw")
        os.mkfifo(path)
        return path

    hostile("fifo_load", fifo_load, lambda d: ["--data", d, "--model", "784-128-10", "--load", os.path.join(d, "pipe.ctw")],
            expect="is not a regular file")

    def zero_load(d):
        path = os.path.join(d, "zero.ctw")
        os.symlink("/dev/zero", path)
        return path

    hostile("dev_zero_load", zero_load, lambda d: ["--data", d, "--model", "784-128-10", "--load", os.path.join(d, "zero.ctw")],
            expect="is not a regular file")

    # a FIFO left where an older save put its temporary: never opened
    piped = os.path.join(tmp, "piped.ctw")
    os.mkfifo(piped + ".tmp")
    code, out, err, seconds, mib = measured("--data", tiny, "--model", "784-128-10", "--epochs", "1", "--quiet",
                                            "--save", piped)
    check(code == 0 and seconds < 10 and os.path.isfile(piped), f"a FIFO at the old .tmp name: saved ({seconds:.1f} s)",
          out + err)

    # a multi-member gzip (cat a.gz b.gz) is read like zcat reads it
    multi = os.path.join(tmp, "multi")
    os.mkdir(multi)
    write_dataset(multi, 300, 100, compress=False)
    for name in os.listdir(multi):
        data = open(os.path.join(multi, name), "rb").read()
        half = len(data) // 2
        with open(os.path.join(multi, name + ".gz"), "wb") as f:
            f.write(gzip.compress(data[:half]) + gzip.compress(data[half:]))
        os.remove(os.path.join(multi, name))
    code, out, err = run("--data", multi, "--model", "784-128-10", "--epochs", "1", "--quiet")
    check(code == 0 and "test accuracy: " in out, "multi-member gzip data sets train", out + err)

print(f"{failures} failure(s)")
sys.exit(1 if failures else 0)
