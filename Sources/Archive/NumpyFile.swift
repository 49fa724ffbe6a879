// Reading and writing single NumPy .npy arrays as Tensors. Reads place float32 little-endian data
// directly into the tensor's storage; other dtypes are converted in bounded chunks; Fortran-order
// arrays are transposed to C order. Writes stream the data (no second copy) and are atomic.
import Foundation
import TensorCore

public enum NumpyFile {
  static let chunkElements = 1 << 18

  public static func read(_ url: URL) throws -> Tensor {
    try read(from: FileBytes(url: url))
  }

  public static func read(from source: RandomAccessBytes) throws -> Tensor {
    let header = try NumpyHeader.read(from: source)
    guard let count = Tensor.checkedElementCount(header.shape) else {
      throw ArchiveError.invalidNumpyFile(file: source.name, reason: "shape \(header.shape) overflows")
    }
    let (byteCount, overflow) = count.multipliedReportingOverflow(by: header.kind.byteSize)
    guard !overflow, byteCount <= source.count - header.dataOffset else {
      throw ArchiveError.unexpectedEnd(
        file: source.name, context: "array data of shape \(header.shape) (\(header.kind.rawValue))",
        offset: header.dataOffset, needed: overflow ? Int.max : byteCount,
        available: source.count - header.dataOffset)
    }
    var data = try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      try readElements(
        from: source, at: header.dataOffset, kind: header.kind, bigEndian: header.bigEndian, into: buffer)
      initialized = count
    }
    if header.fortranOrder, header.shape.count > 1 {
      data = fortranToC(data, shape: header.shape)
    }
    return try Tensor(validatingShape: header.shape, data: data, dtype: header.kind.tensorDType)
  }

  /// Reads `destination.count` elements of `kind` starting at byte `offset` and converts them to Float.
  public static func readElements(
    from source: RandomAccessBytes, at offset: Int, kind: ElementKind, bigEndian: Bool,
    into destination: UnsafeMutableBufferPointer<Float>
  ) throws {
    let count = destination.count
    if kind == .float32, !bigEndian, 1.littleEndian == 1 {
      try source.read(at: offset, into: UnsafeMutableRawBufferPointer(destination))
      return
    }
    let chunk = min(count, chunkElements)
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunk, 1) * kind.byteSize, alignment: 16)
    defer { scratch.deallocate() }
    var done = 0
    while done < count {
      let take = min(chunk, count - done)
      let bytes = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<take * kind.byteSize])
      try source.read(at: offset + done * kind.byteSize, into: bytes)
      ElementConversion.decode(
        kind, from: UnsafeRawBufferPointer(bytes), count: take, bigEndian: bigEndian,
        into: UnsafeMutableBufferPointer(rebasing: destination[done..<done + take]))
      done += take
    }
  }

  /// Reorders a column-major array of `shape` into row-major order.
  static func fortranToC(_ data: [Float], shape: [Int]) -> [Float] {
    let rank = shape.count
    var fortranStrides = [Int](repeating: 1, count: rank)
    for axis in 1..<rank { fortranStrides[axis] = fortranStrides[axis - 1] * shape[axis - 1] }
    let inner = shape[rank - 1]
    let innerStride = fortranStrides[rank - 1]
    var index = [Int](repeating: 0, count: rank)
    return [Float](unsafeUninitializedCapacity: data.count) { out, initialized in
      data.withUnsafeBufferPointer { source in
        var written = 0
        while written < data.count {
          var base = 0
          for axis in 0..<rank - 1 { base += index[axis] * fortranStrides[axis] }
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
      initialized = data.count
    }
  }

  /// Writes `tensor` as a C-order little-endian .npy (dtype from `tensor.dtype`: f32 <f4, f16 <f2,
  /// i64 <i8, i32 <i4, u8 |u1), atomically (temporary file + rename).
  public static func write(_ tensor: Tensor, to url: URL) throws {
    let writer = try AtomicFileWriter(destination: url)
    try write(tensor, to: writer)
    try writer.commit()
  }

  /// Streams the .npy encoding of `tensor` into `sink`.
  public static func write(_ tensor: Tensor, to sink: ByteSink) throws {
    try tensor.data.withUnsafeBufferPointer { values in
      try write(values, shape: tensor.shape, kind: ElementKind(writing: tensor.dtype), to: sink)
    }
  }

  /// Writes float32 `values` of `shape` as a .npy straight from memory the caller owns (a model's
  /// output buffer: no copy into a Tensor), atomically.
  public static func write(float32 values: UnsafeBufferPointer<Float>, shape: [Int], to url: URL) throws {
    guard Tensor.checkedElementCount(shape) == values.count else {
      throw ArchiveError.writeFailed(
        file: url.path, reason: "shape \(shape) does not describe the \(values.count) values given")
    }
    let writer = try AtomicFileWriter(destination: url)
    try write(values, shape: shape, kind: .float32, to: writer)
    try writer.commit()
  }

  private static func write(_ values: UnsafeBufferPointer<Float>, shape: [Int], kind: ElementKind, to sink: ByteSink) throws {
    try sink.write(NumpyHeader.encode(kind: kind, shape: shape))
    if kind == .float32, 1.littleEndian == 1 {
      try sink.write(UnsafeRawBufferPointer(values))
      return
    }
    let chunk = min(values.count, chunkElements)
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunk, 1) * kind.byteSize, alignment: 16)
    defer { scratch.deallocate() }
    var done = 0
    while done < values.count {
      let take = min(chunk, values.count - done)
      let bytes = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<take * kind.byteSize])
      ElementConversion.encode(UnsafeBufferPointer(rebasing: values[done..<done + take]), as: kind, into: bytes)
      try sink.write(UnsafeRawBufferPointer(bytes))
      done += take
    }
  }

  /// Size in bytes of the .npy encoding of `tensor`.
  public static func encodedSize(_ tensor: Tensor) -> Int {
    let kind = ElementKind(writing: tensor.dtype)
    return NumpyHeader.encode(kind: kind, shape: tensor.shape).count + tensor.count * kind.byteSize
  }
}
