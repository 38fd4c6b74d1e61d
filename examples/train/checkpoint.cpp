// The trainer's checkpoints: the settings a resumed run must share, reading a checkpoint for
// --resume and writing one for --checkpoint. Plain functions, compiled here once; the model
// units only put and get their weights and optimizer state (train_loop.hpp).
#include <cstdio>
#include <sstream>

#include "trainer.hpp"

namespace trainer {

// What a resumed run must share with the run that wrote its checkpoint to continue it bit
// for bit: every option that shapes the trajectory, one per line ("--batch 64"), and the
// training set itself (its size and a hash of its pixels and labels: a path may move).
std::string run_settings(const options& o, const data::split& train) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (const auto* bytes : {&train.images, &train.labels})
    for (const unsigned char b : *bytes) h = (h ^ b) * 0x100000001b3ULL;
  char lr[40], momentum[40], hash[40];
  std::snprintf(lr, sizeof lr, "%.17g", o.lr);
  std::snprintf(momentum, sizeof momentum, "%.17g", o.momentum);
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(h));
  return "--model " + o.model + "\n--batch " + std::to_string(o.batch) + "\n--optimizer " + o.optimizer + "\n--lr " + lr +
         "\n--momentum " + momentum + "\n--lr-schedule " + o.schedule + "\n--loss " + o.loss + "\n--seed " +
         std::to_string(o.seed) + "\n--epochs " + std::to_string(o.epochs) + "\n--threads " + std::to_string(o.threads) +
         "\nMPI ranks " + std::to_string(o.ranks) + "\ntraining set " + std::to_string(train.count) + " images, hash " +
         hash + "\n";
}

nn::checkpoint read_checkpoint(const options& o, const std::string& settings) {
  try {
#if defined(CTGRAD_TRAIN_MPI)
    nn::checkpoint c = o.distributed ? mpi::load_checkpoint(o.resume) : nn::checkpoint::load(o.resume);
#else
    nn::checkpoint c = nn::checkpoint::load(o.resume);
#endif
    // the first setting that differs, by name: continuing with another would not be this run
    std::istringstream saved(c.text("settings")), now(settings);
    for (std::string was, is; std::getline(now, is);)
      if (!std::getline(saved, was) || was != is)
        throw job_error(o.resume + " was written by a run with " + (was.empty() ? "other settings" : was) +
                        ", this run has " + is + ": a resumed run needs the options and the training set of the run that wrote it");
    return c;
  } catch (const nn::format_error& e) {
    throw job_error(e.what());
  }
}

void save_checkpoint(const nn::checkpoint& c, const std::string& path) { c.save(path); }

}  // namespace trainer
