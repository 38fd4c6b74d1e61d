// The compile-time schedule of an expression: which distinct nodes it has, in which order
// they are computed, which of them are fused, and which carry an adjoint.
//
// A depth-first walk over the expression type appends each node after its children
// (post-order), skipping nodes already seen: that is a topological order, children first,
// with the root last. Nodes are identified by a key (the walk keeps a set of them):
//   - a pure node (no run-time data below it) by its type, so `x*y` written twice is one step;
//   - any other node by its type and its path from the root, so `x*0.5` and `x*0.7`
//     (same type, different constants) are never merged.
// Backward walks the steps in reverse; a step is *active* when a gradient flows through it.
//
// Everything computed per node is a class template, never a function, variable template or
// static data member: docs/design.md, "Compile time".
#pragma once

#include <array>
#include <boost/hana/for_each.hpp>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctgrad/core/fixed_string.hpp"
#include "ctgrad/core/pack.hpp"
#include "ctgrad/expr/binding.hpp"
#include "ctgrad/expr/expression.hpp"
#include "ctgrad/expr/operation.hpp"

namespace ctgrad::detail {

// Where a node sits: child indices from the root.
template <std::size_t... P>
struct path {};

// The path of child I of the node at Path. Only impure nodes are ever fetched by path (a
// pure one is its type), so a pure child gets the empty path: paths then stop growing at
// the first pure node, where they cost the depth of every node below it.
template <class Path, std::size_t I, bool Pure>
struct child_path {
  using type = path<>;
};
template <std::size_t... P, std::size_t I>
struct child_path<path<P...>, I, false> {
  using type = path<P..., I>;
};
template <class Node, class Path, std::size_t I>
using path_of_child = typename child_path<Path, I, is_pure<typename Node::template child_type<I>>>::type;

template <class Node, class Path>
struct site {};  // the key of an impure node

// the key of a node: its type if pure, else its type at its path
template <class Node, class Path>
using key_of = std::conditional_t<is_pure<Node>, Node, site<Node, Path>>;

// One step of the schedule: a node, the path of (its first) occurrence, and the step
// indices of its children.
template <class Node, class Path, std::size_t... Children>
struct step {
  using node_type = Node;
  using path_type = Path;
  using children = std::index_sequence<Children...>;
};

// the values of an index sequence (named by the indices alone, so shared between steps)
template <class Seq>
struct seq_values;
template <std::size_t... I>
struct seq_values<std::index_sequence<I...>> {
  static constexpr std::size_t size = sizeof...(I);
  static constexpr std::size_t value[sizeof...(I) == 0 ? 1 : sizeof...(I)] = {I...};
};

// The visited set: one base class keyed<Key, step index> per node seen. Membership and
// "index of this key" are base-class lookups the compiler answers directly.
template <class Key, std::size_t I>
struct keyed {};
template <class... Keyed>
struct key_index : Keyed... {};

// Adding a key makes a new index type. It holds at most 32 keys of its own and the index
// before as one more base, so making it costs the same at every size.
template <class Index, class Key>
struct add_key;
template <class... Keyed, class Key>
struct add_key<key_index<Keyed...>, Key> {
  using type = std::conditional_t<(sizeof...(Keyed) < 32), key_index<Keyed..., Key>, key_index<key_index<Keyed...>, Key>>;
};

template <class Key, std::size_t I>
std::integral_constant<std::size_t, I> index_in(const keyed<Key, I>*);  // unevaluated only
template <class Key, class Index>
concept indexed = requires(const Index* p) { detail::index_in<Key>(p); };  // qualified: no ADL through every key
template <class Key, class Index>
using index_of_t = decltype(detail::index_in<Key>(static_cast<const Index*>(nullptr)));

// The steps found so far, a plain type list (the walk is class templates over such lists).
template <class... S>
struct step_list {
  static constexpr std::size_t size = sizeof...(S);
};

template <class Index, class Steps>
struct walk_state {};

template <class Node, std::size_t I>
using child_t = typename Node::template child_type<I>;
template <class Node>
struct arity_of_node : std::integral_constant<std::size_t, 0> {};
template <class Op, class... C>
struct arity_of_node<node<Op, C...>> : std::integral_constant<std::size_t, sizeof...(C)> {};

// whether Node at Path is in the walk's key index already (then it is merged)
template <class Node, class Path, class State>
struct seen;
template <class Node, class Path, class Index, class Steps>
struct seen<Node, Path, walk_state<Index, Steps>> : std::bool_constant<indexed<key_of<Node, Path>, Index>> {};

template <class Node, class Path, class State, bool Seen = seen<Node, Path, State>::value>
struct visit;

// Appends the step for Node, whose children are visited already and are steps C...
// (each visit names the step of the node it visited, so no child is looked up again).
template <class Node, class Path, class State, class Children>
struct add_step;
template <class Node, class Path, class... Keyed, class... S, std::size_t... C>
struct add_step<Node, Path, walk_state<key_index<Keyed...>, step_list<S...>>, std::index_sequence<C...>> {
  using type = walk_state<typename add_key<key_index<Keyed...>, keyed<key_of<Node, Path>, sizeof...(S)>>::type,
                          step_list<S..., step<Node, Path, C...>>>;
  using step_index = std::integral_constant<std::size_t, sizeof...(S)>;
};

template <class Node, class Path, std::size_t I, class State, class Done,
          bool End = (I == arity_of_node<Node>::value)>
struct visit_children : add_step<Node, Path, State, Done> {};
template <class Node, class Path, std::size_t I, class State, std::size_t... D>
struct visit_children<Node, Path, I, State, std::index_sequence<D...>, false> {
  using child = visit<child_t<Node, I>, path_of_child<Node, Path, I>, State>;
  using next = visit_children<Node, Path, I + 1, typename child::type, std::index_sequence<D..., child::step_index::value>>;
  using type = typename next::type;
  using step_index = typename next::step_index;
};

// (two class templates per level of the expression: the instantiation depth limits how
// deep an expression can be, about 400 levels with the compilers' defaults)
template <class Node, class Path, class Index, class Steps>
struct visit<Node, Path, walk_state<Index, Steps>, true> {  // seen: merged
  using type = walk_state<Index, Steps>;
  using step_index = index_of_t<key_of<Node, Path>, Index>;
};
template <class Node, class Path, class State>
struct visit<Node, Path, State, false> {
  using children = visit_children<Node, Path, 0, State, std::index_sequence<>>;
  using type = typename children::type;
  using step_index = typename children::step_index;
};

template <class State>
struct steps_in;
template <class Index, class Steps>
struct steps_in<walk_state<Index, Steps>> {
  using type = Steps;
  using index = Index;
};
template <class Expr>
using walk_of = steps_in<typename visit<Expr, path<>, walk_state<key_index<>, step_list<>>>::type>;

// the step of a pure node type (a leaf, say) by the walk's key index, else `none`
template <class Key, class Index, std::size_t none, bool Found = indexed<Key, Index>>
struct index_of_key : std::integral_constant<std::size_t, none> {};
template <class Key, class Index, std::size_t none>
struct index_of_key<Key, Index, none, true> : index_of_t<Key, Index> {};

// step I of a list: one indexed base per element, then a lookup by overload resolution
template <std::size_t I, class S>
struct indexed_step {};
template <class Seq, class... S>
struct step_table;
template <std::size_t... I, class... S>
struct step_table<std::index_sequence<I...>, S...> : indexed_step<I, S>... {};
template <std::size_t I, class S>
S step_lookup(const indexed_step<I, S>&);

template <class Steps>
struct step_table_of;
template <class... S>
struct step_table_of<step_list<S...>> {
  using type = step_table<std::index_sequence_for<S...>, S...>;
};
// (a class, so each lookup is made once)
template <class Steps, std::size_t I>
struct step_at_t {
  using type = decltype(detail::step_lookup<I>(std::declval<typename step_table_of<Steps>::type>()));
};
template <class Steps, std::size_t I>
using step_at = typename step_at_t<Steps, I>::type;

// The node object at a path inside the root expression.
template <class Path>
struct at_path;
template <>
struct at_path<path<>> {
  template <class E>
  static constexpr const E& get(const E& e) {
    return e;
  }
};
template <std::size_t P0, std::size_t... P>
struct at_path<path<P0, P...>> {
  template <class E>
  static constexpr const auto& get(const E& e) {
    // only nodes with run-time data are fetched, and those are held by their parents
    static_assert(!is_pure<typename E::template child_type<P0>>, "ctgrad internal: a pure child has no object to refer to");
    return at_path<path<P...>>::get(detail::child<P0>(e));
  }
};

template <class Node, class Wrt>
struct is_target_leaf : std::false_type {};
template <class Node>
struct is_target_leaf<Node, all_trainable> : std::false_type {};
template <fixed_string N, class T, bool Tr, std::size_t... D>
struct is_target_leaf<leaf<N, T, Tr, D...>, all_trainable> : std::bool_constant<Tr> {};
template <class Node, class... L>
struct is_target_leaf<Node, wrt_t<L...>> : std::bool_constant<(std::is_same<Node, L>::value || ...)> {};

// What a step is. Leaves (target or not) and constants are read from where they are bound
// or held; operations are computed, and stop_gradient-like ones pass no gradient back.
enum class step_kind { leaf, target_leaf, constant, operation, gradient_stop };

constexpr bool is_input(step_kind k) { return k == step_kind::leaf || k == step_kind::target_leaf || k == step_kind::constant; }
constexpr bool is_leaf_step(step_kind k) { return k == step_kind::leaf || k == step_kind::target_leaf; }

template <class Node, class Wrt>
struct kind_of_node
    : std::integral_constant<step_kind, blocks_gradient<typename op_of_node<Node>::type> ? step_kind::gradient_stop
                                                                                           : step_kind::operation> {};
template <fixed_string N, class T, bool Tr, std::size_t... D, class Wrt>
struct kind_of_node<leaf<N, T, Tr, D...>, Wrt>
    : std::integral_constant<step_kind, is_target_leaf<leaf<N, T, Tr, D...>, Wrt>::value ? step_kind::target_leaf
                                                                                           : step_kind::leaf> {};
template <class T, std::size_t... D, class Wrt>
struct kind_of_node<constant<T, D...>, Wrt> : std::integral_constant<step_kind, step_kind::constant> {};

// Fusion (engine/fusion.hpp): is a node's operation fusable, and does a node read each
// element of an operand of OperandExtent elements once?
template <class Node>
struct fusable_node : std::bool_constant<declares_fusable<typename op_of_node<Node>::type>> {};

template <class Node, std::size_t OperandExtent, class Op = typename op_of_node<Node>::type>
struct reads_operand_once : std::false_type {};
template <class Node, std::size_t OperandExtent, class Op>
  requires declares_reads_once<Op, OperandExtent, Node::shape_type::size>
struct reads_operand_once<Node, OperandExtent, Op> : std::true_type {};

// Everything evaluation needs to know about an expression, computed once per type.
template <class Expr, class Wrt>
struct schedule {
  using steps = typename walk_of<Expr>::type;
  using key_table = typename walk_of<Expr>::index;
  static constexpr std::size_t size = steps::size;
  static constexpr std::size_t root = size - 1;
  template <std::size_t I>
  using step = step_at<steps, I>;
  template <std::size_t I>
  using node = typename step<I>::node_type;

