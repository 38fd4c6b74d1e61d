// ctgrad: compile-time reverse-mode automatic differentiation. The umbrella header.
#pragma once

#include "ctgrad/core/binding.hpp"
#include "ctgrad/core/diagnostics.hpp"
#include "ctgrad/core/evaluate.hpp"
#include "ctgrad/core/expression.hpp"
#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/schedule.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/core/view.hpp"
#include "ctgrad/kernels/gemm.hpp"
#include "ctgrad/math/constexpr_math.hpp"
#include "ctgrad/math/functions.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/functions.hpp"
#include "ctgrad/ops/linalg.hpp"
#include "ctgrad/ops/reduce.hpp"
