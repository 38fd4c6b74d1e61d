// Where evaluation keeps things: one pool (an std::array) per distinct type, and for each
// step its index in its type's pool.
//
//   values    pool<X, n, X>          the stored values of operation steps of tensor type X
//   adjoints  pool<X, n, X>          the stored adjoints of steps of tensor type X
//   inputs    pool<X, n, const X*>   where the bound leaves and the constants of type X are;
//                                    for an operation type X that carries data (a run-time
//                                    exponent, say), where those operations are
//
// A tensor type with a dynamic first dimension (core/shape.hpp) is held as a tensor_span in
// the values and adjoints pools, pointing into a buffer of the workspace's (one per such
// type, allocated when the workspace is sized), and as a dense_view (pointer and rows) in
// the inputs pool.
//
// Pools keep the types that name the functions running a step short, whatever the
// expression's size (docs/design.md, "Compile time").
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctgrad/core/buffer.hpp"
#include "ctgrad/core/pack.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/engine/schedule.hpp"
#include "ctgrad/expr/expression.hpp"
#include "ctgrad/expr/view.hpp"

namespace ctgrad::detail {

template <class X, std::size_t N, class Held>
struct pool {
  [[no_unique_address]] std::array<Held, N> items;
};
template <class... P>
struct pool_set : P... {};

// the pool of type X in a set (a base-class conversion among a few bases)
template <class X, std::size_t N, class Held>
constexpr std::array<Held, N>& pool_of(pool<X, N, Held>& p) {
  return p.items;
}
template <class X, std::size_t N, class Held>
constexpr const std::array<Held, N>& pool_of(const pool<X, N, Held>& p) {
  return p.items;
}

struct no_slot {};

// How a pool holds type X (a tensor type, or an operation carrying data).
template <class X>
struct slot_traits {
  static constexpr bool dynamic = false;
  using value = X;
  using input = const X*;
};
template <class T, std::size_t... D>
struct slot_traits<tensor<T, D...>> {
  using element = T;
  using shape_type = shape<D...>;
  static constexpr bool dynamic = shape_type::dynamic;
  using value = std::conditional_t<dynamic, tensor_span<T, shape_type>, tensor<T, D...>>;
  using input = std::conditional_t<dynamic, dense_view<T, shape_type>, const tensor<T, D...>*>;
};

// What the inputs pool holds for a bound or constant value: its address, or (dynamic) a view
template <class T, std::size_t... D>
constexpr auto input_of(const tensor<T, D...>& t) {
  if constexpr (shape<D...>::dynamic)
    return as_view(t);
  else
    return &t;
}
template <class T, class Shape>
constexpr dense_view<T, Shape> input_of(const dense_view<T, Shape>& v) {
  return v;
}

// The buffer behind the tensor_spans of a dynamic type X (nothing for the others).
template <class X, bool Dynamic = slot_traits<X>::dynamic>
struct buffer_for {};
template <class T, std::size_t... D>
struct buffer_for<tensor<T, D...>, true> {
  buffer<T> elements;
};

// the operation of a step when it carries data, else no_slot (it is made from its type)
template <class Op>
struct data_op {
  using type = std::conditional_t<std::is_empty_v<Op>, no_slot, Op>;
};
template <>
struct data_op<void> {
  using type = no_slot;
};
template <class S, std::size_t I>
using data_op_t = typename data_op<typename op_of_node<typename S::template node<I>>::type>::type;

// the tensor type of a node's value, and of step I's
template <class Node>
using node_tensor = tensor_for<typename Node::value_type, typename Node::shape_type>;
template <class S, std::size_t I>
using step_tensor = node_tensor<typename S::template node<I>>;

// slot K of the pool of X in a set of pools (const or not)
template <class X, std::size_t K>
struct slot_of {
  template <class Pools>
  static constexpr auto& in(Pools& pools) {
    return detail::pool_of<X>(pools)[K];
  }
};

// The distinct types a schedule stores, in order of first use: merged by halves, so the
// instantiation depth is the logarithm of the number of steps.
template <class... X>
struct type_list {};

template <class... L>
struct concat;
template <class... A>
struct concat<type_list<A...>> {
  using type = type_list<A...>;
};
template <class... A, class... B, class... R>
struct concat<type_list<A...>, type_list<B...>, R...> : concat<type_list<A..., B...>, R...> {};

template <class X, class List>
struct in_list;
template <class X, class... A>
struct in_list<X, type_list<A...>> : std::bool_constant<(std::is_same<X, A>::value || ...)> {};

template <class A, class B>
struct merge_distinct;
template <class... A, class... B>
struct merge_distinct<type_list<A...>, type_list<B...>>
    : concat<type_list<A...>, std::conditional_t<in_list<B, type_list<A...>>::value, type_list<>, type_list<B>>...> {};

template <class S, std::size_t I, class Op = data_op_t<S, I>>
struct types_of_step {
  using type = type_list<step_tensor<S, I>, Op>;
};
template <class S, std::size_t I>
struct types_of_step<S, I, no_slot> {
  using type = type_list<step_tensor<S, I>>;
};

template <class S, std::size_t Lo, std::size_t Hi, bool One = (Hi - Lo == 1)>
struct distinct_types : types_of_step<S, Lo> {};
template <class S, std::size_t Lo, std::size_t Hi>
struct distinct_types<S, Lo, Hi, false>
    : merge_distinct<typename distinct_types<S, Lo, Lo + (Hi - Lo) / 2>::type,
                     typename distinct_types<S, Lo + (Hi - Lo) / 2, Hi>::type> {};

// the position of X in a list of distinct types, by a base-class lookup (keyed: schedule.hpp)
template <class List, class Seq>
struct type_keys;
template <class... X, std::size_t... I>
struct type_keys<type_list<X...>, std::index_sequence<I...>> : keyed<X, I>... {};
template <class X, class List>
struct position;
template <class X, class... D>
struct position<X, type_list<D...>> : index_of_t<X, type_keys<type_list<D...>, std::index_sequence_for<D...>>> {};

inline constexpr std::size_t no_index = std::size_t(-1);

// what holds a step's value: a values slot (a stored operation), an inputs pointer (a
// leaf or a constant), or nothing (a fused step, computed where it is read)
enum class holder { values, inputs, fused };

// Where each step of schedule S lives.
template <class S>
class storage {
  using seq = std::make_index_sequence<S::size>;

