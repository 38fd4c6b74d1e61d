// Reading IDX files (the MNIST format), plain or gzip-compressed.
//
//   data::idx_array a = data::read_idx("train-images-idx3-ubyte.gz");
//   a.dims == {60000, 28, 28}; a.bytes holds 60000*28*28 unsigned bytes
//
// IDX: two zero bytes, a type code (0x08 = unsigned byte, the only type MNIST uses), the
// number of dimensions, then each dimension as a big-endian u32, then the data.
//
// The header is read first and checked before any data: the declared size is computed
// without overflow and must be at most `limit` bytes (1 GiB by default) and fit the file (a
// plain file must hold exactly that much; a gzip file cannot expand more than 1032-fold).
// Then exactly the declared bytes are read, decompressing as they come, into the one buffer
// the result keeps: memory stays bounded by what the header declares. Gzip files of several
// members (what `cat a.gz b.gz` makes) are read as one stream. Only regular files are read
// (io/read_file.hpp). Any problem throws data::data_error naming the file, what was expected
// and what was found. Link with zlib: the data layer is the only part of ctgrad that needs it.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "ctgrad/io/read_file.hpp"

namespace ctgrad::data {

class data_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct idx_array {
  std::vector<std::uint32_t> dims;
  std::vector<unsigned char> bytes;  // row-major, one byte per element

  std::size_t count() const { return dims.empty() ? 0 : dims[0]; }
  // elements per item: the product of the dimensions after the first
  std::size_t item_size() const {
    std::size_t n = 1;
    for (std::size_t i = 1; i < dims.size(); ++i) n *= dims[i];
    return n;
  }
};

// The most data bytes an IDX file may declare unless the caller says otherwise.
inline constexpr std::uint64_t default_idx_limit = std::uint64_t{1} << 30;

namespace detail {

// deflate expands at most 1032-fold (zlib's documentation); a little more for the headers
inline constexpr std::uint64_t gzip_max_ratio = 1032;

inline std::uint32_t big_endian_u32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

// Bytes already in memory.
struct memory_source {
  const unsigned char* p;
  std::size_t left;
  std::size_t read(unsigned char* out, std::size_t n) {
    const std::size_t k = n < left ? n : left;
    if (k) std::memcpy(out, p, k);
    p += k;
    left -= k;
    return k;
  }
};

// A file's bytes, as they come.
struct file_source {
  io::input_file<data_error>& file;
  std::size_t read(unsigned char* out, std::size_t n) { return file.read_some(out, n); }
};

// The decompressed bytes of a gzip stream of one or more members read from Inner.
template <class Inner>
class gzip_source {
 public:
  gzip_source(Inner& inner, std::string source) : inner_(inner), source_(std::move(source)) {
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) throw data_error(source_ + ": zlib could not start");
  }
  gzip_source(const gzip_source&) = delete;
  gzip_source& operator=(const gzip_source&) = delete;
  ~gzip_source() { inflateEnd(&z_); }

  // Decompresses up to `limit` more bytes and drops them: called before a header is
  // refused, so that a corrupt stream is reported as such rather than by its garbage.
  void probe(std::size_t limit = std::size_t{1} << 20) {
    unsigned char scratch[4096];
    while (limit != 0 && !ended_) {
      const std::size_t k = read(scratch, limit < sizeof scratch ? limit : sizeof scratch);
      if (k == 0) break;
      limit -= k;
    }
  }

  // up to n decompressed bytes; fewer only at the end of the last member
  std::size_t read(unsigned char* out, std::size_t n) {
    std::size_t got = 0;
    while (got < n && !ended_) {
      if (z_.avail_in == 0 && !refill()) {
        fail("the file ends inside the compressed stream");
      }
      z_.next_out = out + got;
      z_.avail_out = static_cast<uInt>(n - got < (std::size_t{1} << 30) ? n - got : (std::size_t{1} << 30));
      const uInt before = z_.avail_out;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      got += before - z_.avail_out;
      produced_ += before - z_.avail_out;
      if (rc == Z_STREAM_END) {
        next_member();
      } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && z_.avail_in == 0)) {
        fail(rc == Z_DATA_ERROR ? "corrupt data" : rc == Z_MEM_ERROR ? "out of memory" : "zlib error " + std::to_string(rc));
      }
    }
    return got;
  }

 private:
  bool refill() {
    const std::size_t k = inner_.read(buffer_, sizeof buffer_);
    z_.next_in = buffer_;
    z_.avail_in = static_cast<uInt>(k);
    return k != 0;
  }
  // after a member: another one (it starts with the gzip magic 1f 8b), or the end
  void next_member() {
    if (z_.avail_in == 0 && !refill()) {
      ended_ = true;
      return;
    }
    if (z_.avail_in == 1) {  // one byte left in the buffer: move it to the front, read more
      buffer_[0] = z_.next_in[0];
      const std::size_t k = inner_.read(buffer_ + 1, sizeof buffer_ - 1);
      z_.next_in = buffer_;
      z_.avail_in = static_cast<uInt>(k + 1);
    }
    if (z_.avail_in < 2 || z_.next_in[0] != 0x1f || z_.next_in[1] != 0x8b) {
      std::size_t junk = z_.avail_in;
      for (std::size_t k; (k = inner_.read(buffer_, sizeof buffer_)) != 0;) junk += k;
      fail(std::to_string(junk) + " unexpected bytes after the stream");
    }
    inflateReset(&z_);
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw data_error(source_ + ": gzip: " + why + " (after " + std::to_string(produced_) + " decompressed bytes)");
  }

  Inner& inner_;
  std::string source_;
  z_stream z_{};
  bool ended_ = false;
  std::uint64_t produced_ = 0;
  unsigned char buffer_[1 << 16];
};

