// Saving and loading weights: round trips, and every kind of bad file is refused with a
// clear message while the model stays as it was.
#include <doctest/doctest.h>

#include <ctgrad/ctgrad.hpp>
#include <ctgrad/nn/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace ctgrad;

namespace {

namespace fs = std::filesystem;

struct temp_dir {
  fs::path path = fs::temp_directory_path() / ("ctgrad_test_" + std::to_string(::getpid()));
  temp_dir() { fs::create_directories(path); }
  ~temp_dir() { fs::remove_all(path); }
};

using Net = nn::MLP<6, 5, 3>;

std::string load_error(auto& model, const std::vector<unsigned char>& bytes) {
  try {
    nn::from_bytes(model, bytes, "model.ctw");
  } catch (const nn::format_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("save and load round trip through a file") {
  temp_dir dir;
  const Net a{5};
  const auto file = dir.path / "model.ctw";
  nn::save(a, file);
  CHECK(fs::exists(file));
  CHECK(!fs::exists(dir.path / "model.ctw.tmp"));
  CHECK(fs::file_size(file) == nn::to_bytes(a).size());
  Net b;
  CHECK(!(a.params() == b.params()));
  nn::load(b, file);
  CHECK(a.params() == b.params());

  // overwriting keeps the file whole, and the new weights are the ones read back
  const Net c{6};
  nn::save(c, file);
  nn::load(b, file);
  CHECK(b.params() == c.params());

  // double parameters too
  nn::Linear<3, 2, double> d{1}, e;
  nn::save(d, dir.path / "linear.ctw");
  nn::load(e, dir.path / "linear.ctw");
  CHECK(d.params() == e.params());
}

TEST_CASE("the format: magic, version, little-endian fields") {
  const nn::Linear<2, 1, float, "l"> net{1};
  const auto bytes = nn::to_bytes(net);
  CHECK(std::string(bytes.begin(), bytes.begin() + 8) == std::string("CTGRADW\0", 8));
  CHECK(bytes[8] == 1);  // version 1, little-endian u32
  CHECK(bytes[9] == 0);
  CHECK(bytes[12] == 2);  // two parameters
  CHECK(bytes[16] == 3);  // name length of "l.W"
  CHECK(std::string(bytes.begin() + 20, bytes.begin() + 23) == "l.W");
  // magic 8 + version 4 + count 4; per parameter: 4 + name + type 4 + rank 4 + 8 per dim + data; hash 8
  CHECK(bytes.size() == 16 + (4 + 3 + 4 + 4 + 16 + 2 * 4) + (4 + 3 + 4 + 4 + 8 + 1 * 4) + 8);
}

TEST_CASE("bad files are refused and leave the model untouched") {
  const Net saved{5};
  const auto bytes = nn::to_bytes(saved);
  const Net original{9};
  Net model = original;

  SUBCASE("truncated anywhere") {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      const std::vector<unsigned char> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
      const auto what = load_error(model, cut);
      INFO("cut at " << n);
      CHECK(what.rfind("model.ctw: ", 0) == 0);
    }
    CHECK(load_error(model, {}) == "model.ctw: not a ctgrad weights file (expected the magic bytes \"CTGRADW\\0\") (at byte 0)");
  }
  SUBCASE("any single corrupted byte") {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      auto bad = bytes;
      bad[i] ^= 0x5a;
      INFO("byte " << i);
      CHECK(!load_error(model, bad).empty());
    }
  }
  SUBCASE("trailing bytes") {
    auto longer = bytes;
    longer.push_back(0);
    CHECK(load_error(model, longer).find("1 unexpected bytes after the checksum") != std::string::npos);
  }
  SUBCASE("another model") {
    nn::MLP<6, 4, 3> narrower{1};
    CHECK(load_error(narrower, bytes) == "model.ctw: `fc0.W` has shape [5,6], the model expects [4,6] (at byte 49)");
    nn::MLP<6, 5, 5, 3> deeper{1};
    CHECK(load_error(deeper, bytes) == "model.ctw: the file holds 4 parameters, the model has 6 (at byte 16)");
    nn::basic_mlp<double, nn::ReLU, 6, 5, 3> wider_type{1};
    CHECK(load_error(wider_type, bytes) == "model.ctw: `fc0.W` holds float32, the model expects float64 (at byte 29)");
    nn::Linear<6, 5, float, "fc9"> renamed{1};
    nn::Linear<6, 5, float, "fc0"> first_layer{1};
    CHECK(load_error(renamed, nn::to_bytes(first_layer)) ==
          "model.ctw: parameter 0 is `fc0.W`, the model expects `fc9.W` (at byte 25)");
  }
  CHECK(model.params() == original.params());
}

TEST_CASE("file errors") {
  temp_dir dir;
  Net model{1};
  CHECK_THROWS_WITH_AS(nn::load(model, dir.path / "missing.ctw"), doctest::Contains("missing.ctw: cannot open"),
                       nn::format_error);
  CHECK_THROWS_AS(nn::save(model, dir.path / "no_such_dir" / "m.ctw"), nn::format_error);
  CHECK(!fs::exists(dir.path / "no_such_dir"));
}
