// Saving and loading weights: round trips, and every kind of bad file is refused with a
// clear message while the model stays as it was.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <atomic>
#include <ctgrad/ctgrad.hpp>
#include <ctgrad/nn/checkpoint.hpp>
#include <ctgrad/nn/serialize.hpp>
#include <ctgrad/nn/summary.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
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

// the message of the nn::format_error f() throws ("" if none)
std::string error_of(auto&& f) {
  try {
    f();
  } catch (const nn::format_error& e) {
    return e.what();
  }
  return "";
}

std::string load_error(auto& model, const std::vector<unsigned char>& bytes) {
  return error_of([&] { nn::from_bytes(model, bytes, "model.ctw"); });
}

}  // namespace

TEST_CASE("a Sequential saves and loads; an MLP's file loads into the same layers written out") {
  temp_dir dir;
  using Conv = nn::Sequential<nn::Conv2d<1, 4, 3, 1, 1>, nn::ReLU, nn::MaxPool2d<2>, nn::Flatten, nn::Linear<64, 10>>;
  const Conv a{2};
  nn::save(a, dir.path / "conv.ctw");
  Conv b;
  nn::load(b, dir.path / "conv.ctw");
  CHECK(a.params() == b.params());
  // nn::MLP<784, 128, 10> is Sequential<Linear, ReLU, Linear>: same names, same file
  const nn::MLP<784, 128, 10> mlp{3};
  nn::save(mlp, dir.path / "mlp.ctw");
  nn::Sequential<nn::Linear<784, 128>, nn::ReLU, nn::Linear<128, 10>> chain;
  nn::load(chain, dir.path / "mlp.ctw");
  CHECK(chain.params() == mlp.params());
}

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

TEST_CASE("save never writes through a stale temporary, and leaves no temporary behind") {
  temp_dir dir;
  const auto file = dir.path / "model.ctw";
  const auto victim = dir.path / "victim.txt";
  std::ofstream(victim) << "precious";
  // what an older save (or an attacker) left: a link in the place of the old temporary name
  fs::create_symlink(victim, dir.path / "model.ctw.tmp");
  const Net a{5};
  nn::save(a, file);
  std::ifstream in(victim);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "precious");
  Net b;
  nn::load(b, file);
  CHECK(a.params() == b.params());
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++entries;
  CHECK(entries == 3);  // model.ctw, victim.txt and the stale link: nothing new beside them
}

TEST_CASE("two threads saving at once while a third loads: every load reads one whole file") {
  temp_dir dir;
  const auto file = (dir.path / "shared.ctw").string();
  const Net a{1}, b{2};
  nn::save(a, file);
  std::atomic<bool> done{false};
  std::atomic<int> saves{0};
  auto saver = [&](const Net& net) {
    for (int i = 0; i < 300; ++i) {
      nn::save(net, file);
      ++saves;
    }
  };
  int loads = 0, whole = 0;
  std::string first_error;
  std::thread ta(saver, std::cref(a)), tb(saver, std::cref(b));
  std::thread reader([&] {
    while (!done || loads < 600) {  // until the savers are done, and at least 600 loads
      Net n;
      ++loads;
      try {
        nn::load(n, file);
        whole += n.params() == a.params() || n.params() == b.params();
      } catch (const nn::format_error& e) {
        if (first_error.empty()) first_error = e.what();
      }
    }
  });
  ta.join();
  tb.join();
  done = true;
  reader.join();
  INFO(first_error);
  CHECK(saves == 600);
  CHECK(loads >= 600);
  CHECK(whole == loads);
  Net last;
  nn::load(last, file);
  CHECK((last.params() == a.params() || last.params() == b.params()));
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++entries;
  CHECK(entries == 1);  // no temporary left behind
}

