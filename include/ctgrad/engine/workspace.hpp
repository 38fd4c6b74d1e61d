// A workspace: the storage for evaluating expressions of one type, and the evaluation.
//
//   workspace<decltype(loss)> ws;              // big for big tensors: allocate it once
//   const auto& g = ws.grad(loss, at(...));    // no allocation; g refers into ws
//
// One value slot per stored operation step and one adjoint slot per stored active step, in
// one array per distinct tensor type (storage.hpp). Evaluation is straight-line code:
// forward over the schedule's steps (schedule.hpp), then backward over the active ones in
// reverse, each step run by its recipe (recipes.hpp): an operation's forward and vjp.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

#include "ctgrad/core/pack.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/engine/checks.hpp"
#include "ctgrad/engine/dynamic.hpp"
#include "ctgrad/engine/gradients.hpp"
#include "ctgrad/engine/recipes.hpp"
#include "ctgrad/engine/schedule.hpp"
#include "ctgrad/engine/storage.hpp"
#include "ctgrad/expr/binding.hpp"
#include "ctgrad/expr/diagnostics.hpp"
#include "ctgrad/expr/expression.hpp"

namespace ctgrad {

namespace detail {
struct gradient_access;
}

// Storage for evaluating expressions of type Expr: one value slot per operation, one
// adjoint slot per active step. Reuse one across calls (e.g. a training loop); it is big
// for big tensors, so allocate it once wherever suits (std::make_unique is fine).
//
// With dynamic extents (shape<dyn, ...>), the values of dynamic shape live in buffers the
// workspace allocates for `capacity` rows when it is made (workspace<E> ws(rows)) or
// reserve(rows) is called, and only then: an evaluation with more rows throws shape_error.
template <class Expr, class Wrt = all_trainable>
class workspace {
  static_assert(expression<Expr>, "ctgrad: workspace<E> needs an expression type E (use decltype(expr))");

 public:
  using schedule = detail::schedule<Expr, Wrt>;
  static constexpr std::size_t steps = schedule::size;

 private:
  using storage = detail::storage<schedule>;

 public:
  // whether it keeps values of a dynamic extent (then it has a capacity, in rows)
  static constexpr bool dynamic = storage::dynamic;

  constexpr workspace() = default;
  // room for `rows` rows of the dynamic values, allocated now
  constexpr explicit workspace(std::size_t rows)
    requires dynamic
  {
    reserve(rows);
  }
  constexpr workspace(const workspace&) requires(!dynamic) = default;
  constexpr workspace(const workspace& o)
    requires dynamic
      : values_(o.values_), adjoints_(o.adjoints_), buffers_(o.buffers_), dims_(o.dims_), scalar_value_(o.scalar_value_) {
    storage::attach(buffers_, values_, adjoints_, dims_.capacity);  // the copies' own elements
  }
  constexpr workspace& operator=(const workspace&) requires(!dynamic) = default;
  constexpr workspace& operator=(const workspace& o)
    requires dynamic
  {
    workspace copy(o);
    *this = static_cast<workspace&&>(copy);
    return *this;
  }
  constexpr workspace(workspace&&) noexcept = default;  // (moving buffers keeps the elements where they are)
  constexpr workspace& operator=(workspace&&) noexcept = default;

  // Room for `rows` rows of the dynamic values: allocates only when rows > capacity().
  constexpr void reserve(std::size_t rows)
    requires dynamic
  {
    if (rows <= dims_.capacity && dims_.attached) return;
    storage::attach(buffers_, values_, adjoints_, rows);
    dims_.capacity = rows;
    dims_.attached = true;
  }
  constexpr std::size_t capacity() const
    requires dynamic
  {
    return dims_.capacity;
  }
  // the rows of the last evaluation
  constexpr std::size_t rows() const
    requires dynamic
  {
    return dims_.rows;
  }

  // The value of e: a plain number for a scalar, else a reference into this workspace.
  template <binding_set B>
  constexpr decltype(auto) value(const Expr& e, const B& b) {
    return evaluate<false>(e, b);
  }

  // Gradients (and value) of a scalar e; they live in this workspace until its next use.
  template <binding_set B>
  constexpr gradients<workspace, false> grad(const Expr& e, const B& b) {
    run<true>(e, typename Expr::value_type(1), b);
    return gradients<workspace, false>(*this);
  }

  using gradients_type = gradients<workspace, false>;
  // the gradients of the last grad()/vjp() call, again
  constexpr gradients_type gradients_view() const { return gradients_type(*this); }

  // Vector-Jacobian product: seed has e's shape and plays the role of d(loss)/d(e).
  template <class Seed, binding_set B>
  constexpr gradients<workspace, false> vjp(const Expr& e, const Seed& seed, const B& b) {
    run<false>(e, seed, b);
    return gradients<workspace, false>(*this);
  }

