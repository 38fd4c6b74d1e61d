// Thread safety: an expression is an immutable value and a workspace is the only mutable
// state of an evaluation, so threads that share an expression (and its bound inputs, read
// only) but each own a workspace compute exactly what one thread computes. CI also runs
// this under ThreadSanitizer.
#include <doctest/doctest.h>

#include <ctgrad/ctgrad.hpp>
#include <memory>
#include <thread>
#include <vector>

using namespace ctgrad;

namespace {
using Net = nn::MLP<32, 16, 4>;
constexpr auto X = input<"X", float, 8, 32>;
constexpr auto labels = input<"labels", int, 8>;
const auto loss = nn::cross_entropy(Net::apply(X), labels);
using Workspace = workspace<std::remove_cvref_t<decltype(loss)>>;

// gradients of fc0.W after `steps` evaluations, for one input offset
std::vector<float> run(const Net& net, const tensor<float, 8, 32>& x, const tensor<int, 8>& y, int steps) {
  auto ws = std::make_unique<Workspace>();
  std::vector<float> out;
  for (int s = 0; s < steps; ++s) {
    const auto g = ws->grad(loss, at(net, X = x, labels = y));
    out.push_back(g.value());
    const auto& gw = g[Net::layer<0>::W];
    out.insert(out.end(), gw.begin(), gw.end());
  }
  return out;
}
}  // namespace

TEST_CASE("two threads with their own workspaces give the results of one") {
  const Net net{3};
  tensor<float, 8, 32> x;
  for (std::size_t i = 0; i < x.size(); ++i) x.flat(i) = static_cast<float>((i * 37) % 101) / 101.0f;
  const tensor<int, 8> y{0, 1, 2, 3, 3, 2, 1, 0};
  const auto alone = run(net, x, y, 20);

  std::vector<float> first, second;
  std::thread a([&] { first = run(net, x, y, 20); });
  std::thread b([&] { second = run(net, x, y, 20); });
  a.join();
  b.join();
  CHECK(first == alone);
  CHECK(second == alone);
}

// ctgrad::thread_pool and ctgrad::data_parallel: the batch split over threads
#include <ctgrad/parallel/data_parallel.hpp>
#include <atomic>
#include <limits>
#include <stdexcept>

TEST_CASE("thread_pool runs every index once per run, many times, and passes exceptions on") {
  thread_pool pool{3};
  CHECK(pool.size() == 3);
  std::vector<std::atomic<int>> hits(3);
  for (int r = 0; r < 2000; ++r) pool.run([&](std::size_t t) { hits[t].fetch_add(1); });
  for (auto& h : hits) CHECK(h.load() == 2000);
  CHECK_THROWS_WITH_AS(pool.run([](std::size_t t) {
    if (t == 2) throw std::runtime_error("from thread 2");
  }),
                       "from thread 2", std::runtime_error);
  int after = 0;  // still usable after an exception
  pool.run([&](std::size_t t) {
    if (t == 0) after = 1;
  });
  CHECK(after == 1);
  CHECK_THROWS_AS(thread_pool{0}, std::invalid_argument);
  // a task that runs the pool again would wait for itself: refused
  CHECK_THROWS_AS(pool.run([&](std::size_t t) {
    if (t == 0) pool.run([](std::size_t) {});
  }),
                  std::logic_error);
  CHECK_FALSE(pool.busy());
}

namespace {
constexpr auto X2 = input<"X", float, 4, 32>;
constexpr auto labels2 = input<"labels", int, 4>;
const auto shard_loss = nn::cross_entropy(Net::apply(X2), labels2);

// rows [first, first + 4) of x and y as one shard's inputs
struct shard_data {
  tensor<float, 4, 32> x{};
  tensor<int, 4> y{};
  shard_data(const tensor<float, 8, 32>& xs, const tensor<int, 8>& ys, std::size_t first) {
    for (std::size_t r = 0; r < 4; ++r) {
      for (std::size_t c = 0; c < 32; ++c) x(r, c) = xs(first + r, c);
      y(r) = ys(first + r);
    }
  }
};

template <class G1, class G2>
float largest_difference(const Net& net, const G1& a, const G2& b) {
  float worst = 0;
  net.params().for_each([&](auto leaf, auto&) {
    const auto& ta = a.as_tensor(leaf);
    const auto& tb = b.as_tensor(leaf);
    for (std::size_t i = 0; i < ta.size(); ++i) worst = std::max(worst, std::abs(ta.flat(i) - tb.flat(i)));
  });
  return worst;
}
}  // namespace

