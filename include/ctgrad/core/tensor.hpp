// tensor<T, D...>: a fixed-shape, row-major, constexpr-friendly value.
//
//   tensor<double, 3>    v{1, 2, 3};
//   tensor<double, 2, 3> m{{1, 2, 3}, {4, 5, 6}};       // nested braces, one per row
//   auto z = tensor<float, 10, 784>::filled(0.f);
//   auto f = tensor<double, 2, 2>::from_flat({1, 2, 3, 4});
//
// Rank 0 (`tensor<T>`) holds one value; the public API hands scalars out as plain T.
//
// With a dynamic first dimension, a tensor owns its elements on the heap and knows its rows:
//   tensor<float, dyn, 784> x(1037);    // 1037 rows of zeros; x.rows(), x.resize(n)
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "ctgrad/core/buffer.hpp"
#include "ctgrad/core/pack.hpp"
#include "ctgrad/core/shape.hpp"

namespace ctgrad {

namespace detail {

// The nested C array type of a shape's trailing dimensions: nested_array<T, 2, 3> = T[2][3].
template <class T, std::size_t... D>
struct nested_array {
  using type = T;
};
template <class T, std::size_t D0, std::size_t... D>
struct nested_array<T, D0, D...> {
  using type = typename nested_array<T, D...>::type[D0];
};

template <class T, class A>
constexpr T* copy_nested(T* out, const A& a) {
  if constexpr (std::is_array_v<A>) {
    for (const auto& sub : a) out = copy_nested<T>(out, sub);
    return out;
  } else {
    *out = static_cast<T>(a);
    return out + 1;
  }
}

template <std::size_t, class X>
using repeat_t = X;

// The storage and the row-wise brace constructor of a tensor of rank >= 2: one
// parameter per row, each a nested array of the remaining dimensions.
template <class T, std::size_t N, class Row, class Seq>
struct rows_storage;
template <class T, std::size_t N, class Row, std::size_t... I>
struct rows_storage<T, N, Row, std::index_sequence<I...>> {
  T data_[N];  // default-initialised, as in std::array: tensor{} is zeros, `tensor t;` is not
  constexpr rows_storage() = default;
  constexpr rows_storage(repeat_t<I, const Row&>... rows) {  // NOLINT: braces are the API
    T* out = data_;
    in_order{(out = copy_nested<T>(out, rows), 0)...};
  }
};

template <class T, std::size_t N>
struct flat_storage {
  T data_[N == 0 ? 1 : N];
};

template <class T, std::size_t... D>
struct storage_for {
  using type = flat_storage<T, (std::size_t{1} * ... * D)>;
};
template <class T, std::size_t D0, std::size_t D1, std::size_t... D>
struct storage_for<T, D0, D1, D...> {
  using type = rows_storage<T, D0 * D1 * (std::size_t{1} * ... * D), typename nested_array<T, D1, D...>::type,
                            std::make_index_sequence<D0>>;
};

}  // namespace detail

template <class T, std::size_t... D>
class tensor : private detail::storage_for<T, D...>::type {
  using base = typename detail::storage_for<T, D...>::type;

 public:
  using value_type = T;
  using shape_type = ctgrad::shape<D...>;
  static constexpr std::size_t rank = sizeof...(D);
  static constexpr std::size_t extent = shape_type::size;  // number of elements

  constexpr tensor() = default;
  using base::base;  // rows from nested braces, rank >= 2

  // rank 0: from the value
  constexpr tensor(T v)  // NOLINT: a scalar tensor is its value
    requires(rank == 0)
  {
    this->data_[0] = v;
  }

  // rank 1: from exactly D0 numbers
  template <class... U>
    requires(rank == 1 && sizeof...(U) == extent && sizeof...(U) > 1 && detail::all_of({std::is_arithmetic_v<U>...}))
  constexpr tensor(U... v) {
    std::size_t i = 0;
    detail::in_order{(this->data_[i++] = static_cast<T>(v), 0)...};
  }
  template <class U>
    requires(rank == 1 && extent == 1 && std::is_arithmetic_v<U>)
  constexpr explicit tensor(U v) {
    this->data_[0] = static_cast<T>(v);
  }

  static constexpr tensor filled(T v) {
    tensor t;
    for (auto& x : t.data_) x = v;
    return t;
  }
  static constexpr tensor from_flat(const T (&flat)[extent]) {
    tensor t;
    for (std::size_t i = 0; i < extent; ++i) t.data_[i] = flat[i];
    return t;
  }
  // Copies `extent` values from `first` (e.g. a pointer into a data set).
  template <class It>
  static constexpr tensor from_range(It first) {
    tensor t;
    for (std::size_t i = 0; i < extent; ++i, ++first) t.data_[i] = static_cast<T>(*first);
    return t;
  }

  static constexpr std::size_t size() { return extent; }

  constexpr T* data() { return this->data_; }
  constexpr const T* data() const { return this->data_; }
  constexpr T* begin() { return this->data_; }
  constexpr T* end() { return this->data_ + extent; }
  constexpr const T* begin() const { return this->data_; }
  constexpr const T* end() const { return this->data_ + extent; }

  // element by flat (row-major) index
  constexpr T& flat(std::size_t i) { return this->data_[i]; }
  constexpr const T& flat(std::size_t i) const { return this->data_[i]; }

