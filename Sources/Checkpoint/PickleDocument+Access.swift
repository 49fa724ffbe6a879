// Read access to a decoded pickle: following node references, dictionary lookup, and conversions of
// plain and NumPy values (scalars, arrays) to Swift numbers. Every accessor returns nil for anything
// of another shape, so callers can walk untrusted documents without traps.
import Archive

extension PickleDocument {
  public func node(_ value: PickleValue) -> PickleNode? {
    guard case .node(let id) = value, id >= 0, id < nodes.count else { return nil }
    return nodes[id]
  }

  /// The dictionary behind `value` (a dict, or an object that received SETITEMS).
  public func dictionary(_ value: PickleValue) -> PickleDictionary? {
    switch node(value) {
    case .dict(let dictionary): return dictionary
    case .object(let object) where !object.dictItems.isEmpty:
      var dictionary = PickleDictionary()
      for (key, item) in object.dictItems { dictionary.set(key, item) }
      return dictionary
    default: return nil
    }
  }

  public func value(_ key: String, in value: PickleValue) -> PickleValue? {
    dictionary(value)?[key]
  }

  /// Follows a path of string keys through nested dictionaries.
  public func value(at path: [String], in value: PickleValue) -> PickleValue? {
    var current = value
    for key in path {
      guard let next = self.value(key, in: current) else { return nil }
      current = next
    }
    return current
  }

  /// Items of a tuple, list or set.
  public func items(_ value: PickleValue) -> [PickleValue]? {
    switch node(value) {
    case .tuple(let items), .list(let items), .set(let items, _): return items
    case .object(let object) where !object.listItems.isEmpty: return object.listItems
    default: return nil
    }
  }

  public func string(_ value: PickleValue) -> String? {
    if case .string(let text) = value { return text }
    return nil
  }

  /// An integer from a Python int/bool or a NumPy integer scalar.
  public func int(_ value: PickleValue) -> Int? {
    switch value {
    case .int(let number): return number
    case .bool(let flag): return flag ? 1 : 0
    default:
      guard let scalar = numpyValues(value), scalar.shape.isEmpty, let number = scalar.values.first,
        number == number.rounded(), abs(number) < 0x1p63
      else { return nil }
      return Int(number)
    }
  }

  /// A number from a Python int/float or a NumPy scalar.
  public func double(_ value: PickleValue) -> Double? {
    switch value {
    case .int(let number): return Double(number)
    case .float(let number): return number
    case .bool(let flag): return flag ? 1 : 0
    default:
      guard let scalar = numpyValues(value), scalar.shape.isEmpty else { return nil }
      return scalar.values.first
    }
  }

  /// Numbers of a list/tuple of numbers or of a 1-D NumPy array.
  public func doubles(_ value: PickleValue) -> [Double]? {
    if let items = items(value) {
      var result: [Double] = []
      for item in items {
        guard let number = double(item) else { return nil }
        result.append(number)
      }
      return result
    }
    guard let array = numpyValues(value), array.shape.count <= 1 else { return nil }
    return array.values
  }

  public func ints(_ value: PickleValue) -> [Int]? {
    guard let numbers = doubles(value), numbers.allSatisfy({ $0 == $0.rounded() && abs($0) < 0x1p63 }) else {
      return nil
    }
    return numbers.map { Int($0) }
  }

  /// A list of integer lists (e.g. pool_op_kernel_sizes), from nested lists or a 2-D NumPy array.
  public func intMatrix(_ value: PickleValue) -> [[Int]]? {
    if let rows = items(value) {
      var result: [[Int]] = []
      for row in rows {
        guard let numbers = ints(row) else { return nil }
        result.append(numbers)
      }
      return result
    }
    guard let array = numpyValues(value), array.shape.count == 2,
      array.values.allSatisfy({ $0 == $0.rounded() && abs($0) < 0x1p63 })
    else { return nil }
    let columns = array.shape[1]
    return (0..<array.shape[0]).map { row in (0..<columns).map { Int(array.values[row * columns + $0]) } }
  }

