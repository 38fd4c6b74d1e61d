// Writing a file so that nothing is ever lost or half-written. POSIX.
//
//   io::write_file_atomically<format_error>(path, bytes);
//   if (auto why = io::output_problem(path); !why.empty()) ...   // before long work
//
// The bytes go to a new temporary file in the target's folder, with a name of its own,
// created exclusively (O_EXCL | O_NOFOLLOW: never an existing file, never through a link);
// it is flushed and synced, renamed over the target, and the folder is synced. Readers
// see the old file or the new one, never part of one; two writers at once leave the whole
// file of one of them; a crash leaves the old file (and at worst a stray temporary, which
// no later write reuses). Errors are thrown as Error naming the path and the reason.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace ctgrad::io {

namespace detail {

// the folder a path is in ("." for a bare name) and the name in it
inline std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}
inline std::string name_in_folder(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// a name no other writer uses: the process, a counter, and the clock
inline std::string temporary_name(const std::string& path) {
  static std::atomic<std::uint64_t> counter{0};
  const auto now = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  const std::string folder = folder_of(path);
  return (folder == "/" ? "" : folder) + "/." + name_in_folder(path) + "." + std::to_string(::getpid()) + "." +
         std::to_string(counter.fetch_add(1)) + "." + std::to_string(now % 1000000007u) + ".tmp";
}

inline bool write_all(int fd, const unsigned char* p, std::size_t n) {
  while (n > 0) {
    const ::ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace detail

// Why a file could not be written at path ("" if it could, as far as can be told without
// writing): for flags such as --save, checked before the work that produces the file.
inline std::string output_problem(const std::string& path) {
  if (path.empty()) return "the path is empty";
  if (path.back() == '/') return "names a folder, not a file";
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return "is a folder, not a file";
  const std::string folder = detail::folder_of(path);
  if (::stat(folder.c_str(), &st) != 0) return "its folder " + folder + " cannot be used: " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return folder + " is not a folder";
  if (::access(folder.c_str(), W_OK | X_OK) != 0) return "cannot write in " + folder + ": " + std::strerror(errno);
  return "";
}

// Writes bytes to path atomically (see above).
template <class Error>
void write_file_atomically(const std::string& path, const unsigned char* bytes, std::size_t n) {
  if (path.empty()) throw Error("cannot write a file with an empty name");
  if (detail::name_in_folder(path).empty()) throw Error(path + ": names a folder, not a file");
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    tmp = detail::temporary_name(path);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    const std::string why = std::strerror(errno);
    throw Error(path + ": cannot create a temporary file in " + detail::folder_of(path) + ": " + why);
  }
  bool ok = detail::write_all(fd, bytes, n);
  int error = ok ? 0 : errno;
  if (ok && ::fsync(fd) != 0) ok = false, error = errno;  // on disk before the rename shows it
  if (::close(fd) != 0 && ok) ok = false, error = errno;
  if (!ok) {
    ::unlink(tmp.c_str());
    throw Error(path + ": writing " + tmp + " failed: " + std::strerror(error));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error(path + ": cannot move " + tmp + " into place: " + why);
  }
  // the rename itself on disk
  const int dir = ::open(detail::folder_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

template <class Error>
void write_file_atomically(const std::string& path, const std::vector<unsigned char>& bytes) {
  write_file_atomically<Error>(path, bytes.data(), bytes.size());
}

}  // namespace ctgrad::io
