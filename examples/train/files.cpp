// The trainer's files: checkpoints (the settings a resumed run must share, writing one for
// --checkpoint, resuming from one for --resume) and the model's weights (--load, --save,
// the summary). Plain functions, compiled here once: the models hand over their parameter
// lists (nn::refs_of) and optimizer states (model.hpp).
#include <cstdio>
#include <sstream>

#include <ctgrad/nn/checkpoint.hpp>
#include <ctgrad/nn/serialize.hpp>
#include <ctgrad/nn/summary.hpp>

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

namespace {
// the checkpoint --resume names, checked against this run's settings
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

}  // namespace

// --checkpoint: everything the next epoch depends on. The shuffle's random position is the
// epoch itself (data::batches draws each epoch's order from (seed, epoch)).
void write_checkpoint(const options& o, const std::string& settings, const nn::const_parameter_refs& model,
                      const optimizer_state& optimizer, int epochs_done, const std::vector<double>& test_curve) {
  nn::checkpoint c;
  c.put_text("settings", settings);
  c.put_number("epoch", static_cast<std::uint64_t>(epochs_done));
  c.put("model", model);
  for (const auto& [name, set] : optimizer.sets) c.put(name, set);
  if (o.optimizer != "sgd") c.put_number("adam.steps", optimizer.adam_steps);
  c.put_reals("test_accuracy", test_curve);
  c.save(o.checkpoint);
}

// --resume: the state write_checkpoint() saved; returns the epochs it had done. Under
// --distributed rank 0 reads the file and every rank gets it, so every rank fails together.
int resume(const options& o, const std::string& settings, const nn::parameter_refs& model, optimizer_state& optimizer,
           std::vector<double>& test_curve) {
  const nn::checkpoint c = read_checkpoint(o, settings);
  try {
    c.get("model", model);
    for (const auto& [name, set] : optimizer.sets) c.get(name, set);
    if (o.optimizer != "sgd") optimizer.adam_steps = c.number("adam.steps");
    const std::uint64_t done = c.number("epoch");
    if (done > static_cast<std::uint64_t>(o.epochs))
      throw job_error(o.resume + ": holds " + std::to_string(done) + " epochs done, more than --epochs " + std::to_string(o.epochs));
    if (o.rank == 0) test_curve = c.reals("test_accuracy");
    if (!o.quiet) std::printf("resumed from %s after epoch %llu/%d\n", o.resume.c_str(), static_cast<unsigned long long>(done), o.epochs);
    return static_cast<int>(done);
  } catch (const nn::format_error& e) {
    throw job_error(e.what());
  }
}

void load_weights(const nn::parameter_refs& model, const std::string& path) { nn::load(model, path); }
void save_weights(const nn::const_parameter_refs& model, const std::string& path) { nn::save(model, path); }
void print_summary(const nn::const_parameter_refs& model) { std::printf("%s", nn::summary(model).c_str()); }

}  // namespace trainer
