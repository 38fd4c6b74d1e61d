#!/usr/bin/env python3
"""Reference numbers for the tests, computed independently with PyTorch (float64).

Run with Debian's python3-torch:  /usr/bin/python3 test/reference/torch_reference.py > test/reference/torch_values.hpp
The inputs are small fixed arrays written below; the output is a C++ header holding both
the inputs and PyTorch's losses, gradients and optimizer results.
"""
import math
import torch

torch.set_default_dtype(torch.float64)


def fixed(shape, scale, phase):
    n = math.prod(shape)
    return torch.tensor([scale * math.sin(0.7 * i + phase) for i in range(n)]).reshape(shape)


out = []


def emit(name, t):
    flat = t.detach().reshape(-1).tolist() if isinstance(t, torch.Tensor) else [t]
    body = ", ".join(repr(float(v)) for v in flat)
    out.append(f"inline constexpr double {name}[] = {{{body}}};")


def emit_int(name, values):
    out.append(f"inline constexpr int {name}[] = {{{', '.join(str(v) for v in values)}}};")


# cross-entropy: logits [4, 5], labels [4]
logits = fixed((4, 5), 3.0, 0.1).requires_grad_()
labels = [2, 0, 4, 1]
loss = torch.nn.functional.cross_entropy(logits, torch.tensor(labels))
loss.backward()
emit("ce_logits", logits)
emit_int("ce_labels", labels)
emit("ce_loss", loss.item())
emit("ce_grad", logits.grad)

# Linear(3, 2) on X [4, 3], squared loss sum(1/2 (y_hat - y)^2)
X = fixed((4, 3), 1.0, 0.3)
Y = fixed((4, 2), 2.0, 1.1)
W = fixed((2, 3), 0.5, 2.0).requires_grad_()
b = fixed((2,), 0.5, 0.4).requires_grad_()
loss = 0.5 * ((X @ W.T + b - Y) ** 2).sum()
loss.backward()
for n, v in [("lin_X", X), ("lin_Y", Y), ("lin_W", W), ("lin_b", b), ("lin_loss", loss.item()),
             ("lin_dW", W.grad), ("lin_db", b.grad)]:
    emit(n, v)


# MLP 3-4-2 (ReLU or tanh) on X [5, 3], mse
def mlp(act, name):
    X = fixed((5, 3), 1.0, 0.9)
    Y = fixed((5, 2), 1.0, 2.5)
    W0 = fixed((4, 3), 0.8, 0.2).requires_grad_()
    b0 = fixed((4,), 0.3, 1.7).requires_grad_()
    W1 = fixed((2, 4), 0.8, 3.1).requires_grad_()
    b1 = fixed((2,), 0.3, 0.6).requires_grad_()
    h = act(X @ W0.T + b0)
    loss = ((h @ W1.T + b1 - Y) ** 2).mean()
    loss.backward()
    for n, v in [("X", X), ("Y", Y), ("W0", W0), ("b0", b0), ("W1", W1), ("b1", b1), ("loss", loss.item()),
                 ("dW0", W0.grad), ("db0", b0.grad), ("dW1", W1.grad), ("db1", b1.grad)]:
        emit(f"{name}_{n}", v)


mlp(torch.relu, "mlp_relu")
mlp(torch.tanh, "mlp_tanh")


# Optimizers: three steps on the Linear problem above, parameters after each run
def train(make, name):
    W = fixed((2, 3), 0.5, 2.0).requires_grad_()
    b = fixed((2,), 0.5, 0.4).requires_grad_()
    opt = make([W, b])
    for _ in range(3):
        opt.zero_grad()
        loss = 0.5 * ((X @ W.T + b - Y) ** 2).sum()
        loss.backward()
        opt.step()
    emit(f"{name}_W", W)
    emit(f"{name}_b", b)


train(lambda p: torch.optim.SGD(p, lr=0.05), "sgd_plain")
train(lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01), "sgd_momentum")
train(lambda p: torch.optim.Adam(p, lr=0.1), "adam")
train(lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01), "adam_wd")

