// libFuzzer target for the weight-file loader and the checkpoint reader: any bytes must
// either load (into the model, or as a checkpoint whose parts then load or are refused) or
// be refused with nn::format_error, leaving the model as it was. Nothing else: no crash, no
// other exception, no read out of bounds (built with AddressSanitizer).
//
//   ./build-fuzz/test/fuzz_weights -max_total_time=60 test/fuzz/weights_corpus
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <ctgrad/ctgrad.hpp>
#include <ctgrad/nn/checkpoint.hpp>
#include <ctgrad/nn/serialize.hpp>
#include <vector>

namespace {
using Net = ctgrad::nn::basic_mlp<float, ctgrad::nn::ReLU, 3, 4, 2>;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<unsigned char> bytes(data, data + size);
  static const Net before{7};
  Net net = before;
  try {
    ctgrad::nn::from_bytes(net, bytes, "input");
    if (ctgrad::nn::to_bytes(net) != bytes) std::abort();  // what loads is what was there
  } catch (const ctgrad::nn::format_error&) {
    if (!(net.params() == before.params())) std::abort();  // a refused file changed the model
  }
  try {
    const auto c = ctgrad::nn::checkpoint::from_bytes(bytes, "input");
    if (c.to_bytes() != bytes) std::abort();  // what is read is what was there
    for (const auto& name : c.names()) {
      net = before;
      try {
        c.get(name, net);
      } catch (const ctgrad::nn::format_error&) {
        if (!(net.params() == before.params())) std::abort();
      }
      for (auto read : {+[](const ctgrad::nn::checkpoint& k, const std::string& n) { (void)k.number(n); },
                        +[](const ctgrad::nn::checkpoint& k, const std::string& n) { (void)k.text(n); },
                        +[](const ctgrad::nn::checkpoint& k, const std::string& n) { (void)k.reals(n); }}) {
        try {
          read(c, name);
        } catch (const ctgrad::nn::format_error&) {
        }
      }
    }
  } catch (const ctgrad::nn::format_error&) {
  }
  return 0;
}
