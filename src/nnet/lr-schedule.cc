// src/nnet/lr-schedule.cc
#include "nnet/lr-schedule.h"

#include <cmath>
#include <sstream>

#include "base/log.h"

namespace voxtools {

const char *LrScheduleTypeName(LrScheduleType type) {
  switch (type) {
    case LrScheduleType::kExponential:
      return "exponential";
    case LrScheduleType::kCosine:
      return "cosine";
    case LrScheduleType::kStep:
      return "step";
    case LrScheduleType::kConstant:
      return "constant";
  }
  return "?";
}

LrScheduleType ParseLrScheduleType(const std::string &name) {
  for (LrScheduleType t : {LrScheduleType::kExponential, LrScheduleType::kCosine,
                           LrScheduleType::kStep, LrScheduleType::kConstant})
    if (name == LrScheduleTypeName(t)) return t;
  VOX_ERR << "unknown learning-rate schedule '" << name
          << "' (expected exponential, cosine, step or constant)";
  return LrScheduleType::kConstant;
}

void LrScheduleOptions::Register(OptionsItf *opts) {
  opts->Register("type", &type, "Schedule: exponential (WeSpeaker), cosine, step or constant");
  opts->Register("initial-lr", &initial_lr, "Learning rate at the start (after warm-up)");
  opts->Register("final-lr", &final_lr,
                 "Learning rate at the end of --num-epochs (exponential, cosine)");
  opts->Register("num-epochs", &num_epochs, "Epochs of the whole run (sets the decay's length)");
  opts->Register("epoch-iter", &epoch_iter, "Optimiser steps per epoch");
  opts->Register("warm-up-epochs", &warm_up_epochs, "Length of the linear warm-up, in epochs");
  opts->Register("warm-from-zero", &warm_from_zero,
                 "exponential: warm up from 0 (else from 1 when --scale-ratio > 1)");
  opts->Register("scale-ratio", &scale_ratio,
                 "exponential: multiplier reached after warm-up (WeSpeaker: GPUs x batch / 64)");
  opts->Register("step-epochs", &step_epochs, "step: epochs between decays");
  opts->Register("gamma", &gamma, "step: factor applied at each decay");
}

void LrScheduleOptions::Validate() const {
  LrScheduleType t = ParseLrScheduleType(type);
  if (!(initial_lr > 0 && std::isfinite(initial_lr)))
    VOX_ERR << "--initial-lr=" << initial_lr << " must be finite and > 0";
  bool needs_final = t == LrScheduleType::kExponential || t == LrScheduleType::kCosine;
  if (needs_final && !(final_lr > 0 && std::isfinite(final_lr)))
    VOX_ERR << "--final-lr=" << final_lr << " must be finite and > 0";
  if (num_epochs <= 0) VOX_ERR << "--num-epochs=" << num_epochs << " must be > 0";
  if (epoch_iter <= 0) VOX_ERR << "--epoch-iter=" << epoch_iter << " must be > 0";
  if (!(warm_up_epochs >= 0 && warm_up_epochs <= static_cast<double>(num_epochs)))
    VOX_ERR << "--warm-up-epochs=" << warm_up_epochs << " must be in [0, --num-epochs="
            << num_epochs << "]";
  if (t == LrScheduleType::kCosine && warm_up_epochs >= static_cast<double>(num_epochs))
    VOX_ERR << "cosine: --warm-up-epochs=" << warm_up_epochs << " leaves no decay before "
            << "--num-epochs=" << num_epochs;
  if (!(scale_ratio > 0 && std::isfinite(scale_ratio)))
    VOX_ERR << "--scale-ratio=" << scale_ratio << " must be finite and > 0";
  if (!(step_epochs > 0 && std::isfinite(step_epochs)))
    VOX_ERR << "--step-epochs=" << step_epochs << " must be finite and > 0";
  if (!(gamma > 0 && gamma <= 1)) VOX_ERR << "--gamma=" << gamma << " must be in (0, 1]";
}

std::string LrScheduleOptions::ToString() const {
  std::ostringstream os;
  os << "--type=" << type << " --initial-lr=" << initial_lr << " --final-lr=" << final_lr
     << " --num-epochs=" << num_epochs << " --epoch-iter=" << epoch_iter
     << " --warm-up-epochs=" << warm_up_epochs
     << " --warm-from-zero=" << (warm_from_zero ? "true" : "false")
     << " --scale-ratio=" << scale_ratio << " --step-epochs=" << step_epochs
     << " --gamma=" << gamma;
  return os.str();
}

JsonValue LrScheduleOptions::ToJson() const {
  JsonValue j = JsonValue::Object();
  j.Set("type", JsonValue::String(type));
  j.Set("initial_lr", JsonValue::Float(initial_lr));
  j.Set("final_lr", JsonValue::Float(final_lr));
  j.Set("num_epochs", JsonValue::Int(num_epochs));
  j.Set("epoch_iter", JsonValue::Int(epoch_iter));
  j.Set("warm_up_epochs", JsonValue::Float(warm_up_epochs));
  j.Set("warm_from_zero", JsonValue::Bool(warm_from_zero));
  j.Set("scale_ratio", JsonValue::Float(scale_ratio));
  j.Set("step_epochs", JsonValue::Float(step_epochs));
  j.Set("gamma", JsonValue::Float(gamma));
  return j;
}

namespace {

const JsonValue &Member(const JsonValue &j, const char *name) {
  const JsonValue *v = j.Find(name);
  if (v == nullptr) VOX_ERR << "learning-rate schedule state lacks '" << name << "'";
  return *v;
}

}  // namespace

LrScheduleOptions LrScheduleOptions::FromJson(const JsonValue &j) {
  if (!j.IsObject()) VOX_ERR << "learning-rate schedule state is not a JSON object";
  LrScheduleOptions o;
  try {
    o.type = Member(j, "type").AsString();
    o.initial_lr = Member(j, "initial_lr").AsDouble();
    o.final_lr = Member(j, "final_lr").AsDouble();
    o.num_epochs = Member(j, "num_epochs").AsInt();
    o.epoch_iter = Member(j, "epoch_iter").AsInt();
    o.warm_up_epochs = Member(j, "warm_up_epochs").AsDouble();
    o.warm_from_zero = Member(j, "warm_from_zero").AsBool();
    o.scale_ratio = Member(j, "scale_ratio").AsDouble();
    o.step_epochs = Member(j, "step_epochs").AsDouble();
    o.gamma = Member(j, "gamma").AsDouble();
  } catch (const Error &e) {
    VOX_ERR << "learning-rate schedule state: " << e.reason();
  }
  o.Validate();
  return o;
}

LrSchedule::LrSchedule(const LrScheduleOptions &opts)
    : opts_(opts), type_(ParseLrScheduleType(opts.type)) {
  opts_.Validate();
  total_iters_ = static_cast<double>(opts_.num_epochs) * static_cast<double>(opts_.epoch_iter);
  warm_up_iters_ = opts_.warm_up_epochs * static_cast<double>(opts_.epoch_iter);
}

double LrSchedule::LearningRate(int64_t iter_int) const {
  if (iter_int < 0) VOX_ERR << "learning-rate schedule asked for step " << iter_int;
  const double iter = static_cast<double>(iter_int);
  const double lr0 = opts_.initial_lr, lr1 = opts_.final_lr, w = warm_up_iters_;
  switch (type_) {
    case LrScheduleType::kExponential: {
      double coeff = opts_.scale_ratio;
      if (iter < w) {
        if (opts_.warm_from_zero)
          coeff = opts_.scale_ratio * iter / w;
        else if (opts_.scale_ratio > 1)
          coeff = (opts_.scale_ratio - 1) * iter / w + 1.0;
      }
      return coeff * lr0 * std::exp(iter / total_iters_ * std::log(lr1 / lr0));
    }
    case LrScheduleType::kCosine:
      if (iter < w) return lr0 * iter / w;
      if (iter < total_iters_)
        return lr1 + 0.5 * (lr0 - lr1) * (1 + std::cos(M_PI * (iter - w) / (total_iters_ - w)));
      return lr1;
    case LrScheduleType::kStep: {
      if (iter < w) return lr0 * (iter + 1) / (w + 1);
      const double decay_iters = opts_.step_epochs * static_cast<double>(opts_.epoch_iter);
      return lr0 * std::pow(opts_.gamma, std::floor((iter - w) / decay_iters));
    }
    case LrScheduleType::kConstant:
      return lr0;
  }
  return lr0;
}

}  // namespace voxtools
