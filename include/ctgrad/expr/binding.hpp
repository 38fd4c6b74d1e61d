// Values for the leaves of an expression:  at(a = 2.0, W = weights)
// and the leaves to differentiate for:     wrt(W, b)
//
// A binding keeps a temporary by value and refers to a named object (nothing big is copied;
// keep the object alive while the bindings are used, as with std::ref).
//
// A leaf with a dynamic first dimension (input<"X", float, dyn, 784>) also takes, read in
// place with no copy: view(pointer, rows), a std::span of the element type, or a named
// contiguous container (a std::vector, say) holding whole rows; a size that is not a whole
// number of rows is a shape_error.
#pragma once

#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <type_traits>

#include "ctgrad/core/pack.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/expr/expression.hpp"
#include "ctgrad/expr/view.hpp"

namespace ctgrad {

namespace hana = boost::hana;

namespace detail {
template <class T>
struct by_reference {
  const T* ptr;
  constexpr const T& get() const { return *ptr; }
};
template <class T>
struct by_value {
  T value;
  constexpr const T& get() const { return value; }
};
}  // namespace detail

// One leaf with its value.
template <class Leaf, class Stored>
struct binding {
  using leaf_type = Leaf;
  Stored stored;
  constexpr const auto& get() const { return stored.get(); }
};

// `rows` rows of a value, in place at `data`: at(X = view(data, rows)) for a dynamic leaf
template <class T>
struct rows_view {
  const T* data;
  std::size_t rows;
};
template <class T>
constexpr rows_view<T> view(const T* data, std::size_t rows) {
  return {data, rows};
}

namespace detail {

// a contiguous range of T (data() and size()): std::vector, std::array, std::span, ...
template <class R, class T>
concept contiguous_of = requires(const R& r) {
  { r.data() } -> std::convertible_to<const T*>;
  { r.size() } -> std::convertible_to<std::size_t>;
};
template <class R>
struct is_span : std::false_type {};
template <class T, std::size_t E>
struct is_span<std::span<T, E>> : std::true_type {};

template <class Leaf, class T>
constexpr auto rows_of_range(const T* data, std::size_t size) {
  using S = typename Leaf::shape_type;
  if (size % S::row_size != 0)
    throw shape_error("leaf `" + std::string(Leaf::name.c_str()) + "` takes whole rows of " + std::to_string(S::row_size) +
                      " values; the range bound to it has " + std::to_string(size));
  return dense_view<T, S>{data, size / S::row_size};
}

template <class Leaf, class V>
constexpr auto make_binding(V&& v) {
  using T = typename Leaf::value_type;
  using S = typename Leaf::shape_type;
  using Tensor = tensor_for<T, S>;
  using Plain = std::remove_cvref_t<V>;
  using View = dense_view<T, S>;
  if constexpr (Leaf::shape_type::rank == 0 && (std::is_arithmetic_v<Plain> || std::is_same_v<Plain, T>)) {
    return binding<Leaf, by_value<Tensor>>{{Tensor(static_cast<T>(v))}};
  } else if constexpr (std::is_same_v<Plain, Tensor>) {
    if constexpr (std::is_lvalue_reference_v<V>)
      return binding<Leaf, by_reference<Tensor>>{{&v}};
    else
      return binding<Leaf, by_value<Tensor>>{{static_cast<V&&>(v)}};
  } else if constexpr (S::leading_dynamic && std::is_same_v<Plain, View>) {
    return binding<Leaf, by_value<View>>{{v}};
  } else if constexpr (S::leading_dynamic && std::is_same_v<Plain, rows_view<T>>) {
    return binding<Leaf, by_value<View>>{{View{v.data, v.rows}}};
  } else if constexpr (S::leading_dynamic && contiguous_of<Plain, T> &&
                       (std::is_lvalue_reference_v<V> || is_span<Plain>::value)) {
    return binding<Leaf, by_value<View>>{{rows_of_range<Leaf>(static_cast<const T*>(v.data()), v.size())}};
  } else {
    static_assert(std::is_same_v<Plain, Tensor>,
                  "ctgrad: a binding's value must be a ctgrad::tensor with the leaf's element type and shape, or "
                  "for a dynamic leaf a view, a span or a named container of whole rows (the leaf and the value's "
                  "type follow)");
    return binding<Leaf, by_value<Tensor>>{};
  }
}

template <class T>
struct is_binding_t : std::false_type {};
template <class L, class S>
struct is_binding_t<binding<L, S>> : std::true_type {};

// A leaf's bound value, found by a base-class conversion of the bindings: a free function
// named by the leaf and its storage alone (docs/design.md, "Compile time"). Call it
// qualified: ADL would visit every binding.
template <class Leaf, class Stored>
constexpr const auto& bound_value(const binding<Leaf, Stored>& b) {
  return b.get();
}
template <class Leaf, class Stored>
const binding<Leaf, Stored>* binding_of(const binding<Leaf, Stored>*);  // unevaluated only
template <class Leaf, class B>
concept binds = requires(const B* b) { detail::binding_of<Leaf>(b); };
// the binding type of a leaf in bindings B (for a cast: no function per leaf)
template <class Leaf, class B>
struct binding_in {
  using type = std::remove_cvref_t<decltype(*detail::binding_of<Leaf>(static_cast<const B*>(nullptr)))>;
};

}  // namespace detail

// All the values of one evaluation, looked up by leaf type: one base class per binding,
// so finding a leaf's value is a base-class conversion (no search, no copy into a map).
template <class... B>
struct bindings : B... {
  // (has<L>() takes no L object: docs/design.md, "Compile time")
  template <class Leaf>
  static constexpr bool has() {
    return detail::binds<Leaf, bindings>;
  }
  template <class Leaf>
  static constexpr bool has(const Leaf&) {
    return has<Leaf>();
  }
  template <class Leaf>
  constexpr const auto& get() const {
    return detail::bound_value<Leaf>(*this);
  }
};

namespace detail {
template <class T>
struct is_bindings_t : std::false_type {};
template <class... B>
struct is_bindings_t<bindings<B...>> : std::true_type {};
}  // namespace detail

template <class T>
concept binding_set = detail::is_bindings_t<std::remove_cvref_t<T>>::value;

// Something that binds a group of leaves at once: a model binds its parameters.
template <class T>
concept binding_source = requires(const T& t) {
  { t.bindings() } -> binding_set;
};

namespace detail {
template <class B>
constexpr auto as_binding_set(const B& b) {
  if constexpr (is_binding_t<B>::value)
    return bindings<B>{b};
  else if constexpr (is_bindings_t<B>::value)
    return b;
  else
    return b.bindings();
}
template <class... A, class... B>
constexpr bindings<A..., B...> operator|(const bindings<A...>& x, const bindings<B...>& y) {
  return {static_cast<const A&>(x)..., static_cast<const B&>(y)...};
}
// No leaf bound twice: each leaf's lookup finds one binding (two make it ambiguous).
template <class... B>
constexpr void check_each_leaf_once(const bindings<B...>&) {
  static_assert(all_of({binds<typename B::leaf_type, bindings<B...>>...}), "ctgrad: at(...) binds the same leaf twice");
}
}  // namespace detail

// at(a = 2.0, W = w, model): the values of one evaluation; a model contributes its
// parameters, an earlier at(...) all of its bindings.
template <class... A>
  requires(detail::all_of({(detail::is_binding_t<A>::value || binding_set<A> || binding_source<A>)...}))
constexpr auto at(const A&... a) {
  using detail::operator|;
  auto all = [&] {
    if constexpr (detail::all_of({detail::is_binding_t<A>::value...}))
      return bindings<A...>{a...};  // the common case in one step, not one type per argument
    else
      return (bindings<>{} | ... | detail::as_binding_set(a));
  }();
  detail::check_each_leaf_once(all);
  return all;
}

// The leaves to differentiate for.
template <class... Leaves>
struct wrt_t {
  using leaves = hana::tuple<hana::type<Leaves>...>;
};

template <class... L>
  requires(detail::all_of({detail::is_leaf<L>...}))
constexpr wrt_t<L...> wrt(const L&...) {
  return {};
}

// Differentiate for every trainable leaf of the expression (the default).
struct all_trainable {};

namespace detail {
template <class T>
struct is_wrt_t : std::false_type {};
template <class... L>
struct is_wrt_t<wrt_t<L...>> : std::true_type {};
template <>
struct is_wrt_t<all_trainable> : std::true_type {};
}  // namespace detail

template <class T>
concept leaf_selection = detail::is_wrt_t<std::remove_cvref_t<T>>::value;

}  // namespace ctgrad
