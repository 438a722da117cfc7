// src/nnet/lr-schedule.h
// Learning-rate schedules as pure functions of the optimiser step, so a resumed run needs
// only the step count (and these options) to continue the same curve. Each follows a
// published implementation exactly, checked in tests/unit/nnet/lr-schedule-test.cc:
//
//   exponential  WeSpeaker's ExponentialDecrease (wespeaker/utils/schedulers.py): over the
//                whole run lr falls exponentially from initial_lr to final_lr,
//                  lr(i) = c(i) * initial_lr * exp(i / (num_epochs * epoch_iter)
//                                                  * log(final_lr / initial_lr)),
//                where c(i) = scale_ratio, except during the warm-up (i < warm_up_epochs *
//                epoch_iter, W iterations): c = scale_ratio * i / W if warm_from_zero,
//                else 1 + (scale_ratio - 1) * i / W if scale_ratio > 1 (else scale_ratio).
//                NB: as in WeSpeaker, with warm_from_zero=false and scale_ratio=1 there is
//                no warm-up at all.
//   cosine       WeSpeaker's WarmupCosineScheduler: linear from 0 to initial_lr over W
//                iterations, then initial_lr -> final_lr along half a cosine until the end
//                of num_epochs, then final_lr. With W = 0 it is PyTorch's
//                CosineAnnealingLR(T_max = num_epochs * epoch_iter, eta_min = final_lr).
//   step         WeSpeaker's WarmupLR_withStepDecay: initial_lr * (i + 1) / (W + 1) during
//                the warm-up, then initial_lr * gamma^floor((i - W) / (step_epochs *
//                epoch_iter)). With W = 0 it is PyTorch's StepLR stepped every iteration.
//   constant     initial_lr.
// scale_ratio and warm_from_zero apply to `exponential` only (as in WeSpeaker, where they
// compensate for the number of GPUs).
#ifndef VOXTOOLS_NNET_LR_SCHEDULE_H_
#define VOXTOOLS_NNET_LR_SCHEDULE_H_

#include <cstdint>
#include <string>

#include "base/options-itf.h"
#include "io/json.h"

namespace voxtools {

enum class LrScheduleType { kExponential, kCosine, kStep, kConstant };
const char *LrScheduleTypeName(LrScheduleType type);
// Throws Error naming the accepted values.
LrScheduleType ParseLrScheduleType(const std::string &name);

// Defaults are WeSpeaker's ResNet/ECAPA recipe values.
struct LrScheduleOptions {
  std::string type = "exponential";  // exponential, cosine, step, constant
  double initial_lr = 0.1;
  double final_lr = 5e-5;
  int64_t num_epochs = 150;
  int64_t epoch_iter = 1000;  // optimiser steps per epoch
  double warm_up_epochs = 6;
  bool warm_from_zero = false;
  double scale_ratio = 1.0;
  double step_epochs = 10;  // step: epochs between decays
  double gamma = 0.1;       // step: decay factor

  void Register(OptionsItf *opts);
  // Throws Error naming the option and the allowed range.
  void Validate() const;
  std::string ToString() const;
  // For the train_state of a checkpoint; FromJson throws Error on a missing or mistyped
  // member (naming it) and validates.
  JsonValue ToJson() const;
  static LrScheduleOptions FromJson(const JsonValue &json);
};

class LrSchedule {
 public:
  // Validates opts (throws Error).
  explicit LrSchedule(const LrScheduleOptions &opts);
  // The learning rate for optimiser step `iter` (0-based; any iter >= 0).
  double LearningRate(int64_t iter) const;
  LrScheduleType Type() const { return type_; }
  const LrScheduleOptions &Options() const { return opts_; }

 private:
  LrScheduleOptions opts_;
  LrScheduleType type_;
  double total_iters_, warm_up_iters_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_LR_SCHEDULE_H_
