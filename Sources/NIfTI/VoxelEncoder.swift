// Converts float32 voxel values to the stored bytes of an output datatype, in a given byte order.
// Integer types accept only whole numbers inside their range: a label that does not fit is an
// error, never silently wrapped or rounded.

enum VoxelEncoder {
  /// Appends the encoded values to `output`.
  static func encode(
    _ values: UnsafeBufferPointer<Float>, as datatype: NIfTIDataType, order: ByteOrder,
    into output: inout [UInt8], path: String
  ) throws {
    let swap = order != ByteOrder.host
    let start = output.count
    output.append(contentsOf: repeatElement(0, count: values.count * datatype.byteSize))
    try output.withUnsafeMutableBytes { all in
      let target = UnsafeMutableRawBufferPointer(rebasing: all[start...])
      switch datatype {
      case .uint8: try store(values, target, UInt8.self, swap, datatype, path) { UInt8($0) }
      case .int8: try store(values, target, Int8.self, swap, datatype, path) { Int8($0) }
      case .int16: try store(values, target, Int16.self, swap, datatype, path) { Int16($0) }
      case .uint16: try store(values, target, UInt16.self, swap, datatype, path) { UInt16($0) }
      case .int32: try store(values, target, Int32.self, swap, datatype, path) { Int32($0) }
      case .uint32: try store(values, target, UInt32.self, swap, datatype, path) { UInt32($0) }
      case .int64: try store(values, target, Int64.self, swap, datatype, path) { Int64($0) }
      case .uint64: try store(values, target, UInt64.self, swap, datatype, path) { UInt64($0) }
      case .float32: try store(values, target, UInt32.self, swap, datatype, path) { $0.bitPattern }
      case .float64: try store(values, target, UInt64.self, swap, datatype, path) { Double($0).bitPattern }
      }
    }
  }

  @inline(__always)
  private static func store<Stored: FixedWidthInteger>(
    _ values: UnsafeBufferPointer<Float>, _ target: UnsafeMutableRawBufferPointer, _ type: Stored.Type,
    _ swap: Bool, _ datatype: NIfTIDataType, _ path: String, _ convert: (Float) -> Stored
  ) throws {
    let size = MemoryLayout<Stored>.size
    let range = datatype.integerRange
    for index in 0..<values.count {
      let value = values[index]
      if let range, !(value.rounded() == value && range.contains(Double(value))) {
        throw NIfTIError.valueNotRepresentable(path: path, value: value, flatIndex: index, datatype: datatype.name)
      }
      var word = convert(value)
      if swap { word = word.byteSwapped }
      target.storeBytes(of: word, toByteOffset: index * size, as: Stored.self)
    }
  }
}