# Elementwise functions: each on 9 fixed inputs in its domain, value and the gradient of
# sum(w * f(x)) for fixed weights w (test_ops.cpp). Binary ones take a second input y.
F = torch.nn.functional
w = fixed((9,), 1.0, 0.5)
unary = [
    ("log1p", torch.log1p, 0.9, 0.2), ("expm1", torch.expm1, 3.0, 0.1), ("atan", torch.atan, 4.0, 0.3),
    ("asin", torch.asin, 0.95, 0.4), ("acos", torch.acos, 0.95, 0.6), ("sinh", torch.sinh, 3.0, 0.7),
    ("cosh", torch.cosh, 3.0, 0.8), ("erf", torch.erf, 2.5, 0.9), ("sign", torch.sign, 2.0, 1.0),
    ("gelu", F.gelu, 3.0, 1.1), ("silu", F.silu, 5.0, 1.2), ("softplus", F.softplus, 6.0, 1.3),
    ("elu", lambda x: F.elu(x, alpha=0.7), 3.0, 1.4), ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), 2.0, 1.5),
    ("clamp", lambda x: torch.clamp(x, -0.5, 0.8), 2.0, 1.6),
    ("where", lambda x: torch.where(x > 0.3, torch.sin(x), x * x), 2.0, 1.7),
]
for name, f, scale, phase in unary:
    x = fixed((9,), scale, phase).requires_grad_()
    y = f(x)
    (w * y).sum().backward()
    emit(f"ew_{name}_x", x)
    emit(f"ew_{name}_y", y)
    emit(f"ew_{name}_dx", x.grad)
binary = [("atan2", torch.atan2), ("minimum", torch.minimum), ("maximum", torch.maximum)]
for name, f in binary:
    a = fixed((9,), 2.0, 0.2)
    b = fixed((9,), 2.0, 2.9)
    b[4] = a[4]  # a tie: the gradient splits
    a.requires_grad_()
    b.requires_grad_()
    y = f(a, b)
    (w * y).sum().backward()
    for n, v in [("a", a), ("b", b), ("y", y), ("da", a.grad), ("db", b.grad)]:
        emit(f"ew_{name}_{n}", v)
emit("ew_w", w)

# Shape, axis and softmax operations: each applied to one fixed x [2, 3, 4] (with a zero,
# for prod, and ties along the last axis and the first, for max and min), its value and the
# gradient of sum(w * f(x)) for fixed weights w of the value's shape (test_shapes.cpp,
# test_reductions.cpp). Names are the C++ calls' (ax_<name>_y, _w, _dx).
ax_x = fixed((2, 3, 4), 2.0, 0.25)
ax_x[0, 1, 2] = 0.0
ax_x[1, 2, 3] = ax_x[1, 2, 0]
ax_x[1, 0, 1] = ax_x[0, 0, 1]
emit("ax_x", ax_x)
axis_ops = [
    ("sum0", lambda x: x.sum(0)), ("sum1", lambda x: x.sum(1)), ("sum_last", lambda x: x.sum(-1)),
    ("mean1", lambda x: x.mean(1)), ("max0", lambda x: x.amax(0)), ("max_last", lambda x: x.amax(-1)),
    ("min1", lambda x: x.amin(1)), ("max_all", lambda x: x.amax()), ("min_last", lambda x: x.amin(-1)),
    ("prod1", lambda x: x.prod(1)), ("prod_last", lambda x: x.prod(-1)),
    ("logsumexp0", lambda x: x.logsumexp(0)), ("logsumexp_last", lambda x: x.logsumexp(-1)),
    ("logsumexp_all", lambda x: x.logsumexp((0, 1, 2))),
    ("norm1", lambda x: x.norm(dim=1)), ("norm_all", lambda x: x.norm()),
    ("variance0", lambda x: x.var(0)), ("variance_last", lambda x: x.var(-1)),
    ("stddev1", lambda x: x.std(1)), ("stddev_all", lambda x: x.std()),
    ("softmax0", lambda x: x.softmax(0)), ("softmax1", lambda x: x.softmax(1)), ("softmax_last", lambda x: x.softmax(-1)),
    ("log_softmax0", lambda x: x.log_softmax(0)), ("log_softmax_last", lambda x: x.log_softmax(-1)),
    ("reshape", lambda x: x.reshape(4, 6)), ("flatten", lambda x: x.flatten()), ("flatten1", lambda x: x.flatten(1)),
    ("unsqueeze1", lambda x: x.unsqueeze(1)), ("squeeze", lambda x: x.reshape(2, 1, 12, 1).squeeze()),
    ("transpose02", lambda x: x.transpose(0, 2)), ("transpose12", lambda x: x.transpose(1, 2)),
    ("broadcast_to", lambda x: x.broadcast_to(2, 2, 3, 4)),
    ("broadcast_column", lambda x: x.sum(-1, keepdim=True).broadcast_to(2, 3, 4)),
    ("index1", lambda x: x[1]), ("slice1", lambda x: x[:, 1:3]), ("slice_last", lambda x: x[..., 0:2]),
    ("concat1", lambda x: torch.cat([x, 2 * x[:, :2]], 1)), ("concat_last", lambda x: torch.cat([x, x.sin(), x * x, x], -1)),
    ("stack", lambda x: torch.stack([x, x.sin()])), ("stack_last", lambda x: torch.stack([x[0], x[1]], -1)),
]
for i, (name, f) in enumerate(axis_ops):
    x = ax_x.clone().requires_grad_()
    y = f(x)
    wy = fixed(tuple(y.shape), 1.0, 0.3 + 0.1 * i)
    (wy * y).sum().backward()
    emit(f"ax_{name}_y", y)
    emit(f"ax_{name}_w", wy)
    emit(f"ax_{name}_dx", x.grad)