  // The value a sub-expression had in the last value()/grad()/vjp() call, e.g. the logits
  // under a loss (for accuracy without a second forward pass). It must be a pure
  // operation node of the expression that is stored (not fused into its consumer).
  template <class Sub>
  constexpr const auto& stored_value(const Sub&) const {
    static_assert(detail::is_pure<Sub>, "ctgrad: stored_value: the sub-expression holds constants; it has no unique step");
    constexpr std::size_t i = schedule::template step_of<Sub>::value;
    static_assert(i < steps, "ctgrad: stored_value: not a sub-expression of this workspace's expression");
    static_assert(detail::is_op_node<Sub> && !schedule::fused[i],
                  "ctgrad: stored_value: this step is fused into its consumer (or a leaf): no stored value");
    return storage::template value_slot<i>::in(values_);
  }
  template <class Sub>
  static constexpr bool stores(const Sub& = {}) {
    if constexpr (detail::is_pure<Sub>) {
      constexpr std::size_t i = schedule::template step_of<Sub>::value;
      if constexpr (i < steps) return detail::is_op_node<Sub> && !schedule::fused[i];
    }
    return false;
  }

  // the adjoints of the last grad()/vjp() call, by type (see storage.hpp)
  constexpr const auto& adjoint_pools() const { return adjoints_; }
  template <std::size_t I>
  constexpr const auto& adjoint() const {
    return storage::template adjoint_slot<I>::in(adjoints_);
  }
  constexpr auto scalar_value() const {
    static_assert(Expr::shape_type::rank == 0, "ctgrad: value() of gradients needs a scalar expression");
    return scalar_value_;
  }

 private:
  friend struct detail::gradient_access;

  using T = typename Expr::value_type;
  struct dynamic_dims {
    std::size_t capacity = 0, rows = 0;
    bool attached = false;
  };

  using inputs_type = typename storage::inputs;

  typename storage::values values_;
  typename storage::adjoints adjoints_;
  [[no_unique_address]] typename storage::buffers buffers_;  // (empty without dynamic values)
  [[no_unique_address]] std::conditional_t<dynamic, dynamic_dims, detail::no_slot> dims_;
  [[no_unique_address]] std::conditional_t<Expr::shape_type::rank == 0, T, detail::no_slot> scalar_value_;

  // The value of e; Grow: a workspace of its own may grow to the bound rows.
  template <bool Grow, class B>
  constexpr decltype(auto) evaluate(const Expr& e, const B& b) {
    if constexpr (check<B, false>()) {  // else reported: nothing more to say
      inputs_type in;                    // every entry is set before it is read
      fill_inputs(in, e, b);
      if constexpr (detail::dynamic_plan<schedule>::any) size_for<Grow>(in);
      forward(in, std::make_index_sequence<storage::passes.forward.size>{});
      return out(detail::value_of<value_recipe<schedule::root>>::get(values_, in));  // a slot, binding or constant
    }
  }

  // The rows of this evaluation (checked), and the dynamic slots set to them.
  template <bool Grow>
  constexpr void size_for(const inputs_type& in) {
    using plan = detail::dynamic_plan<schedule>;
    std::array<std::size_t, schedule::size> rows{};
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      detail::in_order{(rows[K] = storage::template value_slot<plan::sources.step[K]>::in(in).n, 0)...};
    }(std::make_index_sequence<plan::sources.size>{});
    const std::size_t n = detail::agreed_rows<schedule>(rows);
    if constexpr (dynamic) {
      if (n > dims_.capacity || !dims_.attached) {
        if constexpr (Grow)
          reserve(n);
        else
          throw shape_error("workspace: " + std::to_string(n) + " rows, more than its capacity of " +
                            std::to_string(dims_.capacity) + " (make it with workspace<E>(rows), or call reserve(rows))");
      }
      dims_.rows = n;
      storage::set_rows(values_, adjoints_, n);
    }
  }

  template <bool NeedScalar, bool Grow = false, class Seed, class B>
  constexpr void run(const Expr& e, const Seed& seed, const B& b) {
    using want = tensor_for<T, typename Expr::shape_type>;
    static_assert(std::is_same_v<Seed, want> || (Expr::shape_type::rank == 0 && (std::is_arithmetic_v<Seed> || std::is_same_v<Seed, T>)),
                  "ctgrad: vjp: the seed must be a tensor of the expression's element type and shape");
    if constexpr (check<B, NeedScalar>()) {
      inputs_type in;  // every entry is set before it is read
      fill_inputs(in, e, b);
      if constexpr (detail::dynamic_plan<schedule>::any) size_for<Grow>(in);
      forward(in, std::make_index_sequence<storage::passes.forward.size>{});
      if constexpr (Expr::shape_type::rank == 0)
        scalar_value_ = detail::value_of<value_recipe<schedule::root>>::get(values_, in).flat(0);
      seed_root(seed);
      zero_unreached(std::make_index_sequence<storage::passes.zero.size>{});
      backward(in, std::make_index_sequence<storage::passes.backward.size>{});
    }
  }

  // reports what is wrong with evaluating at bindings B, if anything; true when nothing is
  template <class B, bool NeedScalar>
  static constexpr bool check() {
    using P = detail::problem_t<Expr, Wrt, B, NeedScalar>;
    if constexpr (!std::is_void_v<P>) detail::report<P>();
    return std::is_void_v<P>;
  }