TEST_CASE("data_parallel: two shards of 4 rows give the gradient of the batch of 8") {
  Net net{5};
  tensor<float, 8, 32> x;
  for (std::size_t i = 0; i < x.size(); ++i) x.flat(i) = static_cast<float>((i * 53) % 97) / 97.0f - 0.3f;
  const tensor<int, 8> y{3, 1, 2, 0, 0, 2, 1, 3};
  const shard_data s[2] = {{x, y, 0}, {x, y, 4}};
  const auto whole = grad(loss, at(net, X = x, labels = y));

  for (std::size_t threads : {1u, 2u}) {
    CAPTURE(threads);
    thread_pool pool{threads};
    data_parallel dp{pool, net, shard_loss};
    if (threads == 2) {
      const auto& g = dp.grad([&](std::size_t t) { return shard(4, at(net, X2 = s[t].x, labels2 = s[t].y)); });
      CHECK(g.value() == doctest::Approx(whole.value()).epsilon(1e-6));
      CHECK(largest_difference(net, g, whole) < 1e-6f);
      CHECK(g[Net::layer<1>::b].size() == 4);
    } else {  // one thread, one shard: the workspace's own gradients of the first half
      const auto half = grad(shard_loss, at(net, X2 = s[0].x, labels2 = s[0].y));
      const auto& g = dp.grad([&](std::size_t) { return shard(4, at(net, X2 = s[0].x, labels2 = s[0].y)); });
      CHECK(g.value() == half.value());
      CHECK(largest_difference(net, g, half) == 0.0f);
    }
  }
}

TEST_CASE("data_parallel: shards weighted by their rows; an empty shard is skipped; an optimizer takes the sum") {
  Net net{6};
  tensor<float, 8, 32> x;
  for (std::size_t i = 0; i < x.size(); ++i) x.flat(i) = static_cast<float>((i * 29) % 89) / 89.0f;
  const tensor<int, 8> y{1, 1, 0, 2, 3, 0, 2, 1};
  shard_data s[2] = {{x, y, 0}, {x, y, 4}};
  // shard 1 has one real row, the rest padding (ignore_label)
  for (std::size_t r = 1; r < 4; ++r) s[1].y(r) = ignore_label;
  tensor<int, 8> y5 = y;
  for (std::size_t r = 5; r < 8; ++r) y5(r) = ignore_label;
  const auto whole = grad(loss, at(net, X = x, labels = y5));  // the mean over 5 rows

  thread_pool pool{2};
  data_parallel dp{pool, net, shard_loss};
  const auto& g = dp.grad([&](std::size_t t) { return shard(t == 0 ? 4 : 1, at(net, X2 = s[t].x, labels2 = s[t].y)); });
  CHECK(g.value() == doctest::Approx(whole.value()).epsilon(1e-6));
  CHECK(largest_difference(net, g, whole) < 1e-6f);

  // shard 1 empty: only shard 0 counts (and its padding-free gradient is shard 0's own)
  const auto first = grad(shard_loss, at(net, X2 = s[0].x, labels2 = s[0].y));
  const auto& g0 = dp.grad([&](std::size_t t) { return shard(t == 0 ? 4 : 0, at(net, X2 = s[t].x, labels2 = s[t].y)); });
  CHECK(dp.weight_of(1) == 0);
  CHECK(largest_difference(net, g0, first) < 1e-7f);

  // no rows at all: a zero gradient, and a step that changes nothing
  const auto& none = dp.grad([&](std::size_t t) { return shard(0, at(net, X2 = s[t].x, labels2 = s[t].y)); });
  CHECK(none.value() == 0.0f);
  const Net before = net;
  optim::SGD sgd{0.5};
  sgd.step(net, none);
  CHECK(net.params() == before.params());

  // a negative or NaN weight is refused, naming the shard
  CHECK_THROWS_WITH_AS(dp.grad([&](std::size_t t) { return shard(t == 1 ? -1.0 : 4.0, at(net, X2 = s[t].x, labels2 = s[t].y)); }),
                       doctest::Contains("shard 1 has weight -1"), std::invalid_argument);
  CHECK_THROWS_AS(dp.grad([&](std::size_t t) {
    return shard(t == 0 ? std::numeric_limits<double>::quiet_NaN() : 1.0, at(net, X2 = s[t].x, labels2 = s[t].y));
  }),
                  std::invalid_argument);

  // finite weights whose sum is not (it made every gradient silently 0)
  CHECK_THROWS_WITH_AS(dp.grad([&](std::size_t t) {
    return shard(std::numeric_limits<double>::max(), at(net, X2 = s[t].x, labels2 = s[t].y));
  }),
                       doctest::Contains("the shard weights add up to inf"), std::invalid_argument);

  // and a real step equals the step with the whole batch's gradient
  Net twin = net;
  const auto& g2 = dp.grad([&](std::size_t t) { return shard(t == 0 ? 4 : 1, at(net, X2 = s[t].x, labels2 = s[t].y)); });
  sgd.step(net, g2);
  sgd.step(twin, grad(loss, at(twin, X = x, labels = y5)));
  float worst = 0;
  net.params().for_each([&](auto leaf, auto& p) {
    const auto& q = twin.params()[leaf];
    for (std::size_t i = 0; i < p.size(); ++i) worst = std::max(worst, std::abs(p.flat(i) - q.flat(i)));
  });
  CHECK(worst < 1e-6f);
}