# Losses (test_losses.cpp): prediction [3, 4] against a target, value and gradient of both
lp = fixed((3, 4), 1.5, 0.6)
lt = fixed((3, 4), 1.0, 2.2)
lt[1, 1] = lp[1, 1]  # d = 0: abs's kink
prob = torch.sigmoid(fixed((3, 4), 3.0, 1.9))
flags = (fixed((3, 4), 1.0, 0.45) > 0).double()
soft = torch.sigmoid(fixed((3, 4), 2.0, 0.75))  # targets in (0, 1)
losses = [
    ("l1", lambda p, t: F.l1_loss(p, t), lp, lt), ("l1_sum", lambda p, t: F.l1_loss(p, t, reduction="sum"), lp, lt),
    ("huber", lambda p, t: F.huber_loss(p, t, delta=0.7), lp, lt),
    ("huber_sum", lambda p, t: F.huber_loss(p, t, reduction="sum", delta=1.3), lp, lt),
    ("bce", lambda p, t: F.binary_cross_entropy(p, t), prob, flags),
    ("bce_soft", lambda p, t: F.binary_cross_entropy(p, t, reduction="sum"), prob, soft),
    ("bce_logits", lambda p, t: F.binary_cross_entropy_with_logits(p, t), 10 * lp, soft),
    ("bce_logits_sum", lambda p, t: F.binary_cross_entropy_with_logits(p, t, reduction="sum"), lp, flags),
]
for name, f, p0, t0 in losses:
    p = p0.clone().requires_grad_()
    t = t0.clone().requires_grad_()
    loss = f(p, t)
    loss.backward()
    for n, v in [("p", p), ("t", t), ("loss", loss.item()), ("dp", p.grad), ("dt", t.grad)]:
        emit(f"loss_{name}_{n}", v)
scores = fixed((5, 4), 3.0, 1.2)
class_labels = [2, -1, 0, 3, 3]  # -1: ignore_label
emit("loss_scores", scores)
emit_int("loss_labels", class_labels)
for name, f in [("nll", lambda z: F.nll_loss(F.log_softmax(z, 1), torch.tensor(class_labels), ignore_index=-1)),
                ("nll_sum", lambda z: F.nll_loss(F.log_softmax(z, 1), torch.tensor(class_labels), ignore_index=-1,
                                                 reduction="sum")),
                ("ce_sum", lambda z: F.cross_entropy(z, torch.tensor(class_labels), ignore_index=-1, reduction="sum"))]:
    z = scores.clone().requires_grad_()
    loss = f(z)
    loss.backward()
    emit(f"loss_{name}_loss", loss.item())
    emit(f"loss_{name}_dz", z.grad)

