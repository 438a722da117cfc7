// src/io/h5-file.cc
// H5File on the HDF5 C API (1.10 or later). Every handle lives in a small RAII holder so that
// an Error thrown halfway through an operation leaks nothing and leaves the file closable.
#include "io/h5-file.h"

#include <hdf5.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "base/log.h"

namespace voxtools {

namespace {

// Chunks of at most this many elements: big enough that per-chunk overhead (index entries,
// one deflate stream each) is small, small enough that reading one utterance of a large
// file does not decompress much more than it needs.
constexpr int64_t kChunkElements = 65536;
constexpr int kMaxRank = 4;

// Owns one HDF5 identifier and closes it with the matching H5*close.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*closer)(hid_t)) : id_(id), closer_(closer) {}
  ~Handle() { Reset(); }
  Handle(Handle &&o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = H5I_INVALID_HID; }
  Handle &operator=(Handle &&o) noexcept {
    if (this != &o) {
      Reset();
      id_ = o.id_;
      closer_ = o.closer_;
      o.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  Handle(const Handle &) = delete;
  Handle &operator=(const Handle &) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now and reports whether the close succeeded (a flush can fail here).
  bool Close() {
    bool ok = true;
    if (id_ >= 0 && closer_ != nullptr) ok = closer_(id_) >= 0;
    id_ = H5I_INVALID_HID;
    return ok;
  }
  void Reset() { Close(); }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*closer_)(hid_t) = nullptr;
};

// HDF5 prints its whole error stack to stderr by default; we report errors ourselves. The
// setting is per-thread library state, so it is (re)applied wherever we enter the library.
void SilenceHdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

herr_t CollectErrorDesc(unsigned n, const H5E_error2_t *err, void *client) {
  // Walking downward, the last entry is the innermost cause ("file signature not found").
  if (err->desc != nullptr && err->desc[0] != '\0')
    *static_cast<std::string *>(client) = err->desc;
  return 0;
}

// The innermost message on HDF5's error stack, as " (hdf5: ...)", or "".
std::string Hdf5Reason() {
  std::string desc;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, CollectErrorDesc, &desc);
  H5Eclear2(H5E_DEFAULT);
  return desc.empty() ? std::string() : " (hdf5: " + desc + ")";
}

std::string Where(const std::string &path, const std::string &key) {
  return key.empty() ? "'" + path + "'" : "key '" + key + "' in '" + path + "'";
}

// Splits "a/b/c" into components; rejects keys HDF5 could not store as we mean them.
std::vector<std::string> SplitKey(const std::string &path, const std::string &key) {
  std::vector<std::string> parts;
  if (key.empty()) VOX_ERR << "Empty key for HDF5 file '" << path << "'";
  size_t start = 0;
  while (true) {
    size_t slash = key.find('/', start);
    std::string part = key.substr(start, slash == std::string::npos ? slash : slash - start);
    if (part.empty() || part == "." || part == "..")
      VOX_ERR << "Invalid key '" << key << "' for HDF5 file '" << path
              << "': components separated by '/' must be non-empty and not '.' or '..'";
    parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

H5Type TypeOf(hid_t type) {
  H5T_class_t cls = H5Tget_class(type);
  size_t size = H5Tget_size(type);
  if (cls == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_2) {
    if (size == 2) return H5Type::kInt16;
    if (size == 4) return H5Type::kInt32;
  }
  if (cls == H5T_FLOAT) {
    if (size == 4) return H5Type::kFloat32;
    if (size == 8) return H5Type::kFloat64;
  }
  return H5Type::kOther;
}

// Makes an out-of-range or NaN value in a conversion an error instead of HDF5's default
// (silently clipping to the target range).
H5T_conv_ret_t AbortOnRangeError(H5T_conv_except_t except, hid_t, hid_t, void *, void *,
                                 void *) {
  if (except == H5T_CONV_EXCEPT_RANGE_HI || except == H5T_CONV_EXCEPT_RANGE_LOW ||
      except == H5T_CONV_EXCEPT_NAN)
    return H5T_CONV_ABORT;
  return H5T_CONV_UNHANDLED;
}

// Chunk shape: whole trailing dimensions while they fit in kChunkElements, then as much of
// the next dimension as fits, split into equal parts: HDF5 stores an edge chunk at full
// size, so a [900, 80] matrix cut as 819 + 81 rows would take 1638 rows on disk; 450 + 450
// takes 900. A mono waveform of 100000 samples gets two chunks of 50000.
std::vector<hsize_t> ChunkShape(const std::vector<int64_t> &shape) {
  std::vector<hsize_t> chunk(shape.size());
  int64_t product = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    int64_t room = std::max<int64_t>(1, kChunkElements / product);
    int64_t size = shape[i];
    if (size > room) {
      int64_t num_parts = (size + room - 1) / room;
      size = (shape[i] + num_parts - 1) / num_parts;
    }
    chunk[i] = static_cast<hsize_t>(size);
    product *= size;
  }
  return chunk;
}

herr_t CloseProps(hid_t id) { return H5Pclose(id); }
herr_t CloseGroup(hid_t id) { return H5Gclose(id); }
herr_t CloseDataset(hid_t id) { return H5Dclose(id); }
herr_t CloseSpace(hid_t id) { return H5Sclose(id); }
herr_t CloseType(hid_t id) { return H5Tclose(id); }
herr_t CloseAttr(hid_t id) { return H5Aclose(id); }
herr_t CloseObject(hid_t id) { return H5Oclose(id); }
herr_t CloseFile(hid_t id) { return H5Fclose(id); }

// Group creation properties: track and index link creation order, so that iteration can
// return keys in the order they were written.
Handle OrderedGroupProps() {
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), CloseProps);
  if (!gcpl.valid() ||
      H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0)
    VOX_ERR << "HDF5: cannot make group creation properties" << Hdf5Reason();
  return gcpl;
}