TEST_CASE("data_parallel::step: the optimizer's step on every thread equals grad() then step(), bit for bit") {
  tensor<float, 8, 32> x;
  for (std::size_t i = 0; i < x.size(); ++i) x.flat(i) = static_cast<float>((i * 41) % 83) / 83.0f - 0.4f;
  const tensor<int, 8> y{2, 0, 3, 1, 1, 0, 3, 2};
  const shard_data s[2] = {{x, y, 0}, {x, y, 4}};
  for (std::size_t threads : {1u, 2u}) {
    CAPTURE(threads);
    thread_pool pool{threads};
    auto check = [&](auto make_optimizer) {
      Net a{7}, b{7};
      auto opt_a = make_optimizer(a);
      auto opt_b = make_optimizer(b);
      data_parallel dp_a{pool, a, shard_loss}, dp_b{pool, b, shard_loss};
      for (int i = 0; i < 3; ++i) {
        const float value = dp_a.step([&](std::size_t t) { return shard(4, at(a, X2 = s[t].x, labels2 = s[t].y)); }, a, opt_a).value();
        const auto& g = dp_b.grad([&](std::size_t t) { return shard(4, at(b, X2 = s[t].x, labels2 = s[t].y)); });
        CHECK(value == g.value());
        opt_b.step(b, g);
      }
      CHECK(a.params() == b.params());
      CHECK(!(a.params() == Net{7}.params()));  // it did train
    };
    check([](const Net& n) { return optim::SGD{n, {.lr = 0.1, .momentum = 0.9}}; });
    check([](const Net& n) { return optim::Adam{n, {.lr = 0.01}}; });
  }
}

TEST_CASE("an optimizer step in parts equals the whole step") {
  Net a{3}, b{3};
  tensor<float, 8, 32> x;
  for (std::size_t i = 0; i < x.size(); ++i) x.flat(i) = static_cast<float>((i * 17) % 61) / 61.0f;
  const tensor<int, 8> y{0, 1, 2, 3, 0, 1, 2, 3};
  optim::Adam opt_a{a, {.lr = 0.01}}, opt_b{b, {.lr = 0.01}};
  for (int i = 0; i < 2; ++i) {
    const auto ga = grad(loss, at(a, X = x, labels = y));
    const auto gb = grad(loss, at(b, X = x, labels = y));
    opt_a.step(a, ga);
    opt_b.begin_step();
    for (std::size_t k : {2u, 0u, 1u}) opt_b.step_part(b, gb, optim::part{k, 3});
  }
  CHECK(a.params() == b.params());
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CTGRAD_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CTGRAD_TEST_SANITIZED 1
#endif
#endif

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <system_error>

TEST_CASE("thread_pool: threads that cannot be started are an exception, not an abort") {
#ifdef CTGRAD_TEST_SANITIZED
  MESSAGE("skipped under a sanitizer: it reserves address space that an address-space limit breaks");
#else
  // in a child process: an address-space limit a little above what it uses leaves room for
  // a few thread stacks of 8 MiB, not 200
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    long pages = 0;
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%ld", &pages) != 1) pages = 0;
      std::fclose(f);
    }
    const rlim_t limit = static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE)) + (rlim_t{64} << 20);
    const rlimit r{limit, limit};
    if (pages == 0 || ::setrlimit(RLIMIT_AS, &r) != 0) ::_exit(3);
    try {
      thread_pool pool{200};
      ::_exit(4);  // all 200 started: the limit did not bite
    } catch (const std::system_error& e) {
      ::_exit(std::string(e.what()).find("thread_pool: could not start thread") != std::string::npos ? 0 : 5);
    } catch (...) {
      ::_exit(6);
    }
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  INFO("child status " << status);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // and the pool still works where threads can start
  thread_pool pool{3};
  std::atomic<int> ran{0};
  pool.run([&](std::size_t) { ++ran; });
  CHECK(ran == 3);
#endif
}
