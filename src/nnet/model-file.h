// src/nnet/model-file.h
// Model files and training checkpoints: one HDF5 file each (DESIGN.md §Model files), readable
// with h5py or h5dump and no project code:
//
//   /                          attributes: config = the architecture as a JSON object (a
//                              string), enough for a model builder to make the Module the
//                              tensors fit; format = "voxtools-model", format_version = 1
//                              (optional on reading, so files converted with h5py load too)
//   /params/<module path>      float32, one dataset per parameter
//                              (params/encoder/layers/3/attention/q_proj/weight)
//   /buffers/<module path>     float32, saved non-trained state (batch-norm running stats)
// and in a training checkpoint also
//   /optimizer                 attributes: type ("sgd", "adam", "adamw"), groups (JSON: each
//                              parameter group's path prefix and learning-rate scale)
//   /optimizer/hyperparameters/<name>        float64 scalars (momentum, beta1, eps, ...)
//   /optimizer/state/<param path>/<name>     float32, PyTorch's state names (exp_avg, ...)
//   /optimizer/state/<param path>/step       float64 scalar, steps that updated the parameter
//   /train_state/step, /train_state/epoch    float64 scalars
//   /train_state               attributes: rng_state (RandomGenerator::State()), lr_schedule
//                              (LrScheduleOptions as JSON), extra (JSON, whatever else a
//                              trainer must restore); each only when set
// so that a run resumed from a checkpoint continues bit-identically (model-file-test.cc).
//
// Loading checks every tensor against the Module: a name the model lacks, a name the file
// lacks, a shape mismatch or a NaN/Inf value is an Error naming the tensor (with the shape
// found and the one expected), and the model is left unchanged. Writes are atomic: the file
// is written as <path>.tmp.<pid> and renamed into place, and the temporary is removed if
// anything fails, so an existing file at <path> is never half-overwritten.
#ifndef VOXTOOLS_NNET_MODEL_FILE_H_
#define VOXTOOLS_NNET_MODEL_FILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/h5-file.h"
#include "io/json.h"
#include "nnet/module.h"
#include "nnet/optimizer.h"

namespace voxtools {

// What a trainer restores besides the model and the optimiser.
struct TrainState {
  int64_t step = 0;        // optimiser steps done (the LR schedule is a function of it)
  int64_t epoch = 0;       // epochs done
  std::string rng_state;   // RandomGenerator::State(); empty: not saved
  JsonValue lr_schedule;   // LrScheduleOptions::ToJson(); null: not saved
  JsonValue extra;         // e.g. a margin scheduler or a sampler position; null: not saved
};

// Writes params/, buffers/ and the config. config must be a JSON object (the builders'
// convention: a "type" member, e.g. "ecapa-tdnn", or "family": "ssl"). Throws Error (leaving no file behind) on a
// non-object config, a NaN/Inf value (naming the tensor: a model that cannot be loaded back
// is not written) or an I/O failure.
void SaveModel(const std::string &path, const Module &model, const JsonValue &config);
// SaveModel plus optimizer/ and train_state/.
void SaveCheckpoint(const std::string &path, const Module &model, const JsonValue &config,
                    const Optimizer &optimizer, const TrainState &state);

// The config of a model file or checkpoint. Throws Error naming the file if it is not a
// voxtools model file or the config is missing or not a JSON object.
JsonValue ReadModelConfig(const std::string &path);

// Loads params/ and buffers/ into `model`, which must have exactly those tensors (checked as
// described above). A checkpoint's optimizer/ and train_state/ are ignored.
void LoadModel(const std::string &path, Module *model);
// LoadModel, then the optimiser state (the optimiser must be of the type saved; its
// parameters must be the model's, by path and identity) and *state. Meant for a freshly made
// optimiser: a parameter with no state in the file (never stepped) keeps whatever it has. The optimiser's own options are kept;
// a hyper-parameter or group scale that differs from the file's is a WARNING (changing them on
// resume is legitimate, but rarely meant). Throws Error if the file is not a checkpoint.
void LoadCheckpoint(const std::string &path, Module *model, Optimizer *optimizer,
                    TrainState *state);

// A checkpoint's optimiser type and train state, for nnet-info; false (nothing set) for a
// plain model file. Throws Error if train_state/ is malformed.
bool ReadCheckpointInfo(const H5File &file, std::string *optimizer_type, TrainState *state);

// Forward FLOPs per second of 16 kHz audio for the model a config describes, or nullopt when
// its type (config "type", e.g. "ecapa-tdnn", or "family", e.g. "ssl") has no estimate yet.
// The hook for the model issues: each adds one branch for its type, computed from the
// config's sizes (a plain function, no registry).
std::optional<double> ForwardFlopsPerSecond(const JsonValue &config);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_MODEL_FILE_H_