  template <std::size_t I>
  using children_of = seq_values<typename step<I>::children>;

 private:
  using seq = std::make_index_sequence<size>;

  template <std::size_t... I>
  static constexpr auto arities(std::index_sequence<I...>) {
    return std::array<std::size_t, size>{children_of<I>::size...};
  }
  template <std::size_t... I>
  static constexpr auto kinds(std::index_sequence<I...>) {
    return std::array<step_kind, size>{kind_of_node<node<I>, Wrt>::value...};
  }

 public:
  static constexpr std::array<std::size_t, size> arity = arities(seq{});
  static constexpr std::array<step_kind, size> kind = kinds(seq{});

  // offset of step i's edges in the flat edge list
  static constexpr std::array<std::size_t, size + 1> edge_offset = [] {
    std::array<std::size_t, size + 1> off{};
    for (std::size_t i = 0; i < size; ++i) off[i + 1] = off[i] + arity[i];
    return off;
  }();
  static constexpr std::size_t edges = edge_offset[size];

 private:
  template <std::size_t... I>
  static constexpr auto edge_children(std::index_sequence<I...>) {
    std::array<std::size_t, edges == 0 ? 1 : edges> out{};
    std::size_t e = 0;
    auto put = [&](const auto& children, std::size_t n) {
      for (std::size_t k = 0; k < n; ++k) out[e++] = children[k];
    };
    in_order{(put(children_of<I>::value, children_of<I>::size), 0)...};
    return out;
  }

