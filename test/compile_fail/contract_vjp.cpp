// expect: reverse: the operation has no vjp<K>(dx, dy, y, x...) nor vjp_at<K>
#include <ctgrad/ctgrad.hpp>
using namespace ctgrad;
struct reverse {  // a general operation without its vector-Jacobian product
  static constexpr auto name = fixed_string("reverse");
  template <class S>
  using result_shape = S;
  template <class Y, class X>
  constexpr void forward(Y& y, const X& x) const {
    for (std::size_t i = 0; i < X::extent; ++i) y.flat(i) = x[X::extent - 1 - i];
  }
};
int main() {
  constexpr auto x = var<"x", double, 3>;
  auto e = make_op<reverse>(x);
  (void)e;
}