  // element by multi-index: m(i, j)
  template <class... I>
    requires(sizeof...(I) == rank && (std::is_integral_v<I> && ...))
  constexpr T& operator()(I... idx) {
    return this->data_[offset(static_cast<std::size_t>(idx)...)];
  }
  template <class... I>
    requires(sizeof...(I) == rank && (std::is_integral_v<I> && ...))
  constexpr const T& operator()(I... idx) const {
    return this->data_[offset(static_cast<std::size_t>(idx)...)];
  }

  // vectors: v[i]
  constexpr T& operator[](std::size_t i)
    requires(rank == 1)
  {
    return this->data_[i];
  }
  constexpr const T& operator[](std::size_t i) const
    requires(rank == 1)
  {
    return this->data_[i];
  }

  friend constexpr bool operator==(const tensor& a, const tensor& b) {
    for (std::size_t i = 0; i < extent; ++i)
      if (!(a.data_[i] == b.data_[i])) return false;
    return true;
  }

 private:
  template <class... I>
  static constexpr std::size_t offset(I... idx) {
    constexpr std::size_t dims[rank == 0 ? 1 : rank] = {D...};
    const std::size_t ix[rank == 0 ? 1 : rank] = {idx...};
    std::size_t off = 0;
    for (std::size_t k = 0; k < rank; ++k) off = off * dims[k] + ix[k];
    return off;
  }
};

// A tensor whose first dimension is dynamic: its rows are set at run time; it allocates
// when it grows beyond the rows it has held (resize within its capacity does not).
template <class T, std::size_t... D>
class tensor<T, dyn, D...> {
 public:
  using value_type = T;
  using shape_type = ctgrad::shape<dyn, D...>;
  static constexpr std::size_t rank = 1 + sizeof...(D);
  static constexpr std::size_t row_size = shape_type::row_size;  // elements per row

  constexpr tensor() = default;
  constexpr explicit tensor(std::size_t rows) : rows_(rows), data_(rows * row_size) {}
  // a copy of a view's rows (a workspace's value, say)
  template <class V>
    requires(!std::is_same_v<V, tensor> && requires(const V& v) {
      v.rows();
      v.data();
    })
  constexpr explicit tensor(const V& v) : tensor(v.rows()) {
    for (std::size_t i = 0; i < size(); ++i) data()[i] = v.data()[i];
  }
  // rows x row_size values from `first` (e.g. a pointer into a data set)
  template <class It>
  static constexpr tensor from_range(std::size_t rows, It first) {
    tensor t(rows);
    for (std::size_t i = 0; i < t.size(); ++i, ++first) t.data()[i] = static_cast<T>(*first);
    return t;
  }

  constexpr std::size_t rows() const { return rows_; }
  constexpr std::size_t size() const { return rows_ * row_size; }
  // Sets the rows; the elements of the first min(rows, rows()) rows are kept, new ones are 0.
  constexpr void resize(std::size_t rows) {
    data_.resize(rows * row_size);
    rows_ = rows;
  }
  // Room for `rows` rows without allocating again.
  constexpr void reserve(std::size_t rows) { data_.reserve(rows * row_size); }
  constexpr std::size_t capacity() const { return data_.capacity() / row_size; }

  constexpr T* data() { return data_.data(); }
  constexpr const T* data() const { return data_.data(); }
  constexpr T* begin() { return data(); }
  constexpr T* end() { return data() + size(); }
  constexpr const T* begin() const { return data(); }
  constexpr const T* end() const { return data() + size(); }
  constexpr T& flat(std::size_t i) { return data()[i]; }
  constexpr const T& flat(std::size_t i) const { return data()[i]; }

  template <class... I>
    requires(sizeof...(I) == rank && (std::is_integral_v<I> && ...))
  constexpr T& operator()(I... idx) {
    return data()[offset(static_cast<std::size_t>(idx)...)];
  }
  template <class... I>
    requires(sizeof...(I) == rank && (std::is_integral_v<I> && ...))
  constexpr const T& operator()(I... idx) const {
    return data()[offset(static_cast<std::size_t>(idx)...)];
  }
  constexpr T& operator[](std::size_t i)
    requires(rank == 1)
  {
    return data()[i];
  }
  constexpr const T& operator[](std::size_t i) const
    requires(rank == 1)
  {
    return data()[i];
  }

  friend constexpr bool operator==(const tensor& a, const tensor& b) {
    if (a.rows_ != b.rows_) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!(a.data()[i] == b.data()[i])) return false;
    return true;
  }

 private:
  template <class... I>
  static constexpr std::size_t offset(std::size_t row, I... idx) {
    constexpr std::size_t dims[sizeof...(D) == 0 ? 1 : sizeof...(D)] = {D...};
    const std::size_t ix[sizeof...(I) == 0 ? 1 : sizeof...(I)] = {idx...};
    std::size_t off = row;
    for (std::size_t k = 0; k < sizeof...(D); ++k) off = off * dims[k] + ix[k];
    return off;
  }

  std::size_t rows_ = 0;
  detail::buffer<T> data_;
};

namespace detail {
template <class T, class S>
struct tensor_of;
template <class T, std::size_t... D>
struct tensor_of<T, shape<D...>> {
  using type = tensor<T, D...>;
};
}  // namespace detail

// The tensor type holding a value of element type T and shape S.
template <class T, class S>
using tensor_for = typename detail::tensor_of<T, S>::type;

}  // namespace ctgrad