 public:
  static constexpr auto edge_child = edge_children(seq{});

 private:
  // does step I read its operand K (if it has one) once per element?
  template <std::size_t I, std::size_t K, bool Has = (K < children_of<I>::size)>
  struct reads_once : std::false_type {};
  template <std::size_t I, std::size_t K>
  struct reads_once<I, K, true> : reads_operand_once<node<I>, node<children_of<I>::value[K]>::shape_type::size> {};
  // for operand K, whether each step reads it once
  template <std::size_t K, std::size_t... I>
  static constexpr std::array<bool, size> operand_reads(std::index_sequence<I...>) {
    return {reads_once<I, K>::value...};
  }
  template <std::size_t... K>
  static constexpr auto edge_reads(std::index_sequence<K...>) {
    constexpr std::array<bool, size> per_operand[] = {operand_reads<K>(seq{})...};
    std::array<bool, edges == 0 ? 1 : edges> out{};
    for (std::size_t i = 0; i < size; ++i)
      for (std::size_t k = 0; k < arity[i]; ++k) out[edge_offset[i] + k] = per_operand[k][i];
    return out;
  }
  template <std::size_t... I>
  static constexpr auto fusable_steps(std::index_sequence<I...>) {
    return std::array<bool, size>{fusable_node<node<I>>::value...};
  }

