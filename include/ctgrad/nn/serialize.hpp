// Saving and loading model weights.
//
//   nn::save(net, "model.ctw");     // a new temporary file, then renamed into place
//   nn::load(net, "model.ctw");     // validates everything before changing net
//
// Each also takes the model's parameter list, nn::refs_of(net) (nn/parameter_refs.hpp):
// the code below is compiled once, whatever the models.
//
// Format (version 1), all integers and floats little-endian:
//   8 bytes   magic "CTGRADW\0"
//   u32       version (1)
//   u32       number of parameters
//   per parameter:
//     u32     name length, then the name's bytes ("fc0.W")
//     u32     element type: 1 = float32, 2 = float64
//     u32     rank, then u64 per dimension
//     data    the elements in row-major order (IEEE 754)
//   u64       FNV-1a hash of every byte before it
//
// Loading checks the magic, version, hash, and that the parameters are exactly the model's
// (names, element types, shapes, in order), and that the file ends where it should. Any
// mismatch throws nn::format_error naming the file, what was expected and what was found;
// the model is left untouched. A file's size is known from the model, so load() reads no
// more than that, and only regular files (io/read_file.hpp). Saving writes atomically
// (io/write_file.hpp): the target is always the old file or the whole new one, also with
// two writers at once. (Paths are strings; a std::filesystem::path converts.)
#pragma once

#include <bit>
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctgrad/io/read_file.hpp"
#include "ctgrad/io/write_file.hpp"
#include "ctgrad/nn/parameter_refs.hpp"
#include "ctgrad/nn/parameters.hpp"

namespace ctgrad::nn {

class format_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

inline constexpr char weights_magic[8] = {'C', 'T', 'G', 'R', 'A', 'D', 'W', '\0'};
inline constexpr std::uint32_t weights_version = 1;

inline std::size_t element_bytes(element_type e) { return e == element_type::float32 ? 4 : 8; }
inline std::string element_name(std::uint32_t code) {
  return code == 1 ? "float32" : code == 2 ? "float64" : "unknown type code " + std::to_string(code);
}

inline std::uint64_t fnv1a(const unsigned char* p, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

class byte_writer {
 public:
  template <class U>
  void uint(U v) {
    for (std::size_t i = 0; i < sizeof(U); ++i) bytes.push_back(static_cast<unsigned char>(v >> (8 * i)));
  }
  template <class T>
  void real(T v) {
    using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    uint(std::bit_cast<U>(v));
  }
  void raw(const void* p, std::size_t n) {
    // resize and copy, not insert: GCC 12 reports a false overflow in an inlined insert
    if (n == 0) return;
    const std::size_t at = bytes.size();
    bytes.resize(at + n);
    std::memcpy(bytes.data() + at, p, n);
  }
  std::vector<unsigned char> bytes;
};

class byte_reader {
 public:
  byte_reader(const std::vector<unsigned char>& b, std::string source) : bytes_(b), source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw format_error(source_ + ": " + what + " (at byte " + std::to_string(pos_) + ")");
  }
  void need(std::size_t n, const char* what) const {
    if (bytes_.size() - pos_ < n)
      fail(std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes, " +
           std::to_string(bytes_.size() - pos_) + " left");
  }
  template <class U>
  U uint(const char* what) {
    need(sizeof(U), what);
    U v = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) v |= static_cast<U>(bytes_[pos_ + i]) << (8 * i);
    pos_ += sizeof(U);
    return v;
  }
  template <class T>
  T real() {
    using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    return std::bit_cast<T>(uint<U>("parameter data"));
  }
  std::string text(std::size_t n, const char* what) {
    need(n, what);
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  std::size_t position() const { return pos_; }
  std::size_t size() const { return bytes_.size(); }

 private:
  const std::vector<unsigned char>& bytes_;
  std::string source_;
  std::size_t pos_ = 0;
};

inline void write_parameter(byte_writer& out, const parameter_ref& p) {
  out.uint(static_cast<std::uint32_t>(p.name.size()));
  out.raw(p.name.data(), p.name.size());
  out.uint(static_cast<std::uint32_t>(p.element));
  out.uint(static_cast<std::uint32_t>(p.shape.size()));
  for (const std::size_t d : p.shape) out.uint(static_cast<std::uint64_t>(d));
  if (p.element == element_type::float32)
    for (std::size_t i = 0; i < p.size; ++i) out.real(static_cast<const float*>(p.data)[i]);
  else
    for (std::size_t i = 0; i < p.size; ++i) out.real(static_cast<const double*>(p.data)[i]);
}

// Reads parameter `index` into `into` (scratch room for p's elements), checking it against p.
inline void read_parameter(byte_reader& in, const parameter_ref& p, std::size_t index, void* into) {
  const std::string where = "parameter " + std::to_string(index);
  const auto name_length = in.uint<std::uint32_t>("name length");
  const std::string name = in.text(name_length, "name");
  if (name != p.name) in.fail(where + " is `" + name + "`, the model expects `" + std::string(p.name) + "`");
  const auto code = in.uint<std::uint32_t>("element type");
  const auto expected = static_cast<std::uint32_t>(p.element);
  if (code != expected) in.fail("`" + name + "` holds " + element_name(code) + ", the model expects " + element_name(expected));
  const auto rank = in.uint<std::uint32_t>("rank");
  if (rank > 32) in.fail("`" + name + "` has an implausible rank " + std::to_string(rank));
  std::size_t dims[32];
  bool same = rank == p.shape.size();
  for (std::uint32_t i = 0; i < rank; ++i) {
    const auto d = in.uint<std::uint64_t>("dimension");
    dims[i] = static_cast<std::size_t>(d);
    same = same && i < p.shape.size() && d == p.shape[i];
  }
  if (!same)
    in.fail("`" + name + "` has shape " + shape_text(dims, rank) + ", the model expects " +
            shape_text(p.shape.data(), p.shape.size()));
  in.need(p.size * element_bytes(p.element), "parameter data");
  if (p.element == element_type::float32)
    for (std::size_t i = 0; i < p.size; ++i) static_cast<float*>(into)[i] = in.real<float>();
  else
    for (std::size_t i = 0; i < p.size; ++i) static_cast<double*>(into)[i] = in.real<double>();
}

// The size of a weights file of these parameters, in bytes.
inline std::size_t file_size(const const_parameter_refs& w) {
  std::size_t n = sizeof(weights_magic) + 4 + 4 + 8;  // magic, version, count ... checksum
  for (const parameter_ref& p : w) n += 4 + p.name.size() + 4 + 4 + 8 * p.shape.size() + p.size * element_bytes(p.element);
  return n;
}

// The parameters in bytes, checked against w's and returned as one scratch block (each
// parameter's elements at offsets() of it); w changes nothing.
struct decoded {
  std::vector<double> block;  // doubles: aligned for either element type
  std::vector<std::size_t> offsets;  // in bytes
};
inline decoded decode(const const_parameter_refs& w, const std::vector<unsigned char>& bytes, const std::string& source) {
  byte_reader in(bytes, source);
  if (in.size() < sizeof(weights_magic) ||
      in.text(sizeof(weights_magic), "magic") != std::string(weights_magic, sizeof(weights_magic)))
    in.fail("not a ctgrad weights file (expected the magic bytes \"CTGRADW\\0\")");
  const auto version = in.uint<std::uint32_t>("version");
  if (version != weights_version)
    in.fail("unsupported version " + std::to_string(version) + ", expected " + std::to_string(weights_version));
  const auto count = in.uint<std::uint32_t>("parameter count");
  if (count != w.size())
    in.fail("the file holds " + std::to_string(count) + " parameters, the model has " + std::to_string(w.size()));

  decoded d;
  std::size_t total = 0;
  for (const parameter_ref& p : w) {
    d.offsets.push_back(total);
    total += (p.size * element_bytes(p.element) + 7) / 8 * 8;
  }
  d.block.resize(total / 8);
  for (std::size_t i = 0; i < w.size(); ++i)
    read_parameter(in, w[i], i, reinterpret_cast<unsigned char*>(d.block.data()) + d.offsets[i]);
  // the hash last: a corrupt byte in a name or shape is reported by what it broke
  const auto stored = in.uint<std::uint64_t>("checksum");
  if (in.position() != in.size())
    in.fail(std::to_string(in.size() - in.position()) + " unexpected bytes after the checksum");
  if (stored != fnv1a(bytes.data(), bytes.size() - sizeof(std::uint64_t)))
    throw format_error(source + ": checksum mismatch: the file is corrupt");
  return d;
}

inline void assign(const parameter_refs& w, const decoded& d) {
  for (std::size_t i = 0; i < w.size(); ++i)
    if (w[i].size)
      std::memcpy(w.data(i), reinterpret_cast<const unsigned char*>(d.block.data()) + d.offsets[i],
                  w[i].size * element_bytes(w[i].element));
}

}  // namespace detail

