// The data layer: IDX files the tests write themselves (raw and gzip), every kind of bad
// input, and the batches (padding, scaling, shuffling).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
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

std::vector<unsigned char> read_raw(const std::string& path) { return io::read_file<data::data_error>(path); }

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
  SUBCASE("no training images, or no test images") {
    write_split(dir, "train", 0, 4, 4, true);
    CHECK(contains(error_of([&] { data::load_mnist(dir.path); }),
                   "train-labels-idx1-ubyte.gz: holds no labels (0 items): nothing to train or test on"));
    write_split(dir, "train", 10, 4, 4, true);
    write_split(dir, "t10k", 0, 4, 4, false);
    CHECK(contains(error_of([&] { data::load_mnist(dir.path); }), "t10k-labels-idx1-ubyte: holds no labels (0 items)"));
  }
  SUBCASE("images that are not rows x cols, though they have as many pixels") {
    write_split(dir, "train", 10, 1, 16, true);
    write_split(dir, "t10k", 5, 1, 16, false);
    const auto flat = data::load_mnist(dir.path);
    CHECK(contains(error_of([&] { data::require_image_size(flat.train, 4, 4); }), "images are 1x16, expected 4x4"));
  }
  SUBCASE("an images file that declares more images than there are labels is refused before its data") {
    // 10 labels; the images header says 1000 images of 4x4, and the file holds none of them
    std::remove((dir / "train-images-idx3-ubyte.gz").c_str());
    write_raw(dir / "train-images-idx3-ubyte", idx_bytes(0x08, {1000, 4, 4}, {}));
    CHECK(contains(error_of([&] { data::load_mnist(dir.path); }), "10 labels, but"));
  }
}

TEST_CASE("hostile IDX files: refused by what they are, before their data, with bounded memory") {
  temp_dir dir;
  SUBCASE("dimensions whose product passes 2^64 (it wrapped to 0 and was read as 0 bytes of data)") {
    write_raw(dir / "wrap", idx_bytes(0x08, {1u << 20, 1u << 20, 1u << 24}, {}));
    CHECK(contains(error_of([&] { data::read_idx(dir / "wrap"); }), "implausible dimensions: 1048576 x 1048576 x 16777216"));
    CHECK(contains(error_of([&] { data::parse_idx(read_raw(dir / "wrap"), "bytes"); }), "implausible dimensions"));
    write_raw(dir / "wrap2", idx_bytes(0x08, {1u << 20, (1u << 20) - 1, 0xffffffffu}, {}));
    CHECK(contains(error_of([&] { data::read_idx(dir / "wrap2"); }), "implausible dimensions"));
  }
  SUBCASE("more data declared than the limit, or than a gzip file can expand to") {
    write_gzip(dir / "big.gz", idx_bytes(0x08, {2000000, 28, 28}, std::vector<unsigned char>(1000)));
    CHECK(contains(error_of([&] { data::read_idx(dir / "big.gz"); }),
                   "implausible dimensions: 2000000 x 28 x 28 is more than the limit of 1073741824 bytes"));
    CHECK(contains(error_of([&] { data::read_idx(dir / "big.gz", std::uint64_t{1} << 40); }),
                   "the header says 2000000 x 28 x 28 = 1568000000 bytes of data, the data has at most"));
  }
  SUBCASE("a gzip file that expands past what its header declares stops there") {
    std::vector<unsigned char> bytes = idx_bytes(0x08, {100}, std::vector<unsigned char>(100, 1));
    bytes.resize(bytes.size() + (std::size_t{16} << 20));  // 16 MiB of zeros after the declared 100 bytes
    write_gzip(dir / "bomb.gz", bytes);
    CHECK(contains(error_of([&] { data::read_idx(dir / "bomb.gz"); }),
                   "the header says 100 = 100 bytes of data, the data has more (extra bytes at the end)"));
  }
  SUBCASE("a directory, a FIFO, a device: refused by what they are (a FIFO never blocks)") {
    ::mkdir((dir / "folder").c_str(), 0700);
    CHECK(contains(error_of([&] { data::read_idx(dir / "folder"); }), "folder: is a directory, not a file"));
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    CHECK(contains(error_of([&] { data::read_idx(dir / "fifo"); }), "fifo: is not a regular file"));
    REQUIRE(::symlink("/dev/zero", (dir / "zero").c_str()) == 0);
    CHECK(contains(error_of([&] { data::read_idx(dir / "zero"); }), "zero: is not a regular file"));
  }
  SUBCASE("a file that cannot be read names the system's reason") {
    write_raw(dir / "locked", idx_bytes(0x08, {1}, {1}));
    ::chmod((dir / "locked").c_str(), 0);
    if (::geteuid() != 0)  // root reads it anyway
      CHECK(contains(error_of([&] { data::read_idx(dir / "locked"); }), "locked: cannot open for reading: Permission denied"));
  }
}

