// Endian-aware loads and stores of fixed-width fields in a byte array. NIfTI files may be written
// in either byte order (the reader detects it from sizeof_hdr); the writer patches an input header in
// the input's own byte order so every field it does not touch stays bit-identical.

public enum ByteOrder: String, Sendable {
  case little
  case big

  /// The byte order of the machine running this code.
  public static var host: ByteOrder { 1.littleEndian == 1 ? .little : .big }
}

/// Reads fields of a header held in memory. All offsets are checked by the caller against the
/// header size, which is fixed per NIfTI version.
struct FieldReader {
  let bytes: [UInt8]
  let order: ByteOrder

  private func raw<T: FixedWidthInteger>(_ offset: Int, as type: T.Type) -> T {
    var value: T = 0
    for index in 0..<MemoryLayout<T>.size {
      let byte = T(truncatingIfNeeded: bytes[offset + index])
      let shift = order == .little ? index * 8 : (MemoryLayout<T>.size - 1 - index) * 8
      value |= byte << shift
    }
    return value
  }

  func int16(_ offset: Int) -> Int { Int(Int16(bitPattern: raw(offset, as: UInt16.self))) }
  func int32(_ offset: Int) -> Int { Int(Int32(bitPattern: raw(offset, as: UInt32.self))) }
  func int64(_ offset: Int) -> Int { Int(Int64(bitPattern: raw(offset, as: UInt64.self))) }
  func uint8(_ offset: Int) -> Int { Int(bytes[offset]) }
  func float32(_ offset: Int) -> Double { Double(Float(bitPattern: raw(offset, as: UInt32.self))) }
  func float64(_ offset: Int) -> Double { Double(bitPattern: raw(offset, as: UInt64.self)) }

  /// A NUL-terminated (or field-filling) ASCII/UTF-8 string.
  func string(_ offset: Int, length: Int) -> String {
    let field = bytes[offset..<(offset + length)]
    let end = field.firstIndex(of: 0) ?? field.endIndex
    return String(decoding: field[field.startIndex..<end], as: UTF8.self)
  }
}

/// Patches fields of a header in place, in a given byte order.
struct FieldWriter {
  var bytes: [UInt8]
  let order: ByteOrder

  private mutating func raw<T: FixedWidthInteger>(_ value: T, at offset: Int) {
    let size = MemoryLayout<T>.size
    for index in 0..<size {
      let shift = order == .little ? index * 8 : (size - 1 - index) * 8
      bytes[offset + index] = UInt8(truncatingIfNeeded: value >> shift)
    }
  }

  mutating func setInt16(_ value: Int16, at offset: Int) { raw(UInt16(bitPattern: value), at: offset) }
  mutating func setInt32(_ value: Int32, at offset: Int) { raw(UInt32(bitPattern: value), at: offset) }
  mutating func setInt64(_ value: Int64, at offset: Int) { raw(UInt64(bitPattern: value), at: offset) }
  mutating func setFloat32(_ value: Float, at offset: Int) { raw(value.bitPattern, at: offset) }
  mutating func setFloat64(_ value: Double, at offset: Int) { raw(value.bitPattern, at: offset) }

  /// Writes `text` NUL-padded into a fixed-length field (truncated to leave a terminating NUL).
  mutating func setString(_ text: String, at offset: Int, length: Int) {
    let utf8 = Array(text.utf8.prefix(length - 1))
    for index in 0..<length {
      bytes[offset + index] = index < utf8.count ? utf8[index] : 0
    }
  }

  mutating func zero(at offset: Int, length: Int) {
    for index in offset..<(offset + length) { bytes[index] = 0 }
  }
}