  template <class X>
  static constexpr decltype(auto) out(const X& t) {
    if constexpr (X::rank == 0)
      return t.flat(0);
    else if constexpr (requires { t.p; t.n; } && !requires { t.flat(0); })
      return X(t);  // a dynamic input's view: a copy (the one in hand lives in this evaluation)
    else
      return (t);
  }

  // Evaluation reads every step through its recipe (recipes.hpp) from the pools of values,
  // adjoints and inputs (storage.hpp).
  template <std::size_t I>
  using value_recipe = typename detail::value_recipe<schedule, I>::type;
  template <std::size_t I>
  using op_recipe = typename detail::op_recipe_of<schedule, I>::type;

  template <std::size_t I>
  using adjoint_recipe = typename detail::adjoint_recipe<schedule, I>::type;
  template <std::size_t I>
  using edges = typename detail::edges_of<schedule, I>::type;

  // (each loop runs over the steps its pass lists, storage.hpp: I = Pass.step[J]; in_order,
  // not a fold expression: core/pack.hpp)
  template <std::size_t I>
  using path_of = typename schedule::template step<I>::path_type;

  template <class B>
  constexpr void fill_inputs(inputs_type& in, const Expr& e, const B& b) {
    fill_leaves(in, b, std::make_index_sequence<storage::passes.leaves.size>{});
    fill_constants(in, e, std::make_index_sequence<storage::passes.constants.size>{});
    fill_data_ops(in, e, std::make_index_sequence<storage::passes.data_ops.size>{});
  }
  // a leaf's value from its binding, by a cast (no function per leaf)
  template <class B, std::size_t... J>
  constexpr void fill_leaves(inputs_type& in, const B& b, std::index_sequence<J...>) {
    constexpr auto& pass = storage::passes.leaves;
    detail::in_order{(storage::template value_slot<pass.step[J]>::in(in) = detail::input_of(
                          static_cast<const typename detail::binding_in<typename schedule::template node<pass.step[J]>,
                                                                        B>::type&>(b)
                              .stored.get()),
                      0)...};
  }
  template <std::size_t... J>
  constexpr void fill_constants(inputs_type& in, const Expr& e, std::index_sequence<J...>) {
    constexpr auto& pass = storage::passes.constants;
    detail::in_order{(storage::template value_slot<pass.step[J]>::in(in) =
                          detail::input_of(detail::at_path<path_of<pass.step[J]>>::get(e).value),
                      0)...};
  }
  template <std::size_t... J>
  constexpr void fill_data_ops(inputs_type& in, const Expr& e, std::index_sequence<J...>) {
    constexpr auto& pass = storage::passes.data_ops;
    detail::in_order{(detail::pool_of<detail::data_op_t<schedule, pass.step[J]>>(in)[storage::op_index[pass.step[J]]] =
                          &detail::at_path<path_of<pass.step[J]>>::get(e).op,
                      0)...};
  }

  template <std::size_t... J>
  constexpr void forward(const inputs_type& in, std::index_sequence<J...>) {
    constexpr auto& pass = storage::passes.forward;
    detail::in_order{(detail::run_step<op_recipe<pass.step[J]>>::forward(values_, in), 0)...};
  }

  template <class Seed>
  constexpr void seed_root(const Seed& seed) {
    if constexpr (schedule::active[schedule::root]) {
      auto& adj = storage::template adjoint_slot<schedule::root>::in(adjoints_);
      if constexpr (std::is_arithmetic_v<Seed> || std::is_same_v<Seed, T>) {
        for (auto& v : adj) v = static_cast<T>(seed);
      } else if constexpr (dynamic && Expr::shape_type::dynamic) {
        if (seed.rows() != adj.rows())
          throw shape_error("vjp: the seed has " + std::to_string(seed.rows()) + " rows, the expression " +
                            std::to_string(adj.rows()));
        for (std::size_t i = 0; i < adj.size(); ++i) adj.flat(i) = seed.flat(i);
      } else {
        adj = seed;
      }
    }
  }

  // zero what only zeros reach, then the active steps from the root down
  template <std::size_t... J>
  constexpr void zero_unreached(std::index_sequence<J...>) {
    constexpr auto& pass = storage::passes.zero;
    detail::in_order{(detail::zero_fill(storage::template adjoint_slot<pass.step[J]>::in(adjoints_)), 0)...};
  }
  template <std::size_t... J>
  constexpr void backward(const inputs_type& in, std::index_sequence<J...>) {
    constexpr auto& pass = storage::passes.backward;
    detail::in_order{(detail::run_step<op_recipe<pass.step[J]>>::template backward<adjoint_recipe<pass.step[J]>,
                                                                                    value_recipe<pass.step[J]>>(
                          edges<pass.step[J]>{}, adjoints_, values_, in),
                      0)...};
  }
};

// workspace<decltype(loss)> for a `const auto loss`: the same storage.
template <class Expr, class Wrt>
  requires std::is_const_v<Expr>
class workspace<Expr, Wrt> : public workspace<std::remove_const_t<Expr>, Wrt> {};

}  // namespace ctgrad