 public:
  using types = typename distinct_types<S, 0, S::size>::type;

  static constexpr std::array<holder, S::size> held_in = [] {
    std::array<holder, S::size> h{};
    for (std::size_t i = 0; i < S::size; ++i)
      h[i] = is_input(S::kind[i]) ? holder::inputs : S::fused[i] ? holder::fused : holder::values;
    return h;
  }();
  static constexpr std::array<bool, S::size> adjoint_stored = [] {
    std::array<bool, S::size> a{};
    for (std::size_t i = 0; i < S::size; ++i) a[i] = S::active[i] && !S::fused[i];
    return a;
  }();

 private:
  static constexpr std::size_t type_count = [] {
    return []<class... D>(type_list<D...>) { return sizeof...(D); }(types{});
  }();

  template <std::size_t I, class Op = data_op_t<S, I>>
  struct op_position : std::integral_constant<std::size_t, no_index> {};
  template <std::size_t I, class Op>
    requires(!std::is_same_v<Op, no_slot>)
  struct op_position<I, Op> : position<Op, types> {};

  template <std::size_t... I>
  static constexpr auto tensor_types(std::index_sequence<I...>) {
    return std::array<std::size_t, S::size>{position<step_tensor<S, I>, types>::value...};
  }
  template <std::size_t... I>
  static constexpr auto op_types(std::index_sequence<I...>) {
    return std::array<std::size_t, S::size>{op_position<I>::value...};
  }

  struct layout_t {
    std::array<std::size_t, S::size> index{}, adjoint_index{}, op_index{};
    std::array<std::size_t, type_count> values{}, adjoints{}, inputs{};
  };
  static constexpr layout_t layout = [] {
    constexpr auto tensor_type = tensor_types(seq{});
    constexpr auto op_type = op_types(seq{});
    layout_t l{};
    for (std::size_t i = 0; i < S::size; ++i) {
      const std::size_t t = tensor_type[i];
      l.index[i] = held_in[i] == holder::values ? l.values[t]++
                   : held_in[i] == holder::inputs ? l.inputs[t]++
                                                  : no_index;
      l.adjoint_index[i] = adjoint_stored[i] ? l.adjoints[t]++ : no_index;
      l.op_index[i] = op_type[i] == no_index ? no_index : l.inputs[op_type[i]]++;
    }
    return l;
  }();

