// A bounds-checked cursor over a byte array that decodes little-endian integers and floats.
// Running out of data throws the error the owner supplies, so each format reports it in its own terms.

public struct ByteReader {
  public let bytes: [UInt8]
  public private(set) var position: Int
  private let endError: (_ position: Int, _ needed: Int) -> Error

  public init(_ bytes: [UInt8], position: Int = 0, endError: @escaping (_ position: Int, _ needed: Int) -> Error) {
    self.bytes = bytes
    self.position = position
    self.endError = endError
  }

  public var remaining: Int { bytes.count - position }
  public var isAtEnd: Bool { position >= bytes.count }

  /// Throws unless `count` more bytes are available.
  public func require(_ count: Int) throws {
    guard count >= 0, count <= remaining else { throw endError(position, count) }
  }

  public mutating func seek(to offset: Int) throws {
    guard offset >= 0, offset <= bytes.count else { throw endError(offset, 0) }
    position = offset
  }

  public mutating func skip(_ count: Int) throws {
    try require(count)
    position += count
  }

  public mutating func u8() throws -> UInt8 {
    guard position < bytes.count else { throw endError(position, 1) }
    defer { position += 1 }
    return bytes[position]
  }

  public mutating func u16() throws -> UInt16 { UInt16(truncatingIfNeeded: try unsigned(2)) }
  public mutating func u32() throws -> UInt32 { UInt32(truncatingIfNeeded: try unsigned(4)) }
  public mutating func u64() throws -> UInt64 { try unsigned(8) }
  public mutating func i32() throws -> Int32 { Int32(bitPattern: try u32()) }
  public mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }
  public mutating func f64() throws -> Double { Double(bitPattern: try u64()) }

  /// A little-endian unsigned value of `width` (1...8) bytes.
  public mutating func unsigned(_ width: Int) throws -> UInt64 {
    try require(width)
    var value: UInt64 = 0
    for index in 0..<width {
      value |= UInt64(bytes[position + index]) << (8 * UInt64(index))
    }
    position += width
    return value
  }

  /// A big-endian unsigned value of `width` (1...8) bytes.
  public mutating func bigEndianUnsigned(_ width: Int) throws -> UInt64 {
    try require(width)
    var value: UInt64 = 0
    for index in 0..<width {
      value = (value << 8) | UInt64(bytes[position + index])
    }
    position += width
    return value
  }

  public mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
    try require(count)
    defer { position += count }
    return bytes[position..<position + count]
  }

  /// Bytes up to (not including) the next `terminator`, which is consumed.
  public mutating func line(terminator: UInt8 = 0x0A, maxLength: Int) throws -> ArraySlice<UInt8> {
    let limit = min(bytes.count, position + maxLength + 1)
    var end = position
    while end < limit, bytes[end] != terminator { end += 1 }
    guard end < limit else { throw endError(position, end - position + 1) }
    defer { position = end + 1 }
    return bytes[position..<end]
  }
}

/// Reads a little-endian integer from a byte array at a fixed offset (caller has checked bounds).
@inline(__always)
func littleEndianValue(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
  var value: UInt64 = 0
  for index in 0..<width { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
  return value
}
