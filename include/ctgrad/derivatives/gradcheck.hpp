// Gradients checked against central differences, at run time or in the compiler:
//
//   auto report = gradcheck(f, at(x = 0.3, y = 0.7));        // every trainable leaf
//   auto report = gradcheck(f, wrt(x), at(...), {.atol = 1e-6});
//   if (!report) std::cout << report;                         // the worst element
//   static_assert(gradcheck(softplus(x), at(x = 0.3)));      // a custom derivative, proved
//
// For each leaf element x: the difference (f(x + h) - f(x - h)) / (2h) with
// h = cbrt(eps) * max(1, |x|), which balances truncation (h^2) and rounding (eps / h)
// error. An element passes when |analytic - numeric| <= max(atol, rtol * max(|numeric|, |f|)):
// the |f| term is the rounding a difference of f's values carries. A non-scalar e is
// checked output by output (its Jacobian, by vector-Jacobian products).
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctgrad/derivatives/jacobian.hpp"
#include "ctgrad/derivatives/layout.hpp"
#include "ctgrad/derivatives/retype.hpp"
#include "ctgrad/engine/evaluate.hpp"
#include "ctgrad/engine/workspace.hpp"

namespace ctgrad {

struct gradcheck_options {
  double step = 0;  // h / max(1, |x|); 0: cbrt of the element type's epsilon
  double atol = 0;  // 0: 2e-8 for double, 3e-3 for float (as the project's own tests)
  double rtol = 0;  // 0: as atol
};

template <class T>
struct gradcheck_report {
  struct element {
    const char* leaf = "";   // its name
    std::size_t index = 0;   // flat index in the leaf
    std::size_t output = 0;  // flat index in the expression (0 for a scalar)
    T analytic{}, numeric{};
    T excess{};  // |analytic - numeric| over what the tolerance allows (<= 1 passes)
  };
  bool passed = true;
  std::size_t checked = 0;  // elements compared
  element worst{};          // the element with the largest excess

  constexpr explicit operator bool() const { return passed; }

  template <class Stream>
  friend Stream& operator<<(Stream& os, const gradcheck_report& r) {
    os << "gradcheck " << (r.passed ? "passed" : "FAILED") << " (" << r.checked << " elements checked); worst: leaf `"
       << r.worst.leaf << "` element " << r.worst.index;
    if (r.worst.output != 0) os << " of output " << r.worst.output;
    os << ", analytic " << r.worst.analytic << ", numeric " << r.worst.numeric << " (" << r.worst.excess
       << " of the tolerance)";
    return os;
  }
};

namespace detail {

constexpr double abs_of(double x) { return x < 0 ? -x : x; }

template <class T, class X>
constexpr T output_of(const X& y, std::size_t o) {
  if constexpr (std::is_arithmetic_v<X>)
    return y;
  else
    return y.flat(o);
}

inline constexpr auto gradcheck_name = fixed_string("gradcheck");

template <class E, class W, class B>
constexpr auto gradcheck_of(const E& e, const B& b, gradcheck_options opt) {
  using P = derivative_problem_t<gradcheck_name, E, W, B, false>;
  if constexpr (!std::is_void_v<P>) {
    return reported<P, E>();
  } else {
    using T = typename E::value_type;
    static_assert(std::is_floating_point_v<T>, "ctgrad: gradcheck: the expression's elements must be float or double");
    using S = schedule<E, all_trainable>;
    constexpr bool is_float = std::is_same_v<T, float>;
    const double step = opt.step > 0 ? opt.step : (is_float ? 4.921566601151848e-3 : 6.055454452393343e-6);
    const double atol = opt.atol > 0 ? opt.atol : (is_float ? 3e-3 : 2e-8);
    const double rtol = opt.rtol > 0 ? opt.rtol : atol;

    gradcheck_report<T> r;
    double worst = -1;
    // every leaf of type T copied, to be nudged in place; everything below is evaluated at
    // the copies, so the expression is compiled for one set of bindings only
    auto copies = dual_bindings<S, T, T>(b, [](auto, std::size_t, T&) {});
    const auto f0 = value(e, copies);
    jacobian_rows<W>(e, copies, [&](std::size_t o, const auto& g) {
      const double fo = abs_of(output_of<T>(f0, o));
      g.for_each([&]<class L>(L, const auto& analytic) {
        static_assert(!L::shape_type::dynamic, "ctgrad: gradcheck takes leaves of static shape");
        auto& v = static_cast<binding<L, by_value<tensor_for<T, typename L::shape_type>>>&>(copies).stored.value;
        for (std::size_t i = 0; i < L::shape_type::size; ++i) {
          const T x = v.flat(i);
          const T h = static_cast<T>(step * (abs_of(x) > 1 ? abs_of(x) : 1.0));
          const T xp = x + h, xm = x - h;
          v.flat(i) = xp;
          const T fp = output_of<T>(value(e, copies), o);
          v.flat(i) = xm;
          const T fm = output_of<T>(value(e, copies), o);
          v.flat(i) = x;
          const T numeric = (fp - fm) / (xp - xm);
          const T a = analytic.flat(i);
          const double scale = rtol * (abs_of(numeric) > fo ? abs_of(numeric) : fo);
          const double allowed = atol > scale ? atol : scale;
          const double err = abs_of(double(a) - double(numeric));
          const double excess = err == err ? err / allowed : 1e300;  // NaN fails
          ++r.checked;
          if (!(excess <= 1)) r.passed = false;
          if (excess > worst) {
            worst = excess;
            r.worst = {L::name.c_str(), i, o, a, numeric, static_cast<T>(excess)};
          }
        }
      });
    });
    return r;
  }
}

}  // namespace detail

// Every trainable leaf's gradient (or Jacobian) against central differences.
template <detail::evaluable E, binding_set B>
constexpr auto gradcheck(const E& e, const B& b, gradcheck_options opt = {}) {
  return detail::gradcheck_of<E, all_trainable>(e, b, opt);
}
// ... for the leaves of wrt(...)
template <detail::evaluable E, class... L, binding_set B>
constexpr auto gradcheck(const E& e, const wrt_t<L...>&, const B& b, gradcheck_options opt = {}) {
  return detail::gradcheck_of<E, wrt_t<L...>>(e, b, opt);
}

}  // namespace ctgrad
