// The data layer: IDX files the tests write themselves (raw and gzip), every kind of bad
// input, and the batches (padding, scaling, shuffling).
#include <doctest/doctest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <ctgrad/data/batches.hpp>
#include <ctgrad/data/mnist.hpp>
#include <string>
#include <vector>

using namespace ctgrad;

namespace {

struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/ctgrad_data_XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::system(("rm -rf '" + path + "'").c_str());
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

std::vector<unsigned char> idx_bytes(unsigned char type, const std::vector<std::uint32_t>& dims,
                                     const std::vector<unsigned char>& payload) {
  std::vector<unsigned char> b = {0, 0, type, static_cast<unsigned char>(dims.size())};
  for (auto d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(d >> s));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

void write_raw(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f);
  if (!bytes.empty()) std::fwrite(bytes.data(), 1, bytes.size(), f);  // data() of an empty vector may be null
  std::fclose(f);
}

void write_gzip(const std::string& path, const std::vector<unsigned char>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  gzclose(f);
}

std::vector<unsigned char> read_raw(const std::string& path) { return data::detail::read_all(path); }

// n images of rows x cols (pixel = item + position) and labels item % 10
void write_split(const temp_dir& dir, const std::string& prefix, std::size_t n, std::size_t rows, std::size_t cols,
                 bool gzip) {
  std::vector<unsigned char> px, lb;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < rows * cols; ++k) px.push_back(static_cast<unsigned char>(i + k));
    lb.push_back(static_cast<unsigned char>(i % 10));
  }
  const auto images = idx_bytes(0x08, {static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(rows),
                                       static_cast<std::uint32_t>(cols)}, px);
  const auto labels = idx_bytes(0x08, {static_cast<std::uint32_t>(n)}, lb);
  auto write = gzip ? write_gzip : write_raw;
  const std::string ext = gzip ? ".gz" : "";
  write(dir / (prefix + "-images-idx3-ubyte" + ext), images);
  write(dir / (prefix + "-labels-idx1-ubyte" + ext), labels);
}

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const data::data_error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("IDX files, plain and gzipped, read back exactly") {
  temp_dir dir;
  const std::vector<unsigned char> payload = {1, 2, 3, 4, 5, 6};
  const auto bytes = idx_bytes(0x08, {2, 3}, payload);
  write_raw(dir / "a.idx", bytes);
  write_gzip(dir / "a.idx.gz", bytes);
  for (const auto* name : {"a.idx", "a.idx.gz"}) {
    const auto a = data::read_idx(dir / name);
    CHECK(a.dims == std::vector<std::uint32_t>{2, 3});
    CHECK(a.bytes == payload);
    CHECK(a.count() == 2);
    CHECK(a.item_size() == 3);
  }
}

TEST_CASE("bad IDX input: one clear error naming the file, never a partial load") {
  temp_dir dir;
  const auto good = idx_bytes(0x08, {2, 3}, {1, 2, 3, 4, 5, 6});
  auto check = [&](const std::vector<unsigned char>& bytes, const std::string& expected) {
    write_raw(dir / "f", bytes);
    const std::string what = error_of([&] { data::read_idx(dir / "f"); });
    INFO(what);
    CHECK(contains(what, dir / "f"));
    CHECK(contains(what, expected));
  };
  check({}, "too short for an IDX header: 0 bytes");
  check({1, 0, 8, 1, 0, 0, 0, 0}, "not an IDX file: expected the magic bytes 00 00, found 1 0");
  check(idx_bytes(0x0d, {1}, {0, 0, 0, 0}), "IDX element type 0x0d is not supported: expected 0x08 (unsigned byte)");
  check({0, 0, 8, 3, 0, 0, 0}, "truncated header: 3 dimensions need 16 bytes, the file has 7");
  check(idx_bytes(0x08, {2, 3}, {1, 2, 3, 4, 5}), "the header says 2 x 3 = 6 bytes of data, the file has 5 (truncated)");
  check(idx_bytes(0x08, {2, 3}, {1, 2, 3, 4, 5, 6, 7}), "the file has 7 (extra bytes at the end)");
  check(idx_bytes(0x08, {0xffffffff, 0xffffffff}, {}), "implausible dimensions");
  CHECK(contains(error_of([&] { data::read_idx(dir / "missing"); }), "missing: cannot open"));

  // gzip: a corrupt stream, a cut one, and junk after it
  write_gzip(dir / "g.gz", good);
  auto gz = read_raw(dir / "g.gz");
  auto corrupt = gz;
  corrupt[gz.size() / 2] ^= 0xff;
  corrupt[gz.size() / 2 + 1] ^= 0xff;
  check(corrupt, "gzip:");
  check(std::vector<unsigned char>(gz.begin(), gz.end() - 12), "gzip: the file ends inside the compressed stream");
  auto junk = gz;
  junk.push_back(7);
  check(junk, "gzip: 1 unexpected bytes after the stream");
}

