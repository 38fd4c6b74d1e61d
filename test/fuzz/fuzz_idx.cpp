// libFuzzer target for the IDX reader: any bytes, gzipped or not, must either parse into an
// array whose size matches its dimensions or be refused with data::data_error. Nothing else:
// no crash, no other exception, no read out of bounds (built with AddressSanitizer), and no
// more memory than the limit (16 MiB of data here).
//
//   meson setup build-fuzz -Dfuzz=true (with CXX=clang++) && ./build-fuzz/test/fuzz_idx -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <ctgrad/data/idx.hpp>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<unsigned char> bytes(data, data + size);
  try {
    const auto a = ctgrad::data::parse_idx(bytes, "input", std::uint64_t{1} << 24);
    std::size_t n = 1;
    for (auto d : a.dims) n *= d;
    if (n != a.bytes.size() || a.dims.empty()) std::abort();  // a parse that does not add up
  } catch (const ctgrad::data::data_error&) {
  }
  return 0;
}