TEST_CASE("a gzip file of several members (what cat a.gz b.gz makes) reads as one stream") {
  temp_dir dir;
  const auto bytes = idx_bytes(0x08, {3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  write_gzip(dir / "a.gz", std::vector<unsigned char>(bytes.begin(), bytes.begin() + 7));  // inside the header
  write_gzip(dir / "b.gz", std::vector<unsigned char>(bytes.begin() + 7, bytes.end() - 5));
  write_gzip(dir / "c.gz", std::vector<unsigned char>(bytes.end() - 5, bytes.end()));
  auto joined = read_raw(dir / "a.gz");
  for (const auto* part : {"b.gz", "c.gz"}) {
    const auto more = read_raw(dir / part);
    joined.insert(joined.end(), more.begin(), more.end());
  }
  write_raw(dir / "abc.gz", joined);
  const auto a = data::read_idx(dir / "abc.gz");
  CHECK(a.dims == std::vector<std::uint32_t>{3, 4});
  CHECK(a.bytes == std::vector<unsigned char>(bytes.begin() + 12, bytes.end()));
  CHECK(data::parse_idx(joined, "joined").bytes == a.bytes);
  joined.push_back(0x1f);  // the start of a fourth member, cut short
  write_raw(dir / "cut.gz", joined);
  CHECK(contains(error_of([&] { data::read_idx(dir / "cut.gz"); }), "gzip: 1 unexpected bytes after the stream"));
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

TEST_CASE("batches of a run-time size: the last one has its true rows, shards are row ranges") {
  temp_dir dir;
  write_split(dir, "train", 10, 3, 3, false);
  write_split(dir, "t10k", 2, 3, 3, false);
  const auto d = data::load_mnist(dir.path);
  data::batches<dyn, 9> b(d.train, 1, 4);
  data::batches<4, 9> fixed(d.train, 1);
  CHECK(b.count() == 3);
  b.shuffle(5);
  fixed.shuffle(5);
  tensor<float, dyn, 9> x;
  tensor<int, dyn> y;
  tensor<float, 4, 9> xf;
  tensor<int, 4> yf;
  x.reserve(4);
  y.reserve(4);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::size_t rows = b.fill(i, x, y);
    CHECK(rows == (i < 2 ? 4u : 2u));
    CHECK(x.rows() == rows);
    CHECK(fixed.fill(i, xf, yf) == rows);  // the same rows as the padded batches of 4
    for (std::size_t r = 0; r < rows; ++r) {
      CHECK(y[r] == yf[r]);
      CHECK(x(r, 8) == xf(r, 8));
    }
  }
  // a shard: rows 1..2 of batch 0
  CHECK(b.fill(0, x, y, 1, 2) == 2);
  fixed.fill(0, xf, yf);  // (fixed and b share a permutation: the same seed and epoch)
  CHECK(y[0] == yf[1]);
  CHECK(b.fill(2, x, y, 1, 5) == 1);  // the last batch has 2 rows: from row 1, one is left
  CHECK(b.fill(2, x, y, 3, 5) == 0);
  CHECK(contains(error_of([&] { data::batches<dyn, 9>(d.train, 1, 0); }), "a batch needs at least one row"));
}
