// Buffered, bounds-checked reading of a pickle stream from random-access bytes. A pickle inside a
// large legacy checkpoint is read in 64 KiB chunks, so the tensor data after it is never loaded
// here; lengths read from the stream are checked against what remains before allocating.
import Archive

struct PickleInput {
  let source: RandomAccessBytes
  private var buffer: [UInt8] = []
  private var bufferStart: Int
  private var index = 0
  private static let chunkSize = 1 << 16

  init(source: RandomAccessBytes, offset: Int) {
    self.source = source
    bufferStart = offset
  }

  var position: Int { bufferStart + index }
  var remaining: Int { source.count - position }

  private mutating func refill() throws {
    bufferStart += index
    index = 0
    let take = min(Self.chunkSize, source.count - bufferStart)
    guard take > 0 else { throw PickleError.truncated(offset: bufferStart, needed: 1) }
    buffer = try source.bytes(at: bufferStart, count: take, context: "the pickle stream")
  }

  @inline(__always)
  mutating func byte() throws -> UInt8 {
    if index >= buffer.count { try refill() }
    defer { index += 1 }
    return buffer[index]
  }

  mutating func bytes(_ count: Int) throws -> [UInt8] {
    guard count >= 0, count <= remaining else {
      throw PickleError.truncated(offset: position, needed: count)
    }
    if index + count <= buffer.count {
      defer { index += count }
      return Array(buffer[index..<index + count])
    }
    let result = try source.bytes(at: position, count: count, context: "the pickle stream")
    bufferStart = position + count
    index = 0
    buffer = []
    return result
  }

  mutating func littleEndian(_ width: Int) throws -> UInt64 {
    var value: UInt64 = 0
    for shift in 0..<width { value |= UInt64(try byte()) << (8 * UInt64(shift)) }
    return value
  }

  /// Bytes up to the next newline (consumed, not returned).
  mutating func line(maxLength: Int) throws -> [UInt8] {
    var result: [UInt8] = []
    while true {
      let next = try byte()
      if next == 0x0A { return result }
      result.append(next)
      if result.count > maxLength {
        throw PickleError.limitExceeded(offset: position, limit: "a text line longer than \(maxLength) bytes")
      }
    }
  }
}
