// Turns tensor references (strided views of storages) into dense row-major float Tensors.
// Contiguous float32 little-endian tensors are read from the file straight into the tensor's own
// storage (no intermediate copy); other element types are converted in bounded chunks; non-contiguous
// views read the covered span once and gather it. Every index is bounds- and overflow-checked
// against the storage, and the total number of elements produced is capped by a budget derived
// from the file size, so hostile views cannot allocate without bound.
import Archive
import TensorCore

struct TensorMaterializer {
  let resolver: StorageResolver
  let file: String
  /// Elements that may still be produced.
  var budget: Int

  mutating func materialize(_ reference: TensorReference, name: String) throws -> Tensor {
    guard let kind = reference.kind else {
      throw CheckpointError.unsupportedTensor(
        file: file, name: name, reason: "storage type \(reference.storage.typeName) is not supported")
    }
    let shape = reference.shape
    let strides = reference.strides
    guard shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
      throw CheckpointError.invalidTensor(file: file, name: name, reason: "negative size or stride")
    }
    guard let count = Tensor.checkedElementCount(shape) else {
      throw CheckpointError.invalidTensor(file: file, name: name, reason: "shape \(shape) overflows")
    }
    let dtype: DType = [.float32, .float64, .float16, .bfloat16].contains(kind) ? .f32 : kind.tensorDType
    if count == 0 { return try Tensor(validatingShape: shape, data: [], dtype: dtype) }
    guard count <= budget else {
      throw CheckpointError.limitExceeded(
        file: file, what: "tensor '\(name)' (\(count) elements) would exceed what the file's size can hold")
    }
    budget -= count

    // Highest storage element the view touches.
    var last = reference.storageOffset
    for (size, stride) in zip(shape, strides) {
      let (step, overflow1) = (size - 1).multipliedReportingOverflow(by: stride)
      let (sum, overflow2) = last.addingReportingOverflow(step)
      guard !overflow1, !overflow2 else {
        throw CheckpointError.invalidTensor(file: file, name: name, reason: "strides overflow")
      }
      last = sum
    }
    let storage = reference.storage
    guard last < storage.elementCount else {
      throw CheckpointError.invalidTensor(
        file: file, name: name,
        reason: "view (offset \(reference.storageOffset), shape \(shape), strides \(strides)) reaches element \(last) of a \(storage.elementCount)-element storage")
    }
    let location = try resolver.locate(storage)
    let (neededBytes, overflow) = (last + 1).multipliedReportingOverflow(by: kind.byteSize)
    guard !overflow, neededBytes <= location.availableBytes else {
      throw CheckpointError.invalidTensor(
        file: file, name: name,
        reason: "storage '\(storage.key)' holds \(location.availableBytes) bytes but the tensor needs \(neededBytes)")
    }
    let start = location.byteOffset + reference.storageOffset * kind.byteSize
    let data: [Float]
    if isContiguous(shape: shape, strides: strides) {
      data = try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        try NumpyFile.readElements(
          from: location.source, at: start, kind: kind, bigEndian: location.bigEndian, into: buffer)
        initialized = count
      }
    } else {
      let span = last - reference.storageOffset + 1
      let covered = try [Float](unsafeUninitializedCapacity: span) { buffer, initialized in
        try NumpyFile.readElements(
          from: location.source, at: start, kind: kind, bigEndian: location.bigEndian, into: buffer)
        initialized = span
      }
      data = gather(covered, shape: shape, strides: strides, count: count)
    }
    return try Tensor(validatingShape: shape, data: data, dtype: dtype)
  }

  /// Row-major contiguity, ignoring the strides of size-1 axes.
  func isContiguous(shape: [Int], strides: [Int]) -> Bool {
    var expected = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] != 1 {
      if strides[axis] != expected { return false }
      expected *= shape[axis]
    }
    return true
  }

  /// Copies the strided view out of `covered` (which starts at the view's first element).
  func gather(_ covered: [Float], shape: [Int], strides: [Int], count: Int) -> [Float] {
    let rank = shape.count
    let inner = shape[rank - 1]
    let innerStride = strides[rank - 1]
    var index = [Int](repeating: 0, count: rank)
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      covered.withUnsafeBufferPointer { source in
        var written = 0
        while written < count {
          var base = 0
          for axis in 0..<rank - 1 { base += index[axis] * strides[axis] }
          for k in 0..<inner { out[written + k] = source[base + k * innerStride] }
          written += inner
          var axis = rank - 2
          while axis >= 0 {
            index[axis] += 1
            if index[axis] < shape[axis] { break }
            index[axis] = 0
            axis -= 1
          }
          if axis < 0 { break }
        }
      }
      initialized = count
    }
  }
}