TEST_CASE("load reads only regular files, and never more than the model's weights take") {
  temp_dir dir;
  Net model{1};
  const Net original = model;
  CHECK(error_of([&] { nn::load(model, dir.path.string()); }).find(": is a directory, not a file") != std::string::npos);
  REQUIRE(::mkfifo((dir.path / "fifo").c_str(), 0600) == 0);  // would block a plain open()
  CHECK(error_of([&] { nn::load(model, dir.path / "fifo"); }).find("fifo: is not a regular file") != std::string::npos);
  fs::create_symlink("/dev/zero", dir.path / "zero");
  CHECK(error_of([&] { nn::load(model, dir.path / "zero"); }).find("zero: is not a regular file") != std::string::npos);

  // a 3 GiB file (sparse: no disk used) is refused after reading the model's size of it
  const auto huge = dir.path / "huge.ctw";
  std::ofstream(huge).close();
  fs::resize_file(huge, std::uintmax_t{3} << 30);
  CHECK(error_of([&] { nn::load(model, huge); }).find("not a ctgrad weights file") != std::string::npos);
  // a good file with 3 GiB after it: the part read is checked, then the size is the error
  const auto longer = dir.path / "longer.ctw";
  nn::save(Net{5}, longer);
  fs::resize_file(longer, std::uintmax_t{3} << 30);
  CHECK(error_of([&] { nn::load(model, longer); }).find("unexpected bytes after the checksum (the file is 3221225472 bytes, this model's weights take 352)") !=
        std::string::npos);
  CHECK(model.params() == original.params());
}

TEST_CASE("save refuses an empty path, a folder, and a missing folder, naming the reason") {
  temp_dir dir;
  const Net net{1};
  CHECK(error_of([&] { nn::save(net, ""); }) == "cannot write a file with an empty name");
  CHECK(error_of([&] { nn::save(net, dir.path.string()); }).find("cannot move") != std::string::npos);
  CHECK(error_of([&] { nn::save(net, dir.path / "missing" / "m.ctw"); })
            .find("cannot create a temporary file in " + (dir.path / "missing").string() + ": No such file or directory") !=
        std::string::npos);
  CHECK(io::output_problem("") == "the path is empty");
  CHECK(io::output_problem(dir.path.string()) == "is a folder, not a file");
  CHECK(io::output_problem((dir.path / "missing" / "m.ctw").string()).find("its folder") != std::string::npos);
  CHECK(io::output_problem((dir.path / "m.ctw").string()).empty());
}

TEST_CASE("a parameter list (nn::refs_of) saves, loads, checkpoints and summarises as its model does") {
  temp_dir dir;
  const Net a{5};
  const nn::const_parameter_refs w = nn::refs_of(a);
  REQUIRE(w.size() == 4);
  CHECK(w[0].name == "fc0.W");
  CHECK(w[0].element == nn::element_type::float32);
  CHECK(std::vector<std::size_t>(w[0].shape.begin(), w[0].shape.end()) == std::vector<std::size_t>{5, 6});
  CHECK(w[0].size == 30);
  CHECK(w[1].name == "fc0.b");
  CHECK(w[1].shape.size() == 1);
  CHECK(w[0].data == static_cast<const void*>(a.params()[Net::layer<0>::W].data()));
  CHECK(nn::to_bytes(w) == nn::to_bytes(a));
  CHECK(nn::summary(w) == nn::summary(a));

  const auto path = (dir.path / "model.ctw").string();
  nn::save(w, path);
  Net b{1};
  nn::load(nn::refs_of(b), path);
  CHECK(b.params() == a.params());

  // another model's file: refused with the model's message, nothing changes
  Net c{2};
  const auto before = c.params();
  CHECK(error_of([&] { nn::from_bytes(nn::refs_of(c), nn::to_bytes(nn::MLP<6, 4, 3>{1}), "other.ctw"); }) ==
        "other.ctw: `fc0.W` has shape [4,6], the model expects [5,6] (at byte 49)");
  CHECK(c.params() == before);

  nn::checkpoint k;
  k.put("model", w);
  Net d{3};
  k.get("model", nn::refs_of(d));
  CHECK(d.params() == a.params());

  // double parameters, and a list built from a mutable model passed where a const one goes
  nn::Linear<3, 2, double> e{4}, f;
  const nn::parameter_refs we = nn::refs_of(e);
  CHECK(we[0].element == nn::element_type::float64);
  nn::from_bytes(nn::refs_of(f), nn::to_bytes(we));
  CHECK(f.params() == e.params());
}

// --- checkpoints (nn/checkpoint.hpp) ---

