// Reading files: regular files only, with the reason for every refusal, and never more
// bytes than the caller expects. POSIX (open, fstat, read).
//
//   io::input_file<data_error> f(path);    // opens; refuses a directory, a FIFO, a device
//   f.size(); f.read_some(buffer, n);      // n bytes at most; 0 at the end
//   auto bytes = io::read_file<format_error>(path, limit);  // the whole file, up to limit bytes
//
// Errors are thrown as Error (the caller's exception type) naming the path and the reason:
// "is a directory", "is not a regular file (a FIFO, socket or device)", or the system's text
// ("No such file or directory", "Permission denied"). A FIFO is opened without blocking, so
// it is refused instead of waiting for a writer; a link to /dev/zero is refused as a device.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <vector>

namespace ctgrad::io {

template <class Error>
class input_file {
 public:
  explicit input_file(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) throw Error(path + ": cannot open for reading: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail(std::string("cannot read its status: ") + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) fail("is a directory, not a file");
    if (!S_ISREG(st.st_mode)) fail("is not a regular file (a FIFO, socket or device)");
    // back to blocking reads (regular files never block; the flag only kept open() from it)
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
  input_file(const input_file&) = delete;
  input_file& operator=(const input_file&) = delete;
  ~input_file() { ::close(fd_); }

  const std::string& path() const { return path_; }
  // the size the file had when it was opened
  std::uint64_t size() const { return size_; }

  // up to n bytes into out; fewer only at the end of the file (0 there)
  std::size_t read_some(void* out, std::size_t n) {
    auto* p = static_cast<unsigned char*>(out);
    std::size_t got = 0;
    while (got < n) {
      const ::ssize_t r = ::read(fd_, p + got, n - got);
      if (r == 0) break;
      if (r < 0) {
        if (errno == EINTR) continue;
        fail(std::string("read error: ") + std::strerror(errno));
      }
      got += static_cast<std::size_t>(r);
    }
    return got;
  }

  [[noreturn]] void fail(const std::string& why) const { throw Error(path_ + ": " + why); }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// The whole file as bytes, refused with Error if it is larger than `limit` bytes (checked
// before anything is read, so memory stays bounded by the limit).
template <class Error>
std::vector<unsigned char> read_file(const std::string& path,
                                     std::uint64_t limit = std::numeric_limits<std::uint64_t>::max()) {
  input_file<Error> f(path);
  if (f.size() > limit)
    f.fail("is " + std::to_string(f.size()) + " bytes, more than the " + std::to_string(limit) + " expected");
  std::vector<unsigned char> bytes;
  try {
    bytes.resize(static_cast<std::size_t>(f.size()));
  } catch (const std::bad_alloc&) {
    f.fail("out of memory for its " + std::to_string(f.size()) + " bytes");
  }
  bytes.resize(f.read_some(bytes.data(), bytes.size()));
  // a file that grew since it was opened: at most `limit` bytes are ever held
  unsigned char extra;
  if (f.read_some(&extra, 1) != 0) f.fail("changed while it was read");
  return bytes;
}

}  // namespace ctgrad::io
