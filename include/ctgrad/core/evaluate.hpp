// value(), grad() and vjp(): evaluation of an expression at bound leaf values.
//
//   auto g = grad(loss, at(W = w, b = bias, X = x));       // every trainable leaf
//   auto g = grad(loss, wrt(W), at(...));                  // only W
//   g[W]                                                   // tensor<float, 10, 784>
//
// Storage: a workspace holds one value slot per stored operation step and one adjoint slot
// per stored active step, in one array per distinct tensor type (storage.hpp). The free
// functions use a workspace on the stack; a training loop keeps one workspace (allocated
// once, by the caller) and calls ws.grad(...) each step: no heap allocation in any of these.
// Run time is straight-line code: forward over the steps, then backward in reverse.
#pragma once

#include <type_traits>
#include <utility>

#include "ctgrad/core/binding.hpp"
#include "ctgrad/core/diagnostics.hpp"
#include "ctgrad/core/expression.hpp"
#include "ctgrad/core/recipes.hpp"
#include "ctgrad/core/schedule.hpp"
#include "ctgrad/core/storage.hpp"
#include "ctgrad/core/view.hpp"

namespace ctgrad {

namespace detail {


template <class Leaf>
constexpr auto leaf_description() {
  return fixed_string("`") + Leaf::name + fixed_string("` ") + shape_string(typename Leaf::shape_type{});
}

// the name of a leaf, else "" (a variable per leaf type: a function per step would carry
// the step's whole subtree in its mangled name, see schedule.hpp)
template <class Leaf>
inline constexpr const char* leaf_name = Leaf::name.c_str();
template <>
inline constexpr const char* leaf_name<void> = "";
template <class S, std::size_t... A>
constexpr std::size_t first_name_clash(std::index_sequence<A...>) {
  constexpr bool leaf[] = {is_leaf<typename S::template node<A>>..., false};
  constexpr const char* names[] = {leaf_name<leaf_or_void<typename S::template node<A>>>..., ""};
  auto same = [](const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
  };
  for (std::size_t i = 0; i < S::size; ++i)
    if (leaf[i])
      for (std::size_t j = 0; j < S::size; ++j)
        if (j != i && leaf[j] && same(names[i], names[j])) return i;
  return S::size;
}

// The first leaf named in wrt(...) that the expression does not use (void: none).
template <class S, class Wrt>
struct unused_wrt_leaf {
  using type = void;
};
template <class S, class L, class... Rest>
struct unused_wrt_leaf<S, wrt_t<L, Rest...>> {
  using type = std::conditional_t<S::template leaf_index<L>::value == S::size, L,
                                  typename unused_wrt_leaf<S, wrt_t<Rest...>>::type>;
};

template <class Node, class B>
struct unbound_leaf : std::false_type {};
template <fixed_string N, class T, bool Tr, std::size_t... D, class B>
struct unbound_leaf<leaf<N, T, Tr, D...>, B> : std::bool_constant<!binds<leaf<N, T, Tr, D...>, B>> {};

// What is wrong with evaluating Expr for the leaves Wrt with bindings B (void: nothing).
template <class Expr, class Wrt, class B, bool NeedScalar>
constexpr auto evaluation_problem() {
  if constexpr (is_invalid<Expr>) {
    return std::type_identity<Expr>{};
  } else {
    using S = schedule<Expr, Wrt>;
    constexpr auto first_unbound = []<std::size_t... I>(std::index_sequence<I...>) {
      constexpr bool unbound[] = {unbound_leaf<typename S::template node<I>, B>::value...};
      for (std::size_t i = 0; i < S::size; ++i)
        if (unbound[i]) return i;
      return S::size;
    }(std::make_index_sequence<S::size>{});
    constexpr auto clash = first_name_clash<S>(std::make_index_sequence<S::size>{});

    if constexpr (first_unbound != S::size) {
      using L = typename S::template node<first_unbound>;
      return std::type_identity<
          invalid<error_kind::unbound_leaf,
                  fixed_string("leaf ") + leaf_description<L>() + fixed_string(" has no value in at(...)")>>{};
    } else if constexpr (clash != S::size) {
      using L = typename S::template node<clash>;
      return std::type_identity<invalid<error_kind::name_clash,
                                        fixed_string("the name `") + L::name +
                                            fixed_string("` names two different leaves (shapes or element types)")>>{};
    } else if constexpr (NeedScalar && Expr::shape_type::rank != 0) {
      return std::type_identity<invalid<error_kind::not_scalar,
                                        fixed_string("grad: the expression has shape ") +
                                            shape_string(typename Expr::shape_type{})>>{};
    } else if constexpr (!std::is_void_v<typename unused_wrt_leaf<S, Wrt>::type>) {
      using L = typename unused_wrt_leaf<S, Wrt>::type;
      return std::type_identity<invalid<error_kind::not_differentiable,
                                        fixed_string("wrt(...): leaf ") + leaf_description<L>() +
                                            fixed_string(" is not used by the expression")>>{};
    } else {
      return std::type_identity<void>{};
    }
  }
}

template <class Expr, class Wrt, class B, bool NeedScalar>
using problem_t = typename decltype(evaluation_problem<Expr, Wrt, B, NeedScalar>())::type;

}  // namespace detail

template <class Expr, class Wrt>
class workspace;

namespace detail {
struct gradient_access;
}

// The gradients of one grad()/vjp() call, looked up by leaf: g[W]. Scalars come out as
// plain numbers. It either holds its workspace (from the free grad()) or refers to one
// (from workspace::grad(), valid until that workspace's next use); either way nothing is
// copied: g[W] is found in the workspace by W's compile-time step index.
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

