// The matrix kernels' code for the program, compiled here once (products.cpp declares it).
#include <ctgrad/kernels/instantiate.hpp>

#include <cstdio>

int products();

int main() {
  const int failed = products();
  std::printf("%s\n", failed ? "products differ" : "products match the plain loops");
  return failed ? 1 : 0;
}
