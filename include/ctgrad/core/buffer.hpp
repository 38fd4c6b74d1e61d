// A heap array usable in constant expressions (std::vector is not, with Clang and
// libstdc++ 12): the storage of dynamic tensors and of a workspace's dynamic slots.
#pragma once

#include <cstddef>
#include <utility>

namespace ctgrad::detail {

template <class T>
class buffer {
 public:
  constexpr buffer() = default;
  // n elements, value-initialised (zeros)
  constexpr explicit buffer(std::size_t n) : p_(n ? new T[n]() : nullptr), size_(n), capacity_(n) {}
  constexpr buffer(const buffer& o) : buffer(o.size_) {
    for (std::size_t i = 0; i < size_; ++i) p_[i] = o.p_[i];
  }
  constexpr buffer(buffer&& o) noexcept
      : p_(std::exchange(o.p_, nullptr)), size_(std::exchange(o.size_, 0)), capacity_(std::exchange(o.capacity_, 0)) {}
  constexpr buffer& operator=(buffer o) noexcept {
    std::swap(p_, o.p_);
    std::swap(size_, o.size_);
    std::swap(capacity_, o.capacity_);
    return *this;
  }
  constexpr ~buffer() { delete[] p_; }

  constexpr T* data() { return p_; }
  constexpr const T* data() const { return p_; }
  constexpr std::size_t size() const { return size_; }
  constexpr std::size_t capacity() const { return capacity_; }

  // room for n elements: allocates only when n is more than the capacity
  constexpr void reserve(std::size_t n) {
    if (n <= capacity_) return;
    T* q = new T[n]();
    for (std::size_t i = 0; i < size_; ++i) q[i] = p_[i];
    delete[] p_;
    p_ = q;
    capacity_ = n;
  }
  // n elements: the first ones kept, new ones zero
  constexpr void resize(std::size_t n) {
    reserve(n);
    for (std::size_t i = size_; i < n; ++i) p_[i] = T{};
    size_ = n;
  }

 private:
  T* p_ = nullptr;
  std::size_t size_ = 0, capacity_ = 0;
};

}  // namespace ctgrad::detail