// File access properties. For writing, objects use the HDF5 1.10 file format: its chunk
// indexes cost a few hundred bytes per dataset where the 1.8 format's B-tree costs ~2 KB,
// which for a table of 256-dim embeddings is 2.5x the data. Any HDF5 >= 1.10 (2016; every
// h5py wheel since) reads it.
Handle FileAccessProps(bool for_writing) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), CloseProps);
  if (!fapl.valid() ||
      (for_writing && H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_LATEST) < 0))
    VOX_ERR << "HDF5: cannot make file access properties" << Hdf5Reason();
  return fapl;
}

struct IterState {
  std::string prefix;
  std::vector<std::pair<std::string, bool>> children;  // (name, is_group)
};

herr_t CollectChild(hid_t group, const char *name, const H5L_info_t *info, void *client) {
  if (info->type != H5L_TYPE_HARD) return 0;  // soft/external links are not our datasets
  Handle obj(H5Oopen(group, name, H5P_DEFAULT), CloseObject);
  if (!obj.valid()) return -1;
  H5I_type_t type = H5Iget_type(obj.get());
  auto *state = static_cast<IterState *>(client);
  if (type == H5I_GROUP) state->children.emplace_back(name, true);
  else if (type == H5I_DATASET) state->children.emplace_back(name, false);
  return 0;
}