  template <class Types, class Seq = std::make_index_sequence<type_count>>
  struct pools;
  template <class... D, std::size_t... T>
  struct pools<type_list<D...>, std::index_sequence<T...>> {
    using values = pool_set<pool<D, layout.values[T], typename slot_traits<D>::value>...>;
    using adjoints = pool_set<pool<D, layout.adjoints[T], typename slot_traits<D>::value>...>;
    using inputs = pool_set<pool<D, layout.inputs[T], typename slot_traits<D>::input>...>;
    using buffers = pool_set<buffer_for<D>...>;
    // whether some value or adjoint of a dynamic shape is kept (then there are buffers)
    static constexpr bool dynamic = ((slot_traits<D>::dynamic && layout.values[T] + layout.adjoints[T] != 0) || ...);
  };

 public:
  // a step's index in its pool: of values or inputs (as held_in says), of adjoints, and of
  // inputs for its operation when that carries data; no_index where it has none
  static constexpr auto index = layout.index;
  static constexpr auto adjoint_index = layout.adjoint_index;
  static constexpr auto op_index = layout.op_index;
  template <std::size_t I>
  using value_slot = slot_of<step_tensor<S, I>, index[I]>;  // in values or inputs, as held_in says
  template <std::size_t I>
  using adjoint_slot = slot_of<step_tensor<S, I>, adjoint_index[I]>;

  // The steps each pass visits, so that no function is made for a step with nothing to do:
  // the leaves, constants and operations carrying data (to fill the inputs), the stored
  // operations (forward), the adjoints only zeros reach (zeroed before backward), and the
  // active operations from the root down (backward).
  struct pass_t {
    std::array<std::size_t, S::size> step{};
    std::size_t size = 0;
  };
  struct passes_t {
    pass_t leaves, constants, data_ops, forward, zero, backward;
  };
  static constexpr passes_t passes = [] {
    passes_t p{};
    for (std::size_t i = 0; i < S::size; ++i) {
      if (is_leaf_step(S::kind[i])) p.leaves.step[p.leaves.size++] = i;
      if (S::kind[i] == step_kind::constant) p.constants.step[p.constants.size++] = i;
      if (op_index[i] != no_index) p.data_ops.step[p.data_ops.size++] = i;
      if (held_in[i] == holder::values) p.forward.step[p.forward.size++] = i;
      if (S::needs_zero[i] && adjoint_stored[i]) p.zero.step[p.zero.size++] = i;
      const std::size_t r = S::size - 1 - i;
      if (S::active[r] && S::kind[r] == step_kind::operation) p.backward.step[p.backward.size++] = r;
    }
    return p;
  }();

  using values = typename pools<types>::values;
  using adjoints = typename pools<types>::adjoints;
  using inputs = typename pools<types>::inputs;
  using buffers = typename pools<types>::buffers;  // of the dynamic types
  static constexpr bool dynamic = pools<types>::dynamic;

  // Points the dynamic types' slots into their buffers, sized for `capacity` rows; each slot's
  // elements start on a 64-byte boundary.
  static constexpr void attach(buffers& b, values& v, adjoints& a, std::size_t capacity) {
    [&]<class... D>(type_list<D...>) { in_order{(attach_type<D>(b, v, a, capacity), 0)...}; }(types{});
  }
  // Sets the rows of every dynamic slot.
  static constexpr void set_rows(values& v, adjoints& a, std::size_t rows) {
    [&]<class... D>(type_list<D...>) { in_order{(set_rows_of<D>(v, a, rows), 0)...}; }(types{});
  }

 private:
  template <class D>
  static constexpr void attach_type(buffers& b, values& v, adjoints& a, std::size_t capacity) {
    if constexpr (slot_traits<D>::dynamic) {
      using T = typename slot_traits<D>::element;
      constexpr std::size_t align = 64 / sizeof(T) ? 64 / sizeof(T) : 1;
      const std::size_t stride = (capacity * slot_traits<D>::shape_type::static_size + align - 1) / align * align;
      auto& vs = pool_of<D>(v);
      auto& as = pool_of<D>(a);
      auto& buf = static_cast<buffer_for<D>&>(b).elements;
      buf.resize(stride * (vs.size() + as.size()));
      std::size_t k = 0;
      for (auto& slot : vs) slot.p = buf.data() + stride * k++;
      for (auto& slot : as) slot.p = buf.data() + stride * k++;
    }
  }
  template <class D>
  static constexpr void set_rows_of(values& v, adjoints& a, std::size_t rows) {
    if constexpr (slot_traits<D>::dynamic) {
      for (auto& slot : pool_of<D>(v)) slot.n = rows;
      for (auto& slot : pool_of<D>(a)) slot.n = rows;
    }
  }
};

}  // namespace ctgrad::detail