 public:
  // for each step: how many edges use it, and (for one use) which consumer step and operand
  struct uses_t {
    std::array<std::size_t, size> count{}, consumer{}, operand{};
  };
  static constexpr uses_t uses = [] {
    uses_t u{};
    for (std::size_t p = 0; p < size; ++p)
      for (std::size_t e = edge_offset[p]; e < edge_offset[p + 1]; ++e) {
        const std::size_t c = edge_child[e];
        ++u.count[c];
        u.consumer[c] = p;
        u.operand[c] = e - edge_offset[p];
      }
    return u;
  }();

  // Fused steps (engine/fusion.hpp): a fusable step with exactly one consumer edge, whose
  // consumer reads each of its elements once, is neither stored nor given an adjoint slot.
  static constexpr std::array<bool, size> fused = [] {
    constexpr auto reads = edge_reads(std::make_index_sequence<max_operands>{});
    constexpr auto fusable = fusable_steps(seq{});
    std::array<bool, size> out{};
    for (std::size_t i = 0; i < root; ++i)
      out[i] = fusable[i] && uses.count[i] == 1 && reads[edge_offset[uses.consumer[i]] + uses.operand[i]];
    return out;
  }();

  // A gradient flows through step i: it is a target leaf, or an operation (not a gradient
  // stop) with an active child.
  static constexpr std::array<bool, size> active = [] {
    std::array<bool, size> a{};
    for (std::size_t i = 0; i < size; ++i) {
      a[i] = kind[i] == step_kind::target_leaf;
      if (kind[i] == step_kind::operation)
        for (std::size_t e = edge_offset[i]; e < edge_offset[i + 1]; ++e) a[i] = a[i] || a[edge_child[e]];
    }
    return a;
  }();

  // Backward visits edges from the root down; the first edge to reach a child's adjoint
  // assigns it, later ones add. No adjoint is zero-filled unless nothing ever reaches it.
  struct backward_plan_t {
    std::array<bool, edges == 0 ? 1 : edges> assign{};
    std::array<bool, size> reached{};
  };
  static constexpr backward_plan_t backward_plan = [] {
    backward_plan_t plan{};
    for (std::size_t i = size; i-- > 0;) {
      if (!active[i]) continue;
      for (std::size_t e = edge_offset[i]; e < edge_offset[i + 1]; ++e) {
        const std::size_t c = edge_child[e];
        if (!active[c]) continue;
        plan.assign[e] = !plan.reached[c];
        plan.reached[c] = true;
      }
    }
    return plan;
  }();
  static constexpr auto edge_assigns = backward_plan.assign;

  // active, not the root (which is seeded), and reached by no edge: only zeros flow in
  static constexpr std::array<bool, size> needs_zero = [] {
    std::array<bool, size> z{};
    for (std::size_t i = 0; i < root; ++i) z[i] = active[i] && !backward_plan.reached[i];
    return z;
  }();

  // The step of a pure node type (a leaf, or a pure subexpression such as the logits under
  // a loss), or size if the expression does not use it: a lookup in the walk's key table.
  template <class Pure>
  using step_of = index_of_key<std::remove_cvref_t<Pure>, key_table, size>;

  // the steps whose leaves get a gradient: in wrt(...) order, else in schedule order
  static constexpr auto target_list = [] {
    std::array<std::size_t, size> idx{};
    std::size_t n = 0;
    if constexpr (requires { typename Wrt::leaves; }) {
      hana::for_each(typename Wrt::leaves{}, [&](auto t) {
        constexpr std::size_t i = step_of<typename decltype(t)::type>::value;
        if (i < size) idx[n++] = i;
      });
    } else {
      for (std::size_t i = 0; i < size; ++i)
        if (kind[i] == step_kind::target_leaf) idx[n++] = i;
    }
    return std::pair{idx, n};
  }();
  static constexpr std::size_t target_count = target_list.second;
  static constexpr auto targets = target_list.first;

  template <class Leaf, std::size_t I = step_of<Leaf>::value>
  using target = std::bool_constant<(I < size) && kind[I < size ? I : 0] == step_kind::target_leaf>;
};

}  // namespace ctgrad::detail
