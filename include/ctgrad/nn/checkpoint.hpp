// Checkpoints: what a training run needs to continue, as named parts of one file: the
// model's weights, the optimizer's state, counters such as the epoch, a few texts and numbers.
//
//   nn::checkpoint c;
//   c.put("model", net);                          // a model, or any parameter set:
//   c.put("adam.m", adam.first_moments());        //   the optimizer's state is one
//   c.put_number("epoch", 3);
//   c.save("run.ckpt");                           // atomically (io/write_file.hpp)
//
//   const auto c = nn::checkpoint::load("run.ckpt");  // the whole file, checked
//   c.get("model", net);                          // checked as nn::load; net unchanged on error
//   std::uint64_t epoch = c.number("epoch");
//
// Format (version 1), all integers little-endian:
//   8 bytes   magic "CTGRADC\0"
//   u32       version (1)
//   u32       number of parts
//   per part:
//     u32     name length, then the name's bytes
//     u32     kind: 1 = weights, 2 = number (one u64), 3 = text, 4 = reals (f64 each)
//     u64     payload length, then the payload; a weights payload is a whole weights file
//             (nn/serialize.hpp), checked against the model it is read into
//   u64       FNV-1a hash of every byte before it
//
// Anything wrong (a corrupt or truncated file, a missing part, a part of another kind or
// shape) throws nn::format_error naming the file, the part, what was expected and found.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ctgrad/nn/serialize.hpp"

namespace ctgrad::nn {

class checkpoint {
 public:
  enum class kind : std::uint32_t { weights = 1, number = 2, text = 3, reals = 4 };

  // Writing: a part of an existing name is replaced. Weights come from a model (or a
  // parameter set) or its parameter list, nn::refs_of(net): the same part.
  void put(std::string_view name, const const_parameter_refs& w) { set(name, kind::weights, nn::to_bytes(w)); }
  template <model M>
  void put(std::string_view name, const M& m) {
    put(name, refs_of(m));
  }
  void put_number(std::string_view name, std::uint64_t v) {
    detail::byte_writer out;
    out.uint(v);
    set(name, kind::number, std::move(out.bytes));
  }
  void put_text(std::string_view name, std::string_view text) {
    set(name, kind::text, std::vector<unsigned char>(text.begin(), text.end()));
  }
  void put_reals(std::string_view name, const std::vector<double>& values) {
    detail::byte_writer out;
    for (const double v : values) out.real(v);
    set(name, kind::reals, std::move(out.bytes));
  }

