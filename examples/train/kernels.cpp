// The matrix kernels' code, compiled once here for the whole trainer: the other units are
// built with -DCTGRAD_EXTERN_KERNELS (examples/meson.build), so each model's unit compiles
// only its own model's code.
#include <ctgrad/kernels/instantiate.hpp>