// Reads an IDX array from a byte source: the header, its checks, then the data. A plain
// source of `size` bytes holds size - header bytes of data; a gzip source of `size`
// compressed bytes at most 1032 times that.
template <class Source, class Check>
idx_array read_idx_from(Source& in, const std::string& source, bool plain, std::uint64_t size, std::uint64_t limit,
                        const Check& check) {
  auto fail = [&](const std::string& what) -> data_error {
    if constexpr (requires { in.probe(); }) in.probe();  // a corrupt gzip stream is the real reason
    return data_error(source + ": " + what);
  };
  const char* has = plain ? "the file has " : "the data has ";
  unsigned char head[4 + 4 * 255];
  const std::size_t got = in.read(head, 4);
  if (got < 4) throw fail("too short for an IDX header: " + std::to_string(got) + " bytes, expected at least 4");
  if (head[0] != 0 || head[1] != 0)
    throw fail("not an IDX file: expected the magic bytes 00 00, found " + std::to_string(head[0]) + " " +
               std::to_string(head[1]));
  if (head[2] != 0x08) {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02x", head[2]);
    throw fail(std::string("IDX element type ") + code + " is not supported: expected 0x08 (unsigned byte)");
  }
  const std::size_t rank = head[3];
  if (rank == 0) throw fail("IDX header has 0 dimensions");
  const std::size_t header = 4 + 4 * rank;
  const std::size_t got_dims = in.read(head + 4, 4 * rank);
  if (got_dims < 4 * rank)
    throw fail("truncated header: " + std::to_string(rank) + " dimensions need " + std::to_string(header) + " bytes, " +
               has + std::to_string(4 + got_dims));

  const std::uint64_t available = plain ? (size > header ? size - header : 0) : gzip_max_ratio * size;
  idx_array a;
  std::string shape;
  std::uint64_t elements = 1;
  bool too_many = false;
  for (std::size_t i = 0; i < rank; ++i) {
    const std::uint32_t d = big_endian_u32(head + 4 + 4 * i);
    a.dims.push_back(d);
    shape += (i ? " x " : "") + std::to_string(d);
    // overflow-safe: stop multiplying once past the limit (a zero dimension still counts)
    if (!too_many && d != 0 && elements > limit / d) too_many = true;
    if (!too_many) elements *= d;
  }
  const bool zero = [&] {
    for (auto d : a.dims)
      if (d == 0) return true;
    return false;
  }();
  if (too_many && !zero)
    throw fail("implausible dimensions: " + shape + " is more than the limit of " + std::to_string(limit) + " bytes");
  if (zero) elements = 0;
  check(a.dims);  // the caller's expectations, before any data
  if (elements > available)
    throw fail("the header says " + shape + " = " + std::to_string(elements) + " bytes of data, " + has +
               (plain ? std::to_string(available) + " (truncated)" : "at most " + std::to_string(available)));

  try {
    a.bytes.resize(static_cast<std::size_t>(elements));
  } catch (const std::bad_alloc&) {
    throw fail("out of memory for the " + std::to_string(elements) + " bytes of data its header declares");
  }
  const std::size_t data = in.read(a.bytes.data(), a.bytes.size());
  if (data < elements)
    throw fail("the header says " + shape + " = " + std::to_string(elements) + " bytes of data, " + has +
               std::to_string(data) + " (truncated)");
  unsigned char extra;
  if (in.read(&extra, 1) != 0)
    throw fail("the header says " + shape + " = " + std::to_string(elements) + " bytes of data, " + has +
               (plain ? std::to_string(available) : "more") + " (extra bytes at the end)");
  return a;
}

inline bool starts_gzip(const unsigned char* p, std::size_t n) { return n >= 2 && p[0] == 0x1f && p[1] == 0x8b; }

}  // namespace detail

// a check of the dimensions that accepts any
struct any_dims {
  void operator()(const std::vector<std::uint32_t>&) const {}
};

// Parses IDX bytes already in memory, plain or gzipped; `source` names them in errors.
inline idx_array parse_idx(const std::vector<unsigned char>& b, const std::string& source,
                           std::uint64_t limit = default_idx_limit) {
  detail::memory_source in{b.data(), b.size()};
  if (detail::starts_gzip(b.data(), b.size())) {
    detail::gzip_source<detail::memory_source> gz(in, source);
    return detail::read_idx_from(gz, source, false, b.size(), limit, any_dims{});
  }
  return detail::read_idx_from(in, source, true, b.size(), limit, any_dims{});
}

// Reads an IDX file, gzip-compressed or not, declaring at most `limit` bytes of data.
// check(dims) runs on the header's dimensions before any data is read (it throws to refuse).
template <class Check = any_dims>
idx_array read_idx(const std::string& path, std::uint64_t limit = default_idx_limit, const Check& check = {}) {
  io::input_file<data_error> file(path);
  detail::file_source rest{file};
  unsigned char magic[2];
  const std::size_t n = rest.read(magic, 2);
  // the two bytes read to tell gzip from plain, then the rest of the file
  struct whole_file {
    detail::memory_source first;
    detail::file_source& rest;
    std::size_t read(unsigned char* out, std::size_t k) {
      const std::size_t a = first.read(out, k);
      return a + (a < k ? rest.read(out + a, k - a) : 0);
    }
  } in{{magic, n}, rest};
  if (detail::starts_gzip(magic, n)) {
    detail::gzip_source<whole_file> gz(in, path);
    return detail::read_idx_from(gz, path, false, file.size(), limit, check);
  }
  return detail::read_idx_from(in, path, true, file.size(), limit, check);
}

}  // namespace ctgrad::data
