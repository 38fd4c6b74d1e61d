// ctgrad: compile-time reverse-mode automatic differentiation. The umbrella header.
//
//   core/     values: tensor, shape, fixed_string, the constexpr random engine
//   expr/     the front end: expression nodes, bindings, the operation contract, make_op
//   engine/   the back end: schedule, storage, fusion, workspace, value/grad/vjp
//   derivatives/  forward mode (jvp), jacobian, hessian, hvp, derivatives<N>, gradcheck
//   ops/      the operations; math/ the scalar math they use; kernels/ the matrix products
//   nn/       layers, losses, models; optim/ optimizers
//
// Not included here, to keep this header cheap to compile: <ctgrad/nn/serialize.hpp>
// (nn::save, nn::load), <ctgrad/nn/summary.hpp>, <ctgrad/data/...> (needs zlib) and
// <ctgrad/parallel/...> (needs threads).
#pragma once

// (in the order of the layers: values, front end, back end, operations, layers)
#include "ctgrad/core/dual.hpp"
#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/labels.hpp"
#include "ctgrad/core/random.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/derivatives/along.hpp"
#include "ctgrad/derivatives/gradcheck.hpp"
#include "ctgrad/derivatives/hessian.hpp"
#include "ctgrad/derivatives/higher.hpp"
#include "ctgrad/derivatives/jacobian.hpp"
#include "ctgrad/derivatives/jvp.hpp"
#include "ctgrad/engine/evaluate.hpp"
#include "ctgrad/engine/workspace.hpp"
#include "ctgrad/expr/binding.hpp"
#include "ctgrad/expr/diagnostics.hpp"
#include "ctgrad/expr/expression.hpp"
#include "ctgrad/expr/make_op.hpp"
#include "ctgrad/expr/operation.hpp"
#include "ctgrad/expr/view.hpp"
#include "ctgrad/kernels/gemm.hpp"
#include "ctgrad/math/constexpr_math.hpp"
#include "ctgrad/math/dual.hpp"
#include "ctgrad/math/elementary.hpp"
#include "ctgrad/math/scalar.hpp"
#include "ctgrad/nn/activations.hpp"
#include "ctgrad/nn/conv.hpp"
#include "ctgrad/nn/linear.hpp"
#include "ctgrad/nn/losses.hpp"
#include "ctgrad/nn/metrics.hpp"
#include "ctgrad/nn/mlp.hpp"
#include "ctgrad/nn/parameters.hpp"
#include "ctgrad/nn/sequential.hpp"
#include "ctgrad/ops/axis.hpp"
#include "ctgrad/ops/conv.hpp"
#include "ctgrad/ops/broadcast.hpp"
#include "ctgrad/ops/convert.hpp"
#include "ctgrad/ops/cross_entropy.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/functions.hpp"
#include "ctgrad/ops/join.hpp"
#include "ctgrad/ops/linalg.hpp"
#include "ctgrad/ops/permute.hpp"
#include "ctgrad/ops/reduce.hpp"
#include "ctgrad/ops/reshape.hpp"
#include "ctgrad/ops/select.hpp"
#include "ctgrad/ops/slice.hpp"
#include "ctgrad/ops/softmax.hpp"
#include "ctgrad/ops/stop_gradient.hpp"
#include "ctgrad/optim/adam.hpp"
#include "ctgrad/optim/optimizer.hpp"
#include "ctgrad/optim/sgd.hpp"
