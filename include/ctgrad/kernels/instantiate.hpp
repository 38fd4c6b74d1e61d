// The matrix kernels' code for float and double, compiled here: include this in one
// translation unit of a program whose other units define CTGRAD_EXTERN_KERNELS, so that
// they skip compiling it (kernels/gemm.hpp). With the same compiler flags as those units.
#pragma once

#include "ctgrad/kernels/gemm.hpp"

namespace ctgrad::detail {
CTGRAD_DETAIL_KERNELS(template, float)
CTGRAD_DETAIL_KERNELS(template, double)
}  // namespace ctgrad::detail
