// src/io/h5-file.h
// A small wrapper over the HDF5 C library, for the "h5:" table backend and the tools that
// write waveforms. The files it writes need no project code to read (h5py, h5dump):
//   - one dataset per key; a '/' in a key makes nested groups ("spk1/utt1");
//   - datasets are chunked, optionally compressed (SetCompression: HDF5 byte shuffle then
//     gzip, both built into every HDF5, so h5py reads them with no plugin);
//   - groups track creation order, so a sequential read returns keys in the order written
//     (files made elsewhere without that order are read in name order);
//   - attributes (numbers or strings) on datasets and on the root ("sample_rate", ...).
// Every failure is an Error naming the file and the key; HDF5's own error stack printing is
// silenced so that messages stay ours.
#ifndef VOXTOOLS_IO_H5_FILE_H_
#define VOXTOOLS_IO_H5_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace voxtools {

enum class H5Type { kInt16, kInt32, kFloat32, kFloat64, kOther };

struct H5DatasetInfo {
  std::vector<int64_t> shape;  // empty for a scalar dataset
  H5Type type = H5Type::kOther;
};

class H5File {
 public:
  enum class Mode { kRead, kTruncate, kReadWrite };
  // Opens or creates `path`. Throws Error if it cannot (not HDF5, missing, no permission).
  H5File(const std::string &path, Mode mode);
  ~H5File();
  H5File(const H5File &) = delete;
  H5File &operator=(const H5File &) = delete;
  // Flushes and closes; throws on failure. The destructor closes quietly if not done.
  void Close();
  const std::string &Path() const { return path_; }

  // gzip level 0 (none, default) .. 9 for datasets written after this call.
  void SetCompression(int level);

  // Every dataset key, depth-first, in creation order (name order for files without it).
  std::vector<std::string> ListDatasets() const;
  bool HasDataset(const std::string &key) const;
  H5DatasetInfo Info(const std::string &key) const;

  // Writes a new dataset (error if the key exists). shape.size() is 0 (scalar) to 4.
  void Write(const std::string &key, const std::vector<int64_t> &shape, const int16_t *data);
  void Write(const std::string &key, const std::vector<int64_t> &shape, const int32_t *data);
  void Write(const std::string &key, const std::vector<int64_t> &shape, const float *data);
  void Write(const std::string &key, const std::vector<int64_t> &shape, const double *data);

  // Reads a whole dataset, converting from the stored numeric type (HDF5's conversion; a
  // value out of range for the target type is an Error). Sets *shape.
  void Read(const std::string &key, std::vector<int64_t> *shape, std::vector<int16_t> *data) const;
  void Read(const std::string &key, std::vector<int64_t> *shape, std::vector<int32_t> *data) const;
  void Read(const std::string &key, std::vector<int64_t> *shape, std::vector<float> *data) const;
  void Read(const std::string &key, std::vector<int64_t> *shape, std::vector<double> *data) const;

  // Attributes on a dataset (key) or on the file's root (key ""). Setting replaces.
  void SetAttribute(const std::string &key, const std::string &name, double value);
  void SetAttribute(const std::string &key, const std::string &name, const std::string &value);
  bool GetAttribute(const std::string &key, const std::string &name, double *value) const;
  bool GetAttribute(const std::string &key, const std::string &name, std::string *value) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_IO_H5_FILE_H_
