// Converts stored voxel bytes of any supported datatype and byte order to float32, applying
// scl_slope / scl_inter. On disk NIfTI stores i fastest, then j, then k, which is exactly the
// C-order (row-major) layout of an array indexed [k][j][i]: no transpose is needed.

enum VoxelDecoder {
  /// Decodes `bytes` (exactly count · datatype.byteSize bytes) to `count` floats.
  /// Scaling, when present, is computed in float64 and rounded once to float32.
  static func decode(
    _ bytes: UnsafeRawBufferPointer, count: Int, datatype: NIfTIDataType, order: ByteOrder,
    scaling: (slope: Double, intercept: Double)?
  ) -> [Float] {
    let swap = order != ByteOrder.host
    return [Float](unsafeUninitializedCapacity: count) { output, initialized in
      switch datatype {
      case .uint8: convert(bytes, UInt8.self, swap, output, scaling) { Double($0) }
      case .int8: convert(bytes, Int8.self, swap, output, scaling) { Double($0) }
      case .int16: convert(bytes, Int16.self, swap, output, scaling) { Double($0) }
      case .uint16: convert(bytes, UInt16.self, swap, output, scaling) { Double($0) }
      case .int32: convert(bytes, Int32.self, swap, output, scaling) { Double($0) }
      case .uint32: convert(bytes, UInt32.self, swap, output, scaling) { Double($0) }
      case .int64: convert(bytes, Int64.self, swap, output, scaling) { Double($0) }
      case .uint64: convert(bytes, UInt64.self, swap, output, scaling) { Double($0) }
      case .float32: convert(bytes, UInt32.self, swap, output, scaling) { Double(Float(bitPattern: $0)) }
      case .float64: convert(bytes, UInt64.self, swap, output, scaling) { Double(bitPattern: $0) }
      }
      initialized = count
    }
  }

  /// Loads each stored word, fixes its byte order, maps it to a Double and scales it.
  @inline(__always)
  private static func convert<Stored: FixedWidthInteger>(
    _ bytes: UnsafeRawBufferPointer, _ type: Stored.Type, _ swap: Bool,
    _ output: UnsafeMutableBufferPointer<Float>, _ scaling: (slope: Double, intercept: Double)?,
    _ value: (Stored) -> Double
  ) {
    let size = MemoryLayout<Stored>.size
    let slope = scaling?.slope ?? 1
    let intercept = scaling?.intercept ?? 0
    let scaled = scaling != nil
    for index in 0..<output.count {
      var word = bytes.loadUnaligned(fromByteOffset: index * size, as: Stored.self)
      if swap { word = word.byteSwapped }
      let real = value(word)
      output[index] = Float(scaled ? real * slope + intercept : real)
    }
  }

  /// Number of NaN or infinite values.
  static func nonFiniteCount(_ values: [Float]) -> Int {
    values.withUnsafeBufferPointer { buffer in
      var count = 0
      for value in buffer where !value.isFinite { count += 1 }
      return count
    }
  }
}