// Appends the dataset keys under group `prefix` ("" = root) to *keys, depth-first: a
// subgroup's datasets come where the subgroup itself sits in its parent's order. Recursion
// depth is the nesting depth of the keys, which is small.
void ListGroup(hid_t file, const std::string &path, const std::string &prefix,
               std::vector<std::string> *keys) {
  Handle group(H5Gopen2(file, prefix.empty() ? "/" : prefix.c_str(), H5P_DEFAULT), CloseGroup);
  if (!group.valid()) VOX_ERR << "Cannot open group " << Where(path, prefix) << Hdf5Reason();
  // Creation order only where the group indexes it (files written by other programs usually
  // do not); otherwise name order.
  H5_index_t index = H5_INDEX_NAME;
  Handle gcpl(H5Gget_create_plist(group.get()), CloseProps);
  unsigned order_flags = 0;
  if (gcpl.valid() && H5Pget_link_creation_order(gcpl.get(), &order_flags) >= 0 &&
      (order_flags & H5P_CRT_ORDER_INDEXED))
    index = H5_INDEX_CRT_ORDER;
  IterState state;
  hsize_t idx = 0;
  if (H5Literate(group.get(), index, H5_ITER_INC, &idx, CollectChild, &state) < 0)
    VOX_ERR << "Cannot list group " << Where(path, prefix) << Hdf5Reason();
  group.Reset();
  for (const auto &child : state.children) {
    std::string full = prefix.empty() ? child.first : prefix + "/" + child.first;
    if (child.second) {
      ListGroup(file, path, full, keys);
    } else {
      keys->push_back(full);
    }
  }
}

}  // namespace

struct H5File::Impl {
  Handle file;
  Mode mode = Mode::kRead;
  int compression = 0;

  // Opens the object at `key` ("" = root); an invalid handle if it does not exist.
  Handle OpenObject(const std::string &path, const std::string &key) const {
    if (key.empty()) return Handle(H5Oopen(file.get(), "/", H5P_DEFAULT), CloseObject);
    std::vector<std::string> parts = SplitKey(path, key);
    std::string sub;
    for (const std::string &part : parts) {
      sub += (sub.empty() ? "" : "/") + part;
      htri_t exists = H5Lexists(file.get(), sub.c_str(), H5P_DEFAULT);
      if (exists <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return Handle();
      }
    }
    return Handle(H5Oopen(file.get(), key.c_str(), H5P_DEFAULT), CloseObject);
  }

  // The object an attribute belongs to ("" = root), or throws.
  Handle AttributeOwner(const std::string &path, const std::string &key) const {
    Handle obj = OpenObject(path, key);
    if (!obj.valid()) VOX_ERR << "No dataset or group for " << Where(path, key);
    return obj;
  }

  Handle OpenDataset(const std::string &path, const std::string &key) const {
    Handle obj = OpenObject(path, key);
    if (!obj.valid() || H5Iget_type(obj.get()) != H5I_DATASET)
      VOX_ERR << "No dataset for " << Where(path, key);
    return Handle(H5Dopen2(file.get(), key.c_str(), H5P_DEFAULT), CloseDataset);
  }