  /// The values of a NumPy scalar (`numpy.core.multiarray.scalar`) or array (`_reconstruct` + BUILD).
  public func numpyValues(_ value: PickleValue) -> (shape: [Int], values: [Double])? {
    guard case .object(let object) = node(value), let name = object.callableName else { return nil }
    if name.hasSuffix("multiarray.scalar"), object.arguments.count == 2,
      let dtype = numpyDType(object.arguments[0]), case .bytes(let raw) = object.arguments[1]
    {
      guard let values = NumpyRawValues.decode(raw, dtype: dtype, count: 1) else { return nil }
      return ([], values)
    }
    if name.hasSuffix("multiarray._reconstruct"), let state = object.state, let fields = items(state),
      fields.count == 5, let shape = ints(fields[1]), let dtype = numpyDType(fields[2]),
      case .bytes(let raw) = fields[4]
    {
      guard let count = shape.reduce(Optional(1), { partial, dim in
        partial.flatMap { dim >= 0 ? $0.multipliedReportingOverflow(by: dim) : nil }.flatMap { $0.overflow ? nil : $0.partialValue }
      }) else { return nil }
      guard var values = NumpyRawValues.decode(raw, dtype: dtype, count: count) else { return nil }
      if case .bool(true) = fields[3], shape.count == 2 {
        // Fortran order: transpose to row-major.
        let (rows, columns) = (shape[0], shape[1])
        values = (0..<count).map { index in values[(index % columns) * rows + index / columns] }
      }
      return (shape, values)
    }
    return nil
  }

  /// A `numpy.dtype(code, ...)` object with its BUILD state: type code (e.g. "f8") and byte order.
  func numpyDType(_ value: PickleValue) -> NumpyRawValues.DType? {
    guard case .object(let object) = node(value), object.callableName?.hasSuffix("dtype") == true,
      let first = object.arguments.first, let code = string(first)
    else { return nil }
    var order = "<"
    if let state = object.state, let fields = items(state), fields.count > 1, let mark = string(fields[1]) {
      order = mark
    }
    return NumpyRawValues.DType(code: code, bigEndian: order == ">")
  }
}

/// Decodes the raw bytes of NumPy scalars and arrays found in pickles.
enum NumpyRawValues {
  struct DType {
    var code: String
    var bigEndian: Bool
  }

  static func decode(_ raw: [UInt8], dtype: DType, count: Int) -> [Double]? {
    let widths: [String: Int] = [
      "f8": 8, "f4": 4, "f2": 2, "i8": 8, "i4": 4, "i2": 2, "i1": 1, "u8": 8, "u4": 4, "u2": 2, "u1": 1, "b1": 1,
    ]
    guard let width = widths[dtype.code], count >= 0, count <= raw.count, raw.count >= count * width else { return nil }
    var values: [Double] = []
    values.reserveCapacity(count)
    for index in 0..<count {
      var bits: UInt64 = 0
      for byte in 0..<width {
        let position = index * width + (dtype.bigEndian ? width - 1 - byte : byte)
        bits |= UInt64(raw[position]) << (8 * UInt64(byte))
      }
      let value: Double
      switch dtype.code {
      case "f8": value = Double(bitPattern: bits)
      case "f4": value = Double(Float(bitPattern: UInt32(bits)))
      case "f2": value = Double(HalfPrecision.float(fromHalf: UInt16(bits)))
      case "i8": value = Double(Int64(bitPattern: bits))
      case "i4": value = Double(Int32(truncatingIfNeeded: bits))
      case "i2": value = Double(Int16(truncatingIfNeeded: bits))
      case "i1": value = Double(Int8(truncatingIfNeeded: bits))
      case "b1": value = bits != 0 ? 1 : 0
      default: value = Double(bits)
      }
      values.append(value)
    }
    return values
  }
}