  // Reading. get() sets the model's weights (or the parameter set, or those of a parameter
  // list) if the part matches them in every name, type and shape; otherwise it throws and
  // changes nothing.
  void get(std::string_view name, const parameter_refs& w) const {
    nn::from_bytes(w, find(name, kind::weights).bytes, source_ + ": part `" + std::string(name) + "`");
  }
  template <model M>
  void get(std::string_view name, M& m) const {
    get(name, refs_of(m));
  }
  std::uint64_t number(std::string_view name) const {
    const part& p = find(name, kind::number);
    detail::byte_reader in(p.bytes, source_);
    return in.uint<std::uint64_t>("number");
  }
  std::string text(std::string_view name) const {
    const part& p = find(name, kind::text);
    return std::string(p.bytes.begin(), p.bytes.end());
  }
  std::vector<double> reals(std::string_view name) const {
    const part& p = find(name, kind::reals);
    detail::byte_reader in(p.bytes, source_);
    std::vector<double> values(p.bytes.size() / sizeof(double));
    for (double& v : values) v = in.real<double>();
    return values;
  }
  bool contains(std::string_view name) const { return lookup(name) != nullptr; }
  // the parts' names, in the order they were put
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const part& p : parts_) n.push_back(p.name);
    return n;
  }

  std::vector<unsigned char> to_bytes() const {
    detail::byte_writer out;
    out.raw(magic, sizeof(magic));
    out.uint(version);
    out.uint(static_cast<std::uint32_t>(parts_.size()));
    for (const part& p : parts_) {
      out.uint(static_cast<std::uint32_t>(p.name.size()));
      out.raw(p.name.data(), p.name.size());
      out.uint(static_cast<std::uint32_t>(p.what));
      out.uint(static_cast<std::uint64_t>(p.bytes.size()));
      out.raw(p.bytes.data(), p.bytes.size());
    }
    out.uint(detail::fnv1a(out.bytes.data(), out.bytes.size()));
    return std::move(out.bytes);
  }
  // `source` names the bytes in error messages
  static checkpoint from_bytes(const std::vector<unsigned char>& bytes, const std::string& source = "checkpoint") {
    checkpoint c;
    c.source_ = source;
    detail::byte_reader in(bytes, source);
    if (bytes.size() < sizeof(magic) || !std::equal(magic, magic + sizeof(magic), bytes.begin()))
      in.fail("not a ctgrad checkpoint (expected the magic bytes \"CTGRADC\\0\")");
    (void)in.text(sizeof(magic), "magic");
    const auto v = in.uint<std::uint32_t>("version");
    if (v != version) in.fail("unsupported version " + std::to_string(v) + ", expected " + std::to_string(version));
    const auto count = in.uint<std::uint32_t>("part count");
    for (std::uint32_t i = 0; i < count; ++i) {
      part p;
      p.name = in.text(in.uint<std::uint32_t>("name length"), "name");
      const auto k = in.uint<std::uint32_t>("kind");
      if (k < 1 || k > 4) in.fail("part `" + p.name + "` has an unknown kind " + std::to_string(k));
      p.what = static_cast<kind>(k);
      const auto length = in.uint<std::uint64_t>("payload length");
      in.need(length, "payload");  // before the text: a huge length is refused, not allocated
      const std::string payload = in.text(static_cast<std::size_t>(length), "payload");
      p.bytes.assign(payload.begin(), payload.end());
      if ((p.what == kind::number && length != 8) || (p.what == kind::reals && length % 8 != 0))
        in.fail("part `" + p.name + "` has " + std::to_string(length) + " bytes, not " +
                (p.what == kind::number ? "8 (a number)" : "a multiple of 8 (reals)"));
      if (c.lookup(p.name)) in.fail("part `" + p.name + "` appears twice");
      c.parts_.push_back(std::move(p));
    }
    const auto stored = in.uint<std::uint64_t>("checksum");
    if (in.position() != in.size())
      in.fail(std::to_string(in.size() - in.position()) + " unexpected bytes after the checksum");
    if (stored != detail::fnv1a(bytes.data(), bytes.size() - sizeof(std::uint64_t)))
      throw format_error(source + ": checksum mismatch: the file is corrupt");
    return c;
  }

  // The target is always the old file or the whole new one.
  void save(const std::string& path) const { io::write_file_atomically<format_error>(path, to_bytes()); }
  static checkpoint load(const std::string& path) { return from_bytes(io::read_file<format_error>(path), path); }

 private:
  static constexpr char magic[8] = {'C', 'T', 'G', 'R', 'A', 'D', 'C', '\0'};
  static constexpr std::uint32_t version = 1;

  struct part {
    std::string name;
    kind what = kind::number;
    std::vector<unsigned char> bytes;
  };

  static const char* kind_name(kind k) {
    switch (k) {
      case kind::weights: return "weights";
      case kind::number: return "a number";
      case kind::text: return "a text";
      case kind::reals: return "reals";
    }
    return "unknown";
  }
  const part* lookup(std::string_view name) const {
    const auto it = std::find_if(parts_.begin(), parts_.end(), [&](const part& p) { return p.name == name; });
    return it == parts_.end() ? nullptr : &*it;
  }
  part* lookup(std::string_view name) { return const_cast<part*>(std::as_const(*this).lookup(name)); }
  const part& find(std::string_view name, kind k) const {
    const part* p = lookup(name);
    if (!p) {
      std::string have;
      for (const part& q : parts_) have += (have.empty() ? "" : ", ") + q.name;
      throw format_error(source_ + ": no part `" + std::string(name) + "` (it has: " + (have.empty() ? "none" : have) + ")");
    }
    if (p->what != k)
      throw format_error(source_ + ": part `" + std::string(name) + "` is " + kind_name(p->what) + ", expected " +
                         kind_name(k));
    return *p;
  }
  void set(std::string_view name, kind k, std::vector<unsigned char> bytes) {
    part* p = lookup(name);
    if (!p) p = &parts_.emplace_back();
    p->name = std::string(name);
    p->what = k;
    p->bytes = std::move(bytes);
  }

  std::vector<part> parts_;
  std::string source_ = "checkpoint";
};

}  // namespace ctgrad::nn