  // Opens or creates every group on the way to `parts` minus the last component.
  Handle ParentGroup(const std::string &path, const std::string &key,
                     const std::vector<std::string> &parts) {
    Handle group(H5Gopen2(file.get(), "/", H5P_DEFAULT), CloseGroup);
    if (!group.valid()) VOX_ERR << "Cannot open root group of '" << path << "'" << Hdf5Reason();
    for (size_t i = 0; i + 1 < parts.size(); i++) {
      const char *name = parts[i].c_str();
      htri_t exists = H5Lexists(group.get(), name, H5P_DEFAULT);
      Handle next;
      if (exists > 0) {
        next = Handle(H5Gopen2(group.get(), name, H5P_DEFAULT), CloseGroup);
        if (!next.valid())
          VOX_ERR << "Cannot write " << Where(path, key) << ": '" << parts[i]
                  << "' exists and is not a group" << Hdf5Reason();
      } else {
        Handle gcpl = OrderedGroupProps();
        next = Handle(H5Gcreate2(group.get(), name, H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                      CloseGroup);
        if (!next.valid())
          VOX_ERR << "Cannot create group '" << parts[i] << "' for " << Where(path, key)
                  << Hdf5Reason();
      }
      group = std::move(next);
    }
    return group;
  }

  void Write(const std::string &path, const std::string &key, const std::vector<int64_t> &shape,
             hid_t file_type, hid_t mem_type, const void *data) {
    SilenceHdf5();
    if (mode == Mode::kRead) VOX_ERR << "Cannot write " << Where(path, key) << ": opened read-only";
    if (shape.size() > static_cast<size_t>(kMaxRank))
      VOX_ERR << "Cannot write " << Where(path, key) << ": rank " << shape.size()
              << " > " << kMaxRank;
    int64_t num_elements = 1;
    std::vector<hsize_t> dims(shape.size());
    for (size_t i = 0; i < shape.size(); i++) {
      if (shape[i] < 0)
        VOX_ERR << "Cannot write " << Where(path, key) << ": negative dimension " << shape[i];
      dims[i] = static_cast<hsize_t>(shape[i]);
      num_elements *= shape[i];
    }
    std::vector<std::string> parts = SplitKey(path, key);
    Handle parent = ParentGroup(path, key, parts);
    const char *name = parts.back().c_str();
    if (H5Lexists(parent.get(), name, H5P_DEFAULT) > 0)
      VOX_ERR << "Cannot write " << Where(path, key) << ": the key already exists";

    Handle space(shape.empty() ? H5Screate(H5S_SCALAR)
                               : H5Screate_simple(static_cast<int>(dims.size()), dims.data(),
                                                  nullptr),
                 CloseSpace);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), CloseProps);
    if (!space.valid() || !dcpl.valid())
      VOX_ERR << "Cannot write " << Where(path, key) << Hdf5Reason();
    // Scalars cannot be chunked, and a chunk cannot span a zero-size dimension: both are
    // stored contiguously (there is nothing to compress in them anyway). Byte shuffle before
    // gzip groups the slowly varying high bytes: measured on the fixture speech (int16) the
    // file shrinks 27% instead of 18%, on random float32 features 13% instead of 7%.
    if (!shape.empty() && num_elements > 0) {
      std::vector<hsize_t> chunk = ChunkShape(shape);
      if (H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()) < 0 ||
          (compression > 0 && (H5Pset_shuffle(dcpl.get()) < 0 ||
                               H5Pset_deflate(dcpl.get(), compression) < 0)))
        VOX_ERR << "Cannot set storage properties for " << Where(path, key) << Hdf5Reason();
    }
    Handle dset(H5Dcreate2(parent.get(), name, file_type, space.get(), H5P_DEFAULT, dcpl.get(),
                           H5P_DEFAULT),
                CloseDataset);
    if (!dset.valid()) VOX_ERR << "Cannot create dataset " << Where(path, key) << Hdf5Reason();
    if (num_elements > 0 &&
        H5Dwrite(dset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
      VOX_ERR << "Cannot write dataset " << Where(path, key) << Hdf5Reason();
    if (!dset.Close()) VOX_ERR << "Cannot write dataset " << Where(path, key) << Hdf5Reason();
  }

  // Reads the dataset's shape, then the data converted to mem_type into the buffer that
  // `resize(n)` returns.
  template <typename T>
  void Read(const std::string &path, const std::string &key, hid_t mem_type,
            std::vector<int64_t> *shape, std::vector<T> *data) const {
    SilenceHdf5();
    Handle dset = OpenDataset(path, key);
    if (!dset.valid()) VOX_ERR << "Cannot open dataset " << Where(path, key) << Hdf5Reason();
    Handle space(H5Dget_space(dset.get()), CloseSpace);
    int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0 || rank > 32) VOX_ERR << "Bad dataspace for " << Where(path, key) << Hdf5Reason();
    std::vector<hsize_t> dims(rank);
    if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    if (H5Sget_simple_extent_type(space.get()) == H5S_NULL)
      VOX_ERR << "Dataset " << Where(path, key) << " has no data (null dataspace)";
    shape->assign(dims.begin(), dims.end());
    int64_t num_elements = 1;
    for (hsize_t d : dims) num_elements *= static_cast<int64_t>(d);
    data->resize(num_elements);
    if (num_elements == 0) return;
    Handle file_type(H5Dget_type(dset.get()), CloseType);
    if (std::is_integral<T>::value && H5Tget_class(file_type.get()) == H5T_FLOAT) {
      // HDF5's float-to-integer conversion turns NaN into 0 without telling the exception
      // callback, so this case goes through double and is checked here. Fractions are
      // truncated, as HDF5 (and a C cast) would.
      std::vector<double> tmp;
      std::vector<int64_t> tmp_shape;
      Read(path, key, H5T_NATIVE_DOUBLE, &tmp_shape, &tmp);
      for (int64_t i = 0; i < num_elements; i++) {
        double v = std::trunc(tmp[i]);
        if (!(v >= static_cast<double>(std::numeric_limits<T>::min()) &&
              v <= static_cast<double>(std::numeric_limits<T>::max())))
          VOX_ERR << "Cannot read dataset " << Where(path, key) << ": element " << i << " ("
                  << tmp[i] << ") is out of range for the requested integer type";
        (*data)[i] = static_cast<T>(v);
      }
      return;
    }
    Handle dxpl(H5Pcreate(H5P_DATASET_XFER), CloseProps);
    if (!dxpl.valid() || H5Pset_type_conv_cb(dxpl.get(), AbortOnRangeError, nullptr) < 0)
      VOX_ERR << "HDF5: cannot make transfer properties" << Hdf5Reason();
    if (H5Dread(dset.get(), mem_type, H5S_ALL, H5S_ALL, dxpl.get(), data->data()) < 0)
      VOX_ERR << "Cannot read dataset " << Where(path, key)
              << " (a value out of range for the requested type, or a non-numeric dataset)"
              << Hdf5Reason();
  }
};