  // (These are the only functions per leaf; they read the adjoint pools directly, with
  // the leaf's test a class template: each function GCC instantiates here is mangled with
  // the whole expression in its name.)
  template <class Leaf>
  constexpr decltype(auto) operator[](const Leaf&) const {
    static_assert(schedule::template target<Leaf>::value,
                  "ctgrad: no gradient for this leaf here: it is an input, or not in wrt(...), or not in the expression");
    constexpr std::size_t i = schedule::template leaf_index<Leaf>::value;
    const auto& t = storage::template adjoint_slot<i>::in(ws().adjoint_pools());
    if constexpr (Leaf::shape_type::rank == 0)
      return t.flat(0);
    else
      return t;
  }

  // the gradient as a tensor, also for a scalar leaf (tensor<T>)
  template <class Leaf>
  constexpr const auto& as_tensor(const Leaf&) const {
    static_assert(schedule::template target<Leaf>::value,
                  "ctgrad: no gradient for this leaf here: it is an input, or not in wrt(...), or not in the expression");
    constexpr std::size_t i = schedule::template leaf_index<Leaf>::value;
    return storage::template adjoint_slot<i>::in(ws().adjoint_pools());
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

// Storage for evaluating expressions of type Expr: one value slot per operation, one
// adjoint slot per active step. Reuse one across calls (e.g. a training loop); it is big
// for big tensors, so allocate it once wherever suits (std::make_unique is fine).
template <class Expr, class Wrt = all_trainable>
class workspace {
  static_assert(expression<Expr>, "ctgrad: workspace<E> needs an expression type E (use decltype(expr))");

 public:
  using schedule = detail::schedule<Expr, Wrt>;
  static constexpr std::size_t steps = schedule::size;

  // The value of e: a plain number for a scalar, else a reference into this workspace.
  template <binding_set B>
  constexpr decltype(auto) value(const Expr& e, const B& b) {
    if constexpr (check<B, false>()) {  // else reported: nothing more to say
      inputs_type in;                    // every entry is set before it is read
      fill_inputs(in, e, b);
      forward(in, std::make_index_sequence<storage::passes.forward.size>{});
      return out(detail::value_of<value_recipe<schedule::root>>::get(values_, in));  // a slot, binding or constant
    }
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
    constexpr std::size_t i = schedule::template leaf_index<Sub>::value;
    static_assert(i < steps, "ctgrad: stored_value: not a sub-expression of this workspace's expression");
    static_assert(detail::is_op_node<Sub> && !schedule::inlined[i],
                  "ctgrad: stored_value: this step is fused into its consumer (or a leaf): no stored value");
    return storage::template value_slot<i>::in(values_);
  }
  template <class Sub>
  static constexpr bool stores(const Sub& = {}) {
    if constexpr (detail::is_pure<Sub>) {
      constexpr std::size_t i = schedule::template leaf_index<Sub>::value;
      if constexpr (i < steps) return detail::is_op_node<Sub> && !schedule::inlined[i];
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

  using storage = detail::storage<schedule>;
  using T = typename Expr::value_type;

  typename storage::values values_;
  typename storage::adjoints adjoints_;
  [[no_unique_address]] std::conditional_t<Expr::shape_type::rank == 0, T, detail::no_slot> scalar_value_;

  template <bool NeedScalar, class Seed, class B>
  constexpr void run(const Expr& e, const Seed& seed, const B& b) {
    using want = tensor_for<T, typename Expr::shape_type>;
    static_assert(std::is_same_v<Seed, want> || (Expr::shape_type::rank == 0 && std::is_arithmetic_v<Seed>),
                  "ctgrad: vjp: the seed must be a tensor of the expression's element type and shape");
    if constexpr (check<B, NeedScalar>()) {
      inputs_type in;  // every entry is set before it is read
      fill_inputs(in, e, b);
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
    else
      return (t);
  }

  // Evaluation reads every step through its recipe (see recipes.hpp) from the pools of
  // values, adjoints and inputs (storage.hpp): the functions that run a step are named by
  // the recipe and the pools' types, never by Expr.
  using inputs_type = typename storage::inputs;
  template <std::size_t I>
  using value_recipe = typename detail::value_recipe<schedule, I>::type;
  template <std::size_t I>
  using op_recipe = typename detail::op_recipe_of<schedule, I>::type;

  template <std::size_t I>
  using adjoint_recipe = typename detail::adjoint_recipe<schedule, I>::type;
  template <std::size_t I>
  using edges = typename detail::edges_of<schedule, I>::type;

  // (each loop runs over the steps its pass lists, storage.hpp: I = Pass.step[J]; in_order,
  // not a fold expression: see pack.hpp)
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
    detail::in_order{(storage::template value_slot<pass.step[J]>::in(in) =
                          &static_cast<const typename detail::binding_in<typename schedule::template node<pass.step[J]>,
                                                                         B>::type&>(b)
                               .stored.get(),
                      0)...};
  }
  template <std::size_t... J>
  constexpr void fill_constants(inputs_type& in, const Expr& e, std::index_sequence<J...>) {
    constexpr auto& pass = storage::passes.constants;
    detail::in_order{(storage::template value_slot<pass.step[J]>::in(in) =
                          &detail::at_path<path_of<pass.step[J]>>::get(e).value,
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
      if constexpr (std::is_arithmetic_v<Seed>) {
        for (auto& v : adj) v = static_cast<T>(seed);
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

namespace detail {

// Runs grad (NeedScalar) or vjp in a workspace held by the returned gradients.
struct gradient_access {
  template <class E, class W, bool NeedScalar, class Seed, class B>
  static constexpr gradients<workspace<E, W>, true> owned(const E& e, const Seed& seed, const B& b) {
    gradients<workspace<E, W>, true> g;
    g.held_.template run<NeedScalar>(e, seed, b);
    return g;
  }
};

// The result type of a free value()/grad()/vjp() call, or the invalid<> that says why not.
enum class call { value, grad, vjp };
template <class E, class W, class B, call C>
constexpr auto call_result() {
  if constexpr (is_invalid<E>) {
    return std::type_identity<E>{};
  } else {
    using P = problem_t<E, W, B, C == call::grad>;
    if constexpr (!std::is_void_v<P>)
      return std::type_identity<P>{};
    else if constexpr (C == call::value)
      return std::type_identity<std::conditional_t<E::shape_type::rank == 0, typename E::value_type, node_tensor<E>>>{};
    else
      return std::type_identity<gradients<workspace<E, W>, true>>{};
  }
}
template <class E, class W, class B, call C>
using call_result_t = typename decltype(call_result<std::remove_cvref_t<E>, W, std::remove_cvref_t<B>, C>())::type;

template <class E>
concept evaluable = expression<E> || is_invalid<std::remove_cvref_t<E>>;

// For an invalid call: report it (unless E itself was invalid, reported where it arose).
template <class E, class R>
constexpr R reject() {
  if constexpr (!is_invalid<E>) report<R>();
  return R{};
}

}  // namespace detail

// The value of e at the bindings: a number for a scalar expression, else a tensor.
template <detail::evaluable E, binding_set B>
constexpr detail::call_result_t<E, wrt_t<>, B, detail::call::value> value(const E& e, const B& b) {
  using R = detail::call_result_t<E, wrt_t<>, B, detail::call::value>;
  if constexpr (detail::is_invalid<R>) {
    return detail::reject<E, R>();
  } else {
    workspace<E, wrt_t<>> ws;
    return R(ws.value(e, b));
  }
}

// Gradients of a scalar e for every trainable leaf: g[a].
template <detail::evaluable E, binding_set B>
constexpr detail::call_result_t<E, all_trainable, B, detail::call::grad> grad(const E& e, const B& b) {
  using R = detail::call_result_t<E, all_trainable, B, detail::call::grad>;
  if constexpr (detail::is_invalid<R>) {
    return detail::reject<E, R>();
  } else {
    return detail::gradient_access::owned<E, all_trainable, true>(e, typename E::value_type(1), b);
  }
}

// Gradients of a scalar e for the chosen leaves: grad(e, wrt(a, b), at(...)).
template <detail::evaluable E, leaf_selection W, binding_set B>
constexpr detail::call_result_t<E, W, B, detail::call::grad> grad(const E& e, const W&, const B& b) {
  using R = detail::call_result_t<E, W, B, detail::call::grad>;
  if constexpr (detail::is_invalid<R>) {
    return detail::reject<E, R>();
  } else {
    return detail::gradient_access::owned<E, W, true>(e, typename E::value_type(1), b);
  }
}

// Vector-Jacobian product of a (possibly non-scalar) e with seed = d(loss)/d(e).
template <detail::evaluable E, class Seed, binding_set B>
constexpr detail::call_result_t<E, all_trainable, B, detail::call::vjp> vjp(const E& e, const Seed& seed, const B& b) {
  using R = detail::call_result_t<E, all_trainable, B, detail::call::vjp>;
  if constexpr (detail::is_invalid<R>) {
    return detail::reject<E, R>();
  } else {
    return detail::gradient_access::owned<E, all_trainable, false>(e, seed, b);
  }
}

template <detail::evaluable E, leaf_selection W, class Seed, binding_set B>
constexpr detail::call_result_t<E, W, B, detail::call::vjp> vjp(const E& e, const W&, const Seed& seed, const B& b) {
  using R = detail::call_result_t<E, W, B, detail::call::vjp>;
  if constexpr (detail::is_invalid<R>) {
    return detail::reject<E, R>();
  } else {
    return detail::gradient_access::owned<E, W, false>(e, seed, b);
  }
}

}  // namespace ctgrad
