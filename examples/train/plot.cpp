// --plot FILE: the test accuracy after each epoch as a small SVG line chart, written
// atomically (io/write_file.hpp), so a failed write never leaves half a chart behind.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <ctgrad/io/write_file.hpp>

#include "trainer.hpp"

namespace trainer {

namespace {
struct plot_error : std::runtime_error {
  explicit plot_error(const std::string& what) : std::runtime_error("--plot: " + what) {}
};

std::string format(const char* fmt, double a, double b = 0, double c = 0, double d = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, fmt, a, b, c, d);
  return buf;
}
}  // namespace

void write_plot(const std::string& file, const std::vector<double>& acc, const options& o) {
  const double width = 640, height = 400, left = 60, right = 20, top = 40, bottom = 50;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  // the y range: whole hundredths around the data, at least 0.05 tall
  double lo = *std::min_element(acc.begin(), acc.end()), hi = *std::max_element(acc.begin(), acc.end());
  lo = std::floor(lo * 100 - 1) / 100;
  hi = std::ceil(hi * 100 + 1) / 100;
  if (hi - lo < 0.05) lo = hi - 0.05;
  lo = std::max(lo, 0.0);
  hi = std::min(hi, 1.0);
  const std::size_t n = acc.size();
  auto x_of = [&](std::size_t e) { return left + (n == 1 ? plot_w / 2 : plot_w * static_cast<double>(e) / static_cast<double>(n - 1)); };
  auto y_of = [&](double a) { return top + plot_h * (hi - a) / (hi - lo); };

  std::string svg = format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                           "font-family=\"sans-serif\" font-size=\"12\">\n", width, height);
  svg += format("<rect width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", width, height);
  svg += "<text x=\"" + format("%.0f", width / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">test accuracy per epoch: " +
         o.model + ", " + o.optimizer + ", batch " + std::to_string(o.batch) + "</text>\n";
  const int ticks = 5;
  for (int k = 0; k <= ticks; ++k) {  // horizontal grid and y labels
    const double a = lo + (hi - lo) * k / ticks, y = y_of(a);
    svg += format("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, y, left + plot_w, y);
    svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3f</text>\n", left - 6, y + 4, a);
  }
  const std::size_t step = n <= 10 ? 1 : (n + 9) / 10;
  for (std::size_t e = 0; e < n; e += step)  // x labels: epochs 1..n
    svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", x_of(e), top + plot_h + 18,
                  static_cast<double>(e + 1));
  svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">epoch</text>\n", left + plot_w / 2, height - 10);
  svg += format("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#888\"/>\n", left, top, plot_w, plot_h);
  svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"";
  for (std::size_t e = 0; e < n; ++e) svg += format("%.1f,%.1f ", x_of(e), y_of(acc[e]));
  svg += "\"/>\n";
  for (std::size_t e = 0; e < n; ++e)
    svg += format("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f77b4\"><title>epoch %.0f: %.4f</title></circle>\n", x_of(e),
                  y_of(acc[e]), static_cast<double>(e + 1), acc[e]);
  svg += "</svg>\n";

  io::write_file_atomically<plot_error>(file, reinterpret_cast<const unsigned char*>(svg.data()), svg.size());
  if (!o.quiet) std::printf("wrote the accuracy plot to %s\n", file.c_str());
}

}  // namespace trainer