# Derivatives (test_derivatives.cpp) of functions of one x [2, 3]: Jacobians and jvp of
# vector functions, Hessians and hvp of scalar ones, by torch.autograd.functional. The
# function names are the C++ test's (der_<name>_...), each a different operation family.
from torch.autograd import functional as AF
der_x = fixed((2, 3), 0.8, 0.3)
der_v = fixed((2, 3), 1.0, 2.2)
der_A = fixed((3, 2), 0.7, 1.4)
der_labels = [1, 2]
emit("der_x", der_x)
emit("der_v", der_v)
emit("der_A", der_A)
emit_int("der_labels", der_labels)
vector_fns = [
    ("matmul", lambda x: torch.tanh(der_A @ x)),
    ("softmax", lambda x: x.softmax(1) * x),
    ("axes", lambda x: torch.cat([x.logsumexp(1), x.amax(1), x.var(1)])),
    ("shapes", lambda x: torch.exp(0.5 * torch.cat([x.T, x.reshape(3, 2)], 0))),
    ("select", lambda x: torch.where(x > 0, x * x, torch.sin(x)) + x[:, 1:3].sum(1, keepdim=True).broadcast_to(2, 3)),
    ("stack", lambda x: torch.stack([x[1], x[0] * x[1]]).amin(0) / (1 + x[0].abs())),
]
for name, f in vector_fns:
    emit(f"der_{name}_jac", AF.jacobian(f, der_x))
    value, tangent = AF.jvp(f, der_x, der_v)
    emit(f"der_{name}_value", value)
    emit(f"der_{name}_jvp", tangent)
scalar_fns = [
    ("ce", lambda x: F.cross_entropy(x, torch.tensor(der_labels)) + 0.1 * (x * x).sum()),
    ("mix", lambda x: (torch.sigmoid(x) * F.softplus(x)).sum() + (x + 2).prod(1).sum()),
    ("norm", lambda x: x.norm() * x.logsumexp((0, 1)) + torch.sin(x).mean()),
    ("losses", lambda x: F.huber_loss(x, der_v, delta=0.5) + F.binary_cross_entropy_with_logits(x, torch.sigmoid(der_v))
     + F.l1_loss(x.tanh(), der_v)),
]
for name, f in scalar_fns:
    emit(f"der_{name}_hessian", AF.hessian(f, der_x))
    value, hv = AF.hvp(f, der_x, der_v)
    emit(f"der_{name}_value", value)
    emit(f"der_{name}_hvp", hv)

# Convolution and pooling (NCHW), forward and gradients of sum(y * R) for a fixed R:
# conv_<case>_{x, w, b, R, y, dx, dw, db}; pool_<case>_{x, R, y, dx}
conv_cases = [  # name, x shape, w shape, bias, stride, padding, dilation
    ("pad", (2, 3, 6, 5), (4, 3, 3, 3), True, 1, 1, 1),
    ("stride", (1, 2, 7, 7), (3, 2, 2, 3), False, 2, 0, 2),
    ("lenet", (2, 1, 5, 5), (2, 1, 5, 5), True, 1, 2, 1),
    ("floor", (1, 2, 8, 6), (2, 2, 3, 3), True, 3, 1, 1),  # (8 + 2 - 3) / 3 rounds down
]
for k, (name, xs, ws, has_bias, stride, padding, dilation) in enumerate(conv_cases):
    x = fixed(xs, 1.0, 0.2 + k).requires_grad_()
    w = fixed(ws, 0.5, 1.3 + k).requires_grad_()
    b = fixed((ws[0],), 0.3, 2.1 + k).requires_grad_() if has_bias else None
    y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    R = fixed(tuple(y.shape), 1.0, 0.9 + k)
    (y * R).sum().backward()
    for suffix, v in [("x", x), ("w", w), ("R", R), ("y", y), ("dx", x.grad), ("dw", w.grad)]:
        emit(f"conv_{name}_{suffix}", v)
    if has_bias:
        emit(f"conv_{name}_b", b)
        emit(f"conv_{name}_db", b.grad)
pool_cases = [  # name, max or avg, window, stride
    ("max2", True, 2, 2), ("max3s1", True, 3, 1), ("avg2", False, 2, 2), ("avg3s1", False, 3, 1)]
for k, (name, is_max, window, stride) in enumerate(pool_cases):
    x = fixed((2, 2, 6, 4), 1.0, 0.4 + k).requires_grad_()
    y = (F.max_pool2d if is_max else F.avg_pool2d)(x, window, stride)
    R = fixed(tuple(y.shape), 1.0, 1.7 + k)
    (y * R).sum().backward()
    for suffix, v in [("x", x), ("R", R), ("y", y), ("dx", x.grad)]:
        emit(f"pool_{name}_{suffix}", v)

print("// Generated by test/reference/torch_reference.py with PyTorch", torch.__version__, "(float64). Do not edit.")
print("#pragma once")
print("namespace torch_ref {")
print("\n".join(out))
print("}  // namespace torch_ref")
