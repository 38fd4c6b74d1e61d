// Reading IDX files (the MNIST format), plain or gzip-compressed.
//
//   data::idx_array a = data::read_idx("train-images-idx3-ubyte.gz");
//   a.dims == {60000, 28, 28}; a.bytes holds 60000*28*28 unsigned bytes
//
// IDX: two zero bytes, a type code (0x08 = unsigned byte, the only type MNIST uses), the
// number of dimensions, then each dimension as a big-endian u32, then the data. Every
// field is checked against the file's real size: the data must be exactly as long as the
// dimensions say. Any problem throws data::data_error naming the file, what was expected
// and what was found. Gzip is detected by its magic bytes and decompressed with zlib (link
// with zlib: this header is the only part of ctgrad that needs it).
#pragma once

#include <zlib.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
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

namespace detail {

inline std::vector<unsigned char> read_all(const std::string& path) { return io::read_file<data_error>(path); }

inline bool is_gzip(const std::vector<unsigned char>& b) { return b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b; }

// The whole gzip stream, decompressed; `limit` guards against a decompression bomb.
inline std::vector<unsigned char> gunzip(const std::vector<unsigned char>& in, const std::string& source,
                                         std::size_t limit = std::size_t{1} << 32) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw data_error(source + ": zlib could not start");
  std::vector<unsigned char> out;
  unsigned char chunk[1 << 16];
  z.next_in = const_cast<unsigned char*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = chunk;
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      const std::string why = rc == Z_DATA_ERROR ? "corrupt data"
                              : rc == Z_BUF_ERROR ? "the file ends inside the compressed stream"
                                                  : "zlib error " + std::to_string(rc);
      inflateEnd(&z);
      throw data_error(source + ": gzip: " + why + " (after " + std::to_string(out.size()) + " decompressed bytes)");
    }
    out.insert(out.end(), chunk, chunk + (sizeof chunk - z.avail_out));
    if (out.size() > limit) {
      inflateEnd(&z);
      throw data_error(source + ": gzip: decompresses to more than " + std::to_string(limit) + " bytes");
    }
  }
  const bool trailing = z.avail_in != 0;
  inflateEnd(&z);
  if (trailing) throw data_error(source + ": gzip: " + std::to_string(z.avail_in) + " unexpected bytes after the stream");
  return out;
}

inline std::uint32_t big_endian_u32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

}  // namespace detail

// Parses IDX bytes (already decompressed); `source` names them in errors.
inline idx_array parse_idx(const std::vector<unsigned char>& b, const std::string& source) {
  auto fail = [&](const std::string& what) -> data_error { return data_error(source + ": " + what); };
  if (b.size() < 4) throw fail("too short for an IDX header: " + std::to_string(b.size()) + " bytes, expected at least 4");
  if (b[0] != 0 || b[1] != 0)
    throw fail("not an IDX file: expected the magic bytes 00 00, found " + std::to_string(b[0]) + " " +
               std::to_string(b[1]));
  if (b[2] != 0x08) {
    char code[8];
    std::snprintf(code, sizeof code, "0x%02x", b[2]);
    throw fail(std::string("IDX element type ") + code + " is not supported: expected 0x08 (unsigned byte)");
  }
  const std::size_t rank = b[3];
  if (rank == 0) throw fail("IDX header has 0 dimensions");
  const std::size_t header = 4 + 4 * rank;
  if (b.size() < header)
    throw fail("truncated header: " + std::to_string(rank) + " dimensions need " + std::to_string(header) +
               " bytes, the file has " + std::to_string(b.size()));
  idx_array a;
  std::uint64_t elements = 1;
  for (std::size_t i = 0; i < rank; ++i) {
    a.dims.push_back(detail::big_endian_u32(b.data() + 4 + 4 * i));
    elements *= a.dims.back();
    if (elements > (std::uint64_t{1} << 40)) throw fail("implausible dimensions (more than 2^40 elements)");
  }
  const std::uint64_t payload = b.size() - header;
  if (payload != elements) {
    std::string shape;
    for (std::size_t i = 0; i < rank; ++i) {
      if (i) shape += " x ";
      shape += std::to_string(a.dims[i]);
    }
    throw fail("the header says " + shape + " = " + std::to_string(elements) + " bytes of data, the file has " +
               std::to_string(payload) + (payload < elements ? " (truncated)" : " (extra bytes at the end)"));
  }
  a.bytes.assign(b.begin() + static_cast<std::ptrdiff_t>(header), b.end());
  return a;
}

// Reads an IDX file, gzip-compressed or not.
inline idx_array read_idx(const std::string& path) {
  auto bytes = detail::read_all(path);
  if (detail::is_gzip(bytes)) bytes = detail::gunzip(bytes, path);
  return parse_idx(bytes, path);
}

}  // namespace ctgrad::data
