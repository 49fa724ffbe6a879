// Element types found in array files (NumPy, PyTorch storages, safetensors) and their conversion
// to and from the Float storage of `Tensor`. Half precision is converted bit by bit (IEEE 754
// binary16; bfloat16 is the top half of a binary32), so results are the same on every platform.
import TensorCore

public enum ElementKind: String, Sendable, CaseIterable {
  case float32, float16, bfloat16, float64, int64, int32, int16, int8, uint8, bool

  public var byteSize: Int {
    switch self {
    case .float64, .int64: return 8
    case .float32, .int32: return 4
    case .float16, .bfloat16, .int16: return 2
    case .int8, .uint8, .bool: return 1
    }
  }

  /// The `Tensor` dtype that represents values of this kind (storage is always Float).
  public var tensorDType: DType {
    switch self {
    case .float32, .float64, .bfloat16: return .f32
    case .float16: return .f16
    case .int64: return .i64
    case .int32, .int16, .int8: return .i32
    case .uint8, .bool: return .u8
    }
  }

  /// The kind written to files for a tensor of dtype `dtype`.
  public init(writing dtype: DType) {
    switch dtype {
    case .f32: self = .float32
    case .f16: self = .float16
    case .i64: self = .int64
    case .i32: self = .int32
    case .u8: self = .uint8
    }
  }
}

public enum ElementConversion {
  /// Decodes `count` elements of `kind` from `source` (byte order: little unless `bigEndian`).
  public static func decode(
    _ kind: ElementKind, from source: UnsafeRawBufferPointer, count: Int, bigEndian: Bool,
    into destination: UnsafeMutableBufferPointer<Float>
  ) {
    precondition(source.count >= count * kind.byteSize && destination.count >= count, "decode: buffers too small")
    guard count > 0, let base = source.baseAddress, let out = destination.baseAddress else { return }
    let swap = bigEndian != (1.bigEndian == 1)
    switch kind {
    case .float32:
      if swap {
        for i in 0..<count { out[i] = Float(bitPattern: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).byteSwapped) }
      } else {
        UnsafeMutableRawPointer(out).copyMemory(from: base, byteCount: 4 * count)
      }
    case .float64:
      for i in 0..<count {
        let bits = base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
        out[i] = Float(Double(bitPattern: swap ? bits.byteSwapped : bits))
      }
    case .float16:
      for i in 0..<count {
        let bits = base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
        out[i] = HalfPrecision.float(fromHalf: swap ? bits.byteSwapped : bits)
      }
    case .bfloat16:
      for i in 0..<count {
        let bits = base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
        out[i] = Float(bitPattern: UInt32(swap ? bits.byteSwapped : bits) << 16)
      }
    case .int64:
      for i in 0..<count {
        let bits = base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
        out[i] = Float(Int64(bitPattern: swap ? bits.byteSwapped : bits))
      }
    case .int32:
      for i in 0..<count {
        let bits = base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
        out[i] = Float(Int32(bitPattern: swap ? bits.byteSwapped : bits))
      }
    case .int16:
      for i in 0..<count {
        let bits = base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
        out[i] = Float(Int16(bitPattern: swap ? bits.byteSwapped : bits))
      }
    case .int8:
      for i in 0..<count { out[i] = Float(Int8(bitPattern: base.load(fromByteOffset: i, as: UInt8.self))) }
    case .uint8:
      for i in 0..<count { out[i] = Float(base.load(fromByteOffset: i, as: UInt8.self)) }
    case .bool:
      for i in 0..<count { out[i] = base.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0 }
    }
  }

  /// Encodes Floats as little-endian `kind` (integers rounded to nearest and clamped to the type's range).
  public static func encode(
    _ values: UnsafeBufferPointer<Float>, as kind: ElementKind, into destination: UnsafeMutableRawBufferPointer
  ) {
    precondition(destination.count >= values.count * kind.byteSize, "encode: destination too small")
    guard let out = destination.baseAddress else { return }
    for (i, value) in values.enumerated() {
      switch kind {
      case .float32: out.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
      case .float64:
        out.storeBytes(of: Double(value).bitPattern.littleEndian, toByteOffset: 8 * i, as: UInt64.self)
      case .float16:
        out.storeBytes(of: HalfPrecision.half(fromFloat: value).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
      case .bfloat16:
        out.storeBytes(of: HalfPrecision.bfloat16(fromFloat: value).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
      case .int64:
        out.storeBytes(of: UInt64(bitPattern: clampedInteger(value, Int64.self)).littleEndian, toByteOffset: 8 * i, as: UInt64.self)
      case .int32:
        out.storeBytes(of: UInt32(bitPattern: clampedInteger(value, Int32.self)).littleEndian, toByteOffset: 4 * i, as: UInt32.self)
      case .int16:
        out.storeBytes(of: UInt16(bitPattern: clampedInteger(value, Int16.self)).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
      case .int8: out.storeBytes(of: UInt8(bitPattern: clampedInteger(value, Int8.self)), toByteOffset: i, as: UInt8.self)
      case .uint8: out.storeBytes(of: clampedInteger(value, UInt8.self), toByteOffset: i, as: UInt8.self)
      case .bool: out.storeBytes(of: value != 0 ? 1 : 0, toByteOffset: i, as: UInt8.self)
      }
    }
  }

  @inline(__always)
  static func clampedInteger<T: FixedWidthInteger>(_ value: Float, _: T.Type) -> T {
    guard value.isFinite else { return value.isNaN ? 0 : (value > 0 ? T.max : T.min) }
    let rounded = value.rounded(.toNearestOrEven)
    if rounded <= Float(T.min) { return T.min }
    if rounded >= Float(T.max) { return T.max }
    return T(rounded)
  }
}