H5File::H5File(const std::string &path, Mode mode) : impl_(new Impl), path_(path) {
  SilenceHdf5();
  impl_->mode = mode;
  struct stat st;
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (mode == Mode::kRead || (mode == Mode::kReadWrite && exists)) {
    if (!exists) VOX_ERR << "Cannot open HDF5 file '" << path << "': no such file";
    htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
    if (is_hdf5 == 0) VOX_ERR << "Cannot open '" << path << "': not an HDF5 file";
    if (is_hdf5 < 0) VOX_ERR << "Cannot open HDF5 file '" << path << "'" << Hdf5Reason();
    unsigned flags = mode == Mode::kRead ? H5F_ACC_RDONLY : H5F_ACC_RDWR;
    Handle fapl = FileAccessProps(mode != Mode::kRead);
    impl_->file = Handle(H5Fopen(path.c_str(), flags, fapl.get()), CloseFile);
    if (!impl_->file.valid())
      VOX_ERR << "Cannot open HDF5 file '" << path << "'" << Hdf5Reason();
  } else {
    // The root group gets the same creation-order tracking as every group we create.
    Handle fcpl(H5Pcreate(H5P_FILE_CREATE), CloseProps);
    if (!fcpl.valid() ||
        H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0)
      VOX_ERR << "HDF5: cannot make file creation properties" << Hdf5Reason();
    Handle fapl = FileAccessProps(true);
    impl_->file = Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()),
                         CloseFile);
    if (!impl_->file.valid())
      VOX_ERR << "Cannot create HDF5 file '" << path << "'" << Hdf5Reason();
  }
}

H5File::~H5File() {
  SilenceHdf5();
  impl_->file.Reset();
}

void H5File::Close() {
  SilenceHdf5();
  if (!impl_->file.valid()) return;
  if (impl_->mode != Mode::kRead && H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL) < 0) {
    std::string reason = Hdf5Reason();
    impl_->file.Reset();
    VOX_ERR << "Cannot flush HDF5 file '" << path_ << "'" << reason;
  }
  if (!impl_->file.Close()) VOX_ERR << "Cannot close HDF5 file '" << path_ << "'" << Hdf5Reason();
}

void H5File::SetCompression(int level) {
  if (level < 0 || level > 9)
    VOX_ERR << "HDF5 gzip compression level must be 0..9, got " << level;
  impl_->compression = level;
}

std::vector<std::string> H5File::ListDatasets() const {
  SilenceHdf5();
  std::vector<std::string> keys;
  ListGroup(impl_->file.get(), path_, "", &keys);
  return keys;
}

