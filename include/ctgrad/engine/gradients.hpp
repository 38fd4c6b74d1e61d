// The gradients of one grad()/vjp() call, looked up by leaf: g[W].
//
// Scalars come out as plain numbers. A gradients object either holds its workspace (from
// the free grad()) or refers to one (from workspace::grad(), valid until that workspace's
// next use); either way nothing is copied: g[W] reads W's adjoint slot in the workspace,
// found by W's compile-time step.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctgrad/core/pack.hpp"
#include "ctgrad/engine/storage.hpp"

namespace ctgrad {

namespace detail {
struct gradient_access;
}

template <class Workspace, bool Owning>
class gradients {
  using schedule = typename Workspace::schedule;
  using storage = detail::storage<schedule>;

 public:
  // the leaves that have a gradient here
  template <class Leaf>
  static constexpr bool contains(const Leaf& = {}) {
    return schedule::template target<Leaf>::value;
  }

  // (each is one function per leaf asked for, and reads the adjoint pools directly: a
  // function here has the whole expression in its name, docs/design.md)
  template <class Leaf>
  constexpr decltype(auto) operator[](const Leaf&) const {
    const auto& t = slot<Leaf>::in(ws().adjoint_pools());
    if constexpr (Leaf::shape_type::rank == 0)
      return t.flat(0);
    else
      return t;
  }

  // the gradient as a tensor, also for a scalar leaf (tensor<T>)
  template <class Leaf>
  constexpr const auto& as_tensor(const Leaf&) const {
    return slot<Leaf>::in(ws().adjoint_pools());
  }

  // the value of the (scalar) expression at the same bindings
  constexpr auto value() const { return ws().scalar_value(); }

  // f(leaf, gradient tensor) for every leaf, in wrt(...) order or else schedule order
  template <class F>
  constexpr void for_each(F&& f) const {
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      detail::in_order{(f(typename schedule::template node<schedule::targets[J]>{}, ws().template adjoint<schedule::targets[J]>()), 0)...};
    }(std::make_index_sequence<schedule::target_count>{});
  }

 private:
  template <class Leaf>
  struct slot_check {
    static_assert(schedule::template target<Leaf>::value,
                  "ctgrad: no gradient for this leaf here: it is an input, or not in wrt(...), or not in the expression");
    using type = typename storage::template adjoint_slot<schedule::template step_of<Leaf>::value>;
  };
  template <class Leaf>
  using slot = typename slot_check<Leaf>::type;

  friend Workspace;
  friend struct detail::gradient_access;

  constexpr gradients() requires Owning = default;
  constexpr explicit gradients(const Workspace& w) requires(!Owning) : held_(&w) {}

  constexpr const Workspace& ws() const {
    if constexpr (Owning)
      return held_;
    else
      return *held_;
  }

  std::conditional_t<Owning, Workspace, const Workspace*> held_;
};

}  // namespace ctgrad
