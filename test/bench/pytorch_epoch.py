#!/usr/bin/env python3
"""Training epochs in PyTorch and in ctgrad's trainer, alternately, on Fashion-MNIST, batch 64:

- mlp_epoch, the contract workload (docs/benchmarks.md, section B): MLP 784-128-10, ReLU,
  softmax cross-entropy, SGD lr 0.1; 5 epochs per run, one thread and two;
- lenet_epoch: LeNet-5 (conv 6@5x5 pad 2, ReLU, max-pool 2, conv 16@5x5, ReLU, max-pool 2,
  Linear 400-120-84-10), Adam lr 1e-3 constant; 3 epochs per run, one thread.

Seconds per epoch are the training loop alone; the medians over the epochs after the first
of every run are compared.

    pytorch_epoch.py TRAINER [DATA_DIR] [ROUNDS] [WORKLOAD...]

prints `ratio <workload> ctgrad/pytorch <x>` for one thread (torch.set_num_threads(1)) and
`ratio <workload> ctgrad_threads2/pytorch_threads2 <x>` for two (OMP_WAIT_POLICY=PASSIVE,
without which PyTorch gets slower with two threads). Needs torch (Debian: python3-torch);
skips (exit 77) without it or without the dataset."""
import gzip
import os
import re
import statistics
import subprocess
import sys

# name: (trainer flags, epochs per run, thread counts)
WORKLOADS = {
    "mlp_epoch": (["--model", "784-128-10", "--optimizer", "sgd", "--lr", "0.1"], 5, (1, 2)),
    "lenet_epoch": (["--model", "lenet", "--optimizer", "adam", "--lr", "0.001", "--lr-schedule", "constant"], 3, (1,)),
}


def reexec_with_torch():
    try:
        import torch  # noqa: F401
        return
    except ImportError:
        pass
    # the python3 on PATH may be another installation than Debian's, which has python3-torch
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("torch is not installed (Debian: python3-torch): skipped")
    sys.exit(77)


def read_idx(path):
    import numpy as np
    for p in (path, path + ".gz"):
        if os.path.exists(p):
            data = gzip.open(p).read() if p.endswith(".gz") else open(p, "rb").read()
            ndim = data[3]
            dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    raise FileNotFoundError(path)


def pytorch_model(workload):
    import torch
    nn = torch.nn
    if workload == "mlp_epoch":
        model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
        return model, torch.optim.SGD(model.parameters(), lr=0.1), (784,)
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10))
    return model, torch.optim.Adam(model.parameters(), lr=1e-3), (1, 28, 28)


def pytorch_epochs(workload, data_dir, threads):
    """One PyTorch training run; returns the seconds of each epoch and the test accuracy."""
    import time
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model, opt, row = pytorch_model(workload)
    x = torch.from_numpy(read_idx(os.path.join(data_dir, "train-images-idx3-ubyte")).reshape(-1, *row).astype("float32") / 255)
    y = torch.from_numpy(read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte")).astype("int64"))
    xt = torch.from_numpy(read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte")).reshape(-1, *row).astype("float32") / 255)
    yt = torch.from_numpy(read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte")).astype("int64"))
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(1)
    seconds = []
    for _ in range(WORKLOADS[workload][1]):
        order = torch.randperm(x.shape[0], generator=g)
        start = time.perf_counter()
        for i in range(0, x.shape[0], 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - start)
    with torch.no_grad():
        accuracy = (model(xt).argmax(1) == yt).float().mean().item()
    return seconds, accuracy


def pytorch_run(workload, data_dir, threads):
    env = dict(os.environ)
    if threads > 1:
        env["OMP_WAIT_POLICY"] = "PASSIVE"  # must be set before torch starts its threads
    out = subprocess.run([sys.executable, __file__, "--pytorch", workload, data_dir, str(threads)], env=env,
                         capture_output=True, text=True, check=True).stdout
    *seconds, accuracy = [float(v) for v in out.split()]
    return seconds, accuracy


def ctgrad_run(workload, trainer, data_dir, threads):
    flags, epochs, _ = WORKLOADS[workload]
    out = subprocess.run([trainer, "--data", data_dir, *flags, "--batch", "64", "--epochs", str(epochs),
                          "--threads", str(threads)], capture_output=True, text=True, check=True).stdout
    # the epoch lines print seconds to 0.01 s; samples/s (and the image count) resolve them finer
    images = int(re.search(r"^\S+: (\d+) training and", out, re.M).group(1))
    seconds = [images / float(r) for r in re.findall(r"^epoch \d+/\d+ .* [0-9.]+ s  (\d+) samples/s$", out, re.M)]
    accuracy = float(re.search(r"^test accuracy: ([0-9.]+)$", out, re.M).group(1))
    return seconds, accuracy


def compare(workload, trainer, data_dir, rounds):
    _, epochs, thread_counts = WORKLOADS[workload]
    print(f"{workload}: {rounds} alternating runs of {epochs} epochs each")
    for threads in thread_counts:
        times = {"ctgrad": [], "pytorch": []}
        for r in range(rounds):
            for name in (("ctgrad", "pytorch") if r % 2 == 0 else ("pytorch", "ctgrad")):
                seconds, accuracy = (ctgrad_run(workload, trainer, data_dir, threads) if name == "ctgrad"
                                     else pytorch_run(workload, data_dir, threads))
                times[name] += seconds[1:]  # the first epoch warms caches and allocators
                print(f"  {threads} thread(s) {name:8s} run {r + 1}: " + " ".join(f"{s:.3f}" for s in seconds)
                      + f" s, test accuracy {accuracy:.4f}")
        c, p = statistics.median(times["ctgrad"]), statistics.median(times["pytorch"])
        suffix = "" if threads == 1 else "_threads2"
        print(f"{workload} threads {threads}: ctgrad median {c:.3f} s (min {min(times['ctgrad']):.3f}, max "
              f"{max(times['ctgrad']):.3f}), pytorch median {p:.3f} s (min {min(times['pytorch']):.3f}, max "
              f"{max(times['pytorch']):.3f})")
        print(f"ratio {workload} ctgrad{suffix}/pytorch{suffix} {c / p:.2f}")


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--pytorch":  # the child: one PyTorch run
        seconds, accuracy = pytorch_epochs(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        print(" ".join(f"{s:.6f}" for s in seconds), f"{accuracy:.4f}")
        return 0
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    reexec_with_torch()
    trainer = sys.argv[1]
    data_dir = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/datasets/fashion-mnist"
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    workloads = sys.argv[4:] or list(WORKLOADS)
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        print(f"unknown workload {unknown[0]}: expected one of {', '.join(WORKLOADS)}")
        return 2
    if not os.path.isdir(data_dir):
        print(f"no dataset at {data_dir} (Debian: dataset-fashion-mnist): skipped")
        return 77
    import torch
    print(f"PyTorch {torch.__version__} against {trainer}")
    for workload in workloads:
        compare(workload, trainer, data_dir, rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
