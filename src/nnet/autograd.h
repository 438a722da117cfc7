// src/nnet/autograd.h
// Reverse-mode automatic differentiation on a dynamic graph (define by run, as PyTorch).
//
// A Var is a shared handle to a value Tensor plus, when gradients are wanted, a gradient and
// the Node (operation) that produced it. Operations (nnet/ops/*.h) take and return Vars:
//
//   Var w(Tensor::Full({3, 4}, 0.1f), /*requires_grad=*/true);    // a leaf (a parameter)
//   Var y = Sum(Gelu(MatMul(x, w)));                                // records three Nodes
//   y.Backward();                                                    // w.grad() = dy/dw
//
// An operation records a Node only if recording is on (no NoGradGuard alive on this thread)
// and one of its inputs requires a gradient. A Node holds its inputs and exactly what its
// backward needs (an input, the output, a mask, or nothing), so inference - under
// NoGradGuard, or with no input requiring grad - keeps nothing and frees every intermediate
// as soon as its last handle goes.
//
// Backward(): visits the graph in reverse topological order; each Node adds the gradients of
// its inputs (AccumulateGrad). Leaf gradients accumulate across Backward calls until
// ZeroGrad(), which is how gradients of several micro-batches are summed; gradients of
// intermediate Vars are freed once used, and the graph is released (a second Backward through
// it is an Error).
//
// Threading: a graph belongs to one thread; NoGradGuard is per thread.
#ifndef VOXTOOLS_NNET_AUTOGRAD_H_
#define VOXTOOLS_NNET_AUTOGRAD_H_

#include <initializer_list>
#include <memory>
#include <vector>

#include "matrix/tensor.h"

namespace voxtools {

class Node;
struct VarData;

class Var {
 public:
  Var() = default;
  // A leaf holding `value` (shared, not copied).
  explicit Var(Tensor value, bool requires_grad = false);

  bool Defined() const { return data_ != nullptr; }
  const Tensor &value() const;
  // For in-place updates outside the graph (optimiser steps, loading weights): not recorded.
  Tensor &MutableValue();
  const Shape &shape() const { return value().shape(); }
  int Rank() const { return value().Rank(); }
  int64_t Dim(int i) const { return value().Dim(i); }
  int64_t NumElements() const { return value().NumElements(); }

  // True for a leaf made with requires_grad, and for the output of a recorded operation.
  bool RequiresGrad() const;
  // Leaves only (an Error on an operation's output).
  void SetRequiresGrad(bool requires_grad);
  bool IsLeaf() const;

  // The accumulated gradient (same shape as value); undefined until a Backward reached it.
  const Tensor &grad() const;
  Tensor *MutableGrad();
  // Drops the gradient (the next Backward starts from zero).
  void ZeroGrad();
  // Adds g (value's shape) into the gradient, allocating it on first use. Nodes call this.
  void AccumulateGrad(const Tensor &g);

  // Backpropagates from this Var. Without an argument the value must have one element and
  // the seed is 1 (a scalar loss). Throws Error if this Var does not require grad.
  void Backward() const;
  void Backward(const Tensor &grad_output) const;

  // The same value with no history (a new leaf that does not require grad).
  Var Detach() const;

  const std::shared_ptr<Node> &grad_fn() const;
  // Sets the producing Node (operations call this through Record()).
  void SetGradFn(std::shared_ptr<Node> node);
  // Identity of the underlying variable (two handles to one parameter compare equal).
  bool SameAs(const Var &o) const { return data_ == o.data_; }
  const void *Id() const { return data_.get(); }

 private:
  std::shared_ptr<VarData> data_;
};

// One recorded operation. Subclasses live next to their forward function in nnet/ops/.
class Node {
 public:
  explicit Node(std::vector<Var> inputs) : inputs_(std::move(inputs)) {}
  virtual ~Node() = default;
  Node(const Node &) = delete;
  Node &operator=(const Node &) = delete;

  // Short name for errors and debugging ("MatMul").
  virtual const char *Name() const = 0;
  // grad_output is dL/d(output), of the output's shape. Adds dL/d(input i) into
  // inputs()[i].AccumulateGrad(...) for each input with NeedsGrad(i).
  virtual void Backward(const Tensor &grad_output) = 0;

  const std::vector<Var> &inputs() const { return inputs_; }
  bool NeedsGrad(size_t i) const { return inputs_[i].RequiresGrad(); }
  // Releases the inputs and any saved tensors once backward has run.
  virtual void Release() { inputs_.clear(); }

 protected:
  std::vector<Var> inputs_;
};

// Recording is on unless a NoGradGuard is alive on this thread.
bool GradEnabled();
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard &) = delete;
  NoGradGuard &operator=(const NoGradGuard &) = delete;

 private:
  bool previous_;
};

// True if an operation on `inputs` must record a Node: recording is on and one requires grad.
bool ShouldRecord(std::initializer_list<const Var *> inputs);
bool ShouldRecord(const std::vector<Var> &inputs);

// The output Var of an operation: `value`, with `node` as its grad_fn when node is not null.
Var Record(Tensor value, std::shared_ptr<Node> node);

}  // namespace voxtools

#endif  // VOXTOOLS_NNET_AUTOGRAD_H_