bool H5File::HasDataset(const std::string &key) const {
  SilenceHdf5();
  Handle obj = impl_->OpenObject(path_, key);
  return obj.valid() && H5Iget_type(obj.get()) == H5I_DATASET;
}

H5DatasetInfo H5File::Info(const std::string &key) const {
  SilenceHdf5();
  Handle dset = impl_->OpenDataset(path_, key);
  Handle space(H5Dget_space(dset.get()), CloseSpace);
  Handle type(H5Dget_type(dset.get()), CloseType);
  if (!dset.valid() || !space.valid() || !type.valid())
    VOX_ERR << "Cannot inspect dataset " << Where(path_, key) << Hdf5Reason();
  int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) VOX_ERR << "Bad dataspace for " << Where(path_, key) << Hdf5Reason();
  std::vector<hsize_t> dims(rank);
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  H5DatasetInfo info;
  info.shape.assign(dims.begin(), dims.end());
  info.type = TypeOf(type.get());
  return info;
}

void H5File::Write(const std::string &key, const std::vector<int64_t> &shape,
                   const int16_t *data) {
  impl_->Write(path_, key, shape, H5T_STD_I16LE, H5T_NATIVE_INT16, data);
}
void H5File::Write(const std::string &key, const std::vector<int64_t> &shape,
                   const int32_t *data) {
  impl_->Write(path_, key, shape, H5T_STD_I32LE, H5T_NATIVE_INT32, data);
}
void H5File::Write(const std::string &key, const std::vector<int64_t> &shape, const float *data) {
  impl_->Write(path_, key, shape, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data);
}
void H5File::Write(const std::string &key, const std::vector<int64_t> &shape, const double *data) {
  impl_->Write(path_, key, shape, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data);
}

void H5File::Read(const std::string &key, std::vector<int64_t> *shape,
                  std::vector<int16_t> *data) const {
  impl_->Read(path_, key, H5T_NATIVE_INT16, shape, data);
}
void H5File::Read(const std::string &key, std::vector<int64_t> *shape,
                  std::vector<int32_t> *data) const {
  impl_->Read(path_, key, H5T_NATIVE_INT32, shape, data);
}
void H5File::Read(const std::string &key, std::vector<int64_t> *shape,
                  std::vector<float> *data) const {
  impl_->Read(path_, key, H5T_NATIVE_FLOAT, shape, data);
}
void H5File::Read(const std::string &key, std::vector<int64_t> *shape,
                  std::vector<double> *data) const {
  impl_->Read(path_, key, H5T_NATIVE_DOUBLE, shape, data);
}

namespace {

// Creates attribute `name` on obj (removing an old one of that name) with the given type.
Handle NewAttribute(hid_t obj, const std::string &path, const std::string &key,
                    const std::string &name, hid_t type) {
  htri_t exists = H5Aexists(obj, name.c_str());
  if (exists > 0 && H5Adelete(obj, name.c_str()) < 0)
    VOX_ERR << "Cannot replace attribute '" << name << "' of " << Where(path, key)
            << Hdf5Reason();
  Handle space(H5Screate(H5S_SCALAR), CloseSpace);
  Handle attr(H5Acreate2(obj, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
              CloseAttr);
  if (!attr.valid())
    VOX_ERR << "Cannot create attribute '" << name << "' of " << Where(path, key) << Hdf5Reason();
  return attr;
}

// Opens attribute `name` of obj; invalid if absent. A non-scalar attribute must hold exactly
// one element to be read as a single value.
Handle FindAttribute(hid_t obj, const std::string &path, const std::string &key,
                     const std::string &name) {
  if (H5Aexists(obj, name.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return Handle();
  }
  Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), CloseAttr);
  Handle space(H5Aget_space(attr.get()), CloseSpace);
  if (!attr.valid() || !space.valid())
    VOX_ERR << "Cannot open attribute '" << name << "' of " << Where(path, key) << Hdf5Reason();
  if (H5Sget_simple_extent_npoints(space.get()) != 1)
    VOX_ERR << "Attribute '" << name << "' of " << Where(path, key)
            << " holds more than one value";
  return attr;
}

}  // namespace

