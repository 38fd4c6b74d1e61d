// Counts heap allocations by replacing the global operator new. Replacement functions
// may not be inline, so include this from exactly one translation unit per program.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

namespace test {
inline std::size_t allocations = 0;
}

void* operator new(std::size_t n) {
  ++test::allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc{};
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