TEST_CASE("an MNIST-format directory: found plain or gzipped, checked for consistency") {
  temp_dir dir;
  write_split(dir, "train", 10, 4, 4, true);
  write_split(dir, "t10k", 5, 4, 4, false);
  const auto d = data::load_mnist(dir.path);
  CHECK(d.train.count == 10);
  CHECK(d.test.count == 5);
  CHECK(d.train.pixels() == 16);
  CHECK(d.train.label(7) == 7);
  CHECK(d.test.image(2)[3] == 5);
  CHECK(contains(d.train.images_file, ".gz"));
  CHECK(!contains(d.test.images_file, ".gz"));
  CHECK(contains(error_of([&] { data::require_pixels(d.train, 784); }),
                 "images are 4x4 = 16 pixels, the model takes 784"));

  temp_dir empty;
  CHECK(contains(error_of([&] { data::load_mnist(empty.path); }),
                 "neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz is there"));

  SUBCASE("labels and images disagree in count") {
    write_raw(dir / "t10k-labels-idx1-ubyte", idx_bytes(0x08, {4}, {0, 1, 2, 3}));
    CHECK(contains(error_of([&] { data::load_mnist(dir.path); }), "4 labels, but"));
  }
  SUBCASE("a label out of range") {
    write_raw(dir / "t10k-labels-idx1-ubyte", idx_bytes(0x08, {5}, {0, 1, 12, 3, 4}));
    CHECK(contains(error_of([&] { data::load_mnist(dir.path); }), "label 12 of item 2 is outside [0, 10)"));
  }
  SUBCASE("images without three dimensions") {
    write_raw(dir / "t10k-images-idx3-ubyte", idx_bytes(0x08, {5, 16}, std::vector<unsigned char>(80)));
    CHECK(contains(error_of([&] { data::load_mnist(dir.path); }),
                   "expected images with 3 dimensions [N, rows, cols], found 2"));
  }
  SUBCASE("test images of another size") {
    write_split(dir, "t10k", 5, 5, 5, false);
    CHECK(contains(error_of([&] { data::load_mnist(dir.path); }), "images are 5x5, the training images 4x4"));
  }
}

TEST_CASE("batches: scaled pixels, the last batch padded with ignore_label, seeded shuffles") {
  data::split s;
  s.count = 10, s.rows = 2, s.cols = 2;
  for (std::size_t i = 0; i < s.count; ++i) {
    for (int k = 0; k < 4; ++k) s.images.push_back(static_cast<unsigned char>(i * 20 + k));
    s.labels.push_back(static_cast<unsigned char>(i % 10));
  }
  data::batches<4, 4> b(s, 3);
  CHECK(b.count() == 3);
  tensor<float, 4, 4> x;
  tensor<int, 4> y;
  std::vector<int> seen;
  for (std::size_t i = 0; i < b.count(); ++i) {
    const std::size_t rows = b.fill(i, x, y);
    CHECK(rows == (i < 2 ? 4u : 2u));
    for (std::size_t r = 0; r < 4; ++r) {
      if (r < rows) {
        const int item = y(r);  // label == item here
        seen.push_back(item);
        CHECK(x(r, 1) == doctest::Approx((item * 20 + 1) / 255.0));
      } else {
        CHECK(y(r) == ignore_label);
        CHECK(x(r, 0) == 0.0f);
      }
    }
  }
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});  // every item once

  auto order = [&](std::uint64_t seed, std::uint64_t epoch) {
    data::batches<4, 4> c(s, seed);
    c.shuffle(epoch);
    std::vector<int> out;
    for (std::size_t i = 0; i < c.count(); ++i) {
      const std::size_t rows = c.fill(i, x, y);
      for (std::size_t r = 0; r < rows; ++r) out.push_back(y(r));
    }
    return out;
  };
  CHECK(order(1, 0) == order(1, 0));
  CHECK(order(1, 0) != order(1, 1));
  CHECK(order(1, 0) != order(2, 0));
  auto shuffled = order(5, 2);
  std::sort(shuffled.begin(), shuffled.end());
  CHECK(shuffled == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});

  data::split wrong = s;
  wrong.images_file = "img";
  CHECK(contains(error_of([&] { data::batches<4, 9>(wrong, 1); }), "img: images are 2x2 = 4 pixels, the model takes 9"));
}