void H5File::SetAttribute(const std::string &key, const std::string &name, double value) {
  SilenceHdf5();
  if (impl_->mode == Mode::kRead) VOX_ERR << "Cannot write to read-only " << Where(path_, key);
  Handle obj = impl_->AttributeOwner(path_, key);
  Handle attr = NewAttribute(obj.get(), path_, key, name, H5T_IEEE_F64LE);
  if (H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0)
    VOX_ERR << "Cannot write attribute '" << name << "' of " << Where(path_, key)
            << Hdf5Reason();
}

void H5File::SetAttribute(const std::string &key, const std::string &name,
                          const std::string &value) {
  SilenceHdf5();
  if (impl_->mode == Mode::kRead) VOX_ERR << "Cannot write to read-only " << Where(path_, key);
  Handle obj = impl_->AttributeOwner(path_, key);
  // Variable-length UTF-8: h5py reads it as a Python str.
  Handle type(H5Tcopy(H5T_C_S1), CloseType);
  if (!type.valid() || H5Tset_size(type.get(), H5T_VARIABLE) < 0 ||
      H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
    VOX_ERR << "HDF5: cannot make a string type" << Hdf5Reason();
  Handle attr = NewAttribute(obj.get(), path_, key, name, type.get());
  const char *ptr = value.c_str();
  if (H5Awrite(attr.get(), type.get(), &ptr) < 0)
    VOX_ERR << "Cannot write attribute '" << name << "' of " << Where(path_, key)
            << Hdf5Reason();
}

bool H5File::GetAttribute(const std::string &key, const std::string &name, double *value) const {
  SilenceHdf5();
  Handle obj = impl_->AttributeOwner(path_, key);
  Handle attr = FindAttribute(obj.get(), path_, key, name);
  if (!attr.valid()) return false;
  Handle type(H5Aget_type(attr.get()), CloseType);
  H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    VOX_ERR << "Attribute '" << name << "' of " << Where(path_, key) << " is not a number";
  if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, value) < 0)
    VOX_ERR << "Cannot read attribute '" << name << "' of " << Where(path_, key)
            << Hdf5Reason();
  return true;
}

bool H5File::GetAttribute(const std::string &key, const std::string &name,
                          std::string *value) const {
  SilenceHdf5();
  Handle obj = impl_->AttributeOwner(path_, key);
  Handle attr = FindAttribute(obj.get(), path_, key, name);
  if (!attr.valid()) return false;
  Handle type(H5Aget_type(attr.get()), CloseType);
  if (H5Tget_class(type.get()) != H5T_STRING)
    VOX_ERR << "Attribute '" << name << "' of " << Where(path_, key) << " is not a string";
  if (H5Tis_variable_str(type.get()) > 0) {
    // Read through a variable-length memory type of the same character set.
    Handle mem_type(H5Tcopy(H5T_C_S1), CloseType);
    H5Tset_size(mem_type.get(), H5T_VARIABLE);
    H5Tset_cset(mem_type.get(), H5Tget_cset(type.get()));
    char *ptr = nullptr;
    if (H5Aread(attr.get(), mem_type.get(), &ptr) < 0)
      VOX_ERR << "Cannot read attribute '" << name << "' of " << Where(path_, key)
              << Hdf5Reason();
    value->assign(ptr != nullptr ? ptr : "");
    H5free_memory(ptr);
  } else {
    // Fixed length: read the raw bytes (memory type = file type), then drop the padding.
    size_t size = H5Tget_size(type.get());
    std::vector<char> buf(size + 1, '\0');
    if (H5Aread(attr.get(), type.get(), buf.data()) < 0)
      VOX_ERR << "Cannot read attribute '" << name << "' of " << Where(path_, key)
              << Hdf5Reason();
    size_t len = strnlen(buf.data(), size);
    if (H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD)
      while (len > 0 && buf[len - 1] == ' ') len--;
    value->assign(buf.data(), len);
  }
  return true;
}

}  // namespace voxtools