// The weights as bytes in the format above.
inline std::vector<unsigned char> to_bytes(const const_parameter_refs& w) {
  detail::byte_writer out;
  out.bytes.reserve(detail::file_size(w));
  out.raw(detail::weights_magic, sizeof(detail::weights_magic));
  out.uint(detail::weights_version);
  out.uint(static_cast<std::uint32_t>(w.size()));
  for (const parameter_ref& p : w) detail::write_parameter(out, p);
  out.uint(detail::fnv1a(out.bytes.data(), out.bytes.size()));
  return std::move(out.bytes);
}

// Sets the weights from bytes; `source` names them in error messages. Nothing changes
// unless everything checks out.
inline void from_bytes(const parameter_refs& w, const std::vector<unsigned char>& bytes, const std::string& source = "weights") {
  detail::assign(w, detail::decode(w, bytes, source));
}

inline void save(const const_parameter_refs& w, const std::string& path) {
  io::write_file_atomically<format_error>(path, to_bytes(w));
}

inline void load(const parameter_refs& w, const std::string& path) {
  const std::size_t expected = detail::file_size(w);
  io::input_file<format_error> f(path);
  // never more than the model's weights take, however large the file
  std::vector<unsigned char> bytes(static_cast<std::size_t>(std::min<std::uint64_t>(f.size(), expected)));
  bytes.resize(f.read_some(bytes.data(), bytes.size()));
  const auto weights = detail::decode(w, bytes, path);  // what is wrong with the part read
  if (f.size() > expected)
    throw format_error(path + ": " + std::to_string(f.size() - expected) + " unexpected bytes after the checksum (the file is " +
                       std::to_string(f.size()) + " bytes, this model's weights take " + std::to_string(expected) + ")");
  detail::assign(w, weights);
}

// The same for a model (or a parameter set).
template <model M>
std::vector<unsigned char> to_bytes(const M& m) {
  return to_bytes(refs_of(m));
}
template <model M>
void from_bytes(M& m, const std::vector<unsigned char>& bytes, const std::string& source = "weights") {
  from_bytes(refs_of(m), bytes, source);
}
template <model M>
void save(const M& m, const std::string& path) {
  save(refs_of(m), path);
}
template <model M>
void load(M& m, const std::string& path) {
  load(refs_of(m), path);
}

}  // namespace ctgrad::nn
