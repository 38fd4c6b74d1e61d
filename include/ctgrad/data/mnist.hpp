// The four files of an MNIST-format dataset (MNIST digits, Fashion-MNIST, ...) in one
// directory, plain or gzipped:
//
//   train-images-idx3-ubyte[.gz]  train-labels-idx1-ubyte[.gz]
//   t10k-images-idx3-ubyte[.gz]   t10k-labels-idx1-ubyte[.gz]
//
//   auto d = data::load_mnist("/usr/share/datasets/fashion-mnist");
//   d.train.count == 60000, d.train.rows == 28, d.train.label(0) < 10
//
// Checked: images are [N, rows, cols] and labels [N] with the same N, N > 0; every label is
// below the number of classes; train and test images have the same size. The labels are
// read first, so an images file must declare as many images as there are labels before its
// data is read.
#pragma once

#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "ctgrad/data/idx.hpp"

namespace ctgrad::data {

struct split {
  std::vector<unsigned char> images;  // count x rows x cols pixels, 0..255
  std::vector<unsigned char> labels;  // count class indices
  std::size_t count = 0, rows = 0, cols = 0;
  std::string images_file, labels_file;

  std::size_t pixels() const { return rows * cols; }
  const unsigned char* image(std::size_t i) const { return images.data() + i * pixels(); }
  int label(std::size_t i) const { return labels[i]; }
};

struct dataset {
  split train, test;
};

namespace detail {
// (whether something is there at all: reading it says what is wrong with it, and opening a
// FIFO to find out would wait for a writer)
inline bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}
// dir/name, or dir/name.gz
inline std::string find_file(const std::string& dir, const std::string& name) {
  const std::string base = dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
  if (exists(base)) return base;
  if (exists(base + ".gz")) return base + ".gz";
  throw data_error(dir + ": neither " + name + " nor " + name + ".gz is there (or readable)");
}
}  // namespace detail

inline split load_split(const std::string& images_file, const std::string& labels_file, std::size_t classes = 10) {
  idx_array labels = read_idx(labels_file);
  if (labels.dims.size() != 1)
    throw data_error(labels_file + ": expected labels with 1 dimension [N], found " +
                     std::to_string(labels.dims.size()));
  if (labels.dims[0] == 0) throw data_error(labels_file + ": holds no labels (0 items): nothing to train or test on");
  idx_array images = read_idx(images_file, default_idx_limit, [&](const std::vector<std::uint32_t>& dims) {
    if (dims.size() != 3)
      throw data_error(images_file + ": expected images with 3 dimensions [N, rows, cols], found " +
                       std::to_string(dims.size()));
    if (dims[0] != labels.dims[0])
      throw data_error(labels_file + ": " + std::to_string(labels.dims[0]) + " labels, but " + images_file + " has " +
                       std::to_string(dims[0]) + " images");
  });
  for (std::size_t i = 0; i < labels.bytes.size(); ++i)
    if (labels.bytes[i] >= classes)
      throw data_error(labels_file + ": label " + std::to_string(labels.bytes[i]) + " of item " + std::to_string(i) +
                       " is outside [0, " + std::to_string(classes) + ")");
  split s;
  s.count = images.dims[0];
  s.rows = images.dims[1];
  s.cols = images.dims[2];
  s.images = std::move(images.bytes);
  s.labels = std::move(labels.bytes);
  s.images_file = images_file;
  s.labels_file = labels_file;
  return s;
}

inline dataset load_mnist(const std::string& dir, std::size_t classes = 10) {
  using detail::find_file;
  // one after the other, so the first missing file is the one reported
  const std::string train_images = find_file(dir, "train-images-idx3-ubyte");
  const std::string train_labels = find_file(dir, "train-labels-idx1-ubyte");
  const std::string test_images = find_file(dir, "t10k-images-idx3-ubyte");
  const std::string test_labels = find_file(dir, "t10k-labels-idx1-ubyte");
  dataset d;
  d.train = load_split(train_images, train_labels, classes);
  d.test = load_split(test_images, test_labels, classes);
  if (d.test.rows != d.train.rows || d.test.cols != d.train.cols)
    throw data_error(d.test.images_file + ": images are " + std::to_string(d.test.rows) + "x" +
                     std::to_string(d.test.cols) + ", the training images " + std::to_string(d.train.rows) + "x" +
                     std::to_string(d.train.cols));
  return d;
}

// The data must fit a model whose input has `features` values: 784 = 28 x 28.
inline void require_pixels(const split& s, std::size_t features) {
  if (s.pixels() != features)
    throw data_error(s.images_file + ": images are " + std::to_string(s.rows) + "x" + std::to_string(s.cols) + " = " +
                     std::to_string(s.pixels()) + " pixels, the model takes " + std::to_string(features));
}

// The images must be rows x cols exactly (a [N, 1, 784] file has 784 pixels too, but is not
// a set of 28x28 images).
inline void require_image_size(const split& s, std::size_t rows, std::size_t cols) {
  if (s.rows != rows || s.cols != cols)
    throw data_error(s.images_file + ": images are " + std::to_string(s.rows) + "x" + std::to_string(s.cols) +
                     ", expected " + std::to_string(rows) + "x" + std::to_string(cols));
}

}  // namespace ctgrad::data