TEST_CASE("a checkpoint keeps weights, an optimizer's state, numbers, texts and reals") {
  temp_dir dir;
  const Net net{5};
  nn::checkpoint c;
  c.put("model", net);
  c.put("moments", Net{6}.params());  // a parameter set, as an optimizer's state is
  c.put_number("epoch", 3);
  c.put_text("settings", "lr=0.1 batch=64");
  c.put_reals("accuracy", {0.5, 0.75, 1.0 / 3});
  c.put_number("epoch", 4);  // a part of the same name is replaced
  const auto path = (dir.path / "run.ckpt").string();
  c.save(path);

  const auto back = nn::checkpoint::load(path);
  CHECK(back.names() == std::vector<std::string>{"model", "moments", "epoch", "settings", "accuracy"});
  Net a{1}, b{1};
  back.get("model", a);
  back.get("moments", b.params());
  CHECK(a.params() == net.params());
  CHECK(b.params() == Net{6}.params());
  CHECK(back.number("epoch") == 4);
  CHECK(back.text("settings") == "lr=0.1 batch=64");
  CHECK(back.reals("accuracy") == std::vector<double>{0.5, 0.75, 1.0 / 3});  // every bit
  CHECK(back.contains("model"));
  CHECK(!back.contains("velocity"));
  CHECK(back.to_bytes() == c.to_bytes());
  CHECK(nn::checkpoint{}.names().empty());
  CHECK(nn::checkpoint::from_bytes(nn::checkpoint{}.to_bytes()).names().empty());
}

TEST_CASE("bad checkpoints are refused, naming the file and the part; nothing read changes") {
  nn::checkpoint c;
  c.put("model", Net{5});
  c.put_number("epoch", 2);
  c.put_reals("curve", {0.25});
  const auto bytes = c.to_bytes();
  auto refusal = [](const std::vector<unsigned char>& b) {
    return error_of([&] { (void)nn::checkpoint::from_bytes(b, "run.ckpt"); });
  };
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("cut at " << n);
    CHECK(refusal({bytes.begin(), bytes.begin() + static_cast<long>(n)}).rfind("run.ckpt: ", 0) == 0);
  }
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto bad = bytes;
    bad[i] ^= 0x5a;
    INFO("byte " << i);
    CHECK(!refusal(bad).empty());
  }
  CHECK(refusal(nn::to_bytes(Net{5})) == "run.ckpt: not a ctgrad checkpoint (expected the magic bytes \"CTGRADC\\0\") (at byte 0)");
  auto longer = bytes;
  longer.push_back(0);
  CHECK(refusal(longer).find("1 unexpected bytes after the checksum") != std::string::npos);
  // a payload length far beyond the file is refused before anything is allocated
  auto huge = bytes;
  huge[8 + 4 + 4 + 4 + 5 + 4 + 7] = 0x7f;  // the top byte of the first part's length
  CHECK(refusal(huge).find("truncated: payload needs") != std::string::npos);

  const auto back = nn::checkpoint::from_bytes(bytes, "run.ckpt");
  const Net original{9};
  Net model = original;
  nn::MLP<6, 4, 3> narrower{1};
  CHECK(error_of([&] { back.get("model", narrower); }) ==
        "run.ckpt: part `model`: `fc0.W` has shape [5,6], the model expects [4,6] (at byte 49)");
  CHECK(error_of([&] { back.get("epoch", model); }) == "run.ckpt: part `epoch` is a number, expected weights");
  CHECK(error_of([&] { back.get("adam.m", model); }) == "run.ckpt: no part `adam.m` (it has: model, epoch, curve)");
  CHECK(error_of([&] { (void)back.text("curve"); }) == "run.ckpt: part `curve` is reals, expected a text");
  CHECK(model.params() == original.params());
}

TEST_CASE("checkpoint files: errors name the path; saving is atomic as nn::save") {
  temp_dir dir;
  CHECK(error_of([&] { (void)nn::checkpoint::load((dir.path / "none.ckpt").string()); })
            .find("none.ckpt: cannot open for reading: No such file or directory") != std::string::npos);
  CHECK(error_of([&] { (void)nn::checkpoint::load(dir.path.string()); }).find("is a directory") != std::string::npos);
  const auto path = (dir.path / "run.ckpt").string();
  nn::checkpoint c;
  c.put_number("epoch", 1);
  c.save(path);
  c.put_number("epoch", 2);
  CHECK(error_of([&] { c.save(dir.path.string()); }).find("cannot move") != std::string::npos);
  c.save(path);
  CHECK(nn::checkpoint::load(path).number("epoch") == 2);
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}) == 1);  // no temporary left
}
