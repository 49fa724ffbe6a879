// A 64-byte aligned block of memory owned by one object: the arena that holds a compiled model's
// activations (allocated once, regions addressed by the memory plan's byte offsets) and the
// packed-weight and scratch storage of kernels. 64 bytes is one cache line and two AVX2 vectors,
// so aligned vector loads never split a line.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class AlignedBuffer: @unchecked Sendable {
  public static let alignment = 64

  /// Usable size in bytes (the allocation is rounded up to a multiple of the alignment).
  public let byteCount: Int
  public let baseAddress: UnsafeMutableRawPointer

  /// Allocates `byteCount` bytes aligned to 64; zero-filled unless `zeroed` is false.
  public init(byteCount: Int, zeroed: Bool = true) throws {
    guard byteCount >= 0, byteCount <= Int.max - AlignedBuffer.alignment else {
      throw RuntimeError.invalidByteCount(byteCount)
    }
    let rounded = max(AlignedBuffer.alignment, (byteCount + AlignedBuffer.alignment - 1) / AlignedBuffer.alignment * AlignedBuffer.alignment)
    var pointer: UnsafeMutableRawPointer?
    let code = posix_memalign(&pointer, AlignedBuffer.alignment, rounded)
    guard code == 0, let pointer else { throw RuntimeError.allocationFailed(byteCount: byteCount, code: code) }
    if zeroed { memset(pointer, 0, rounded) }
    self.byteCount = byteCount
    self.baseAddress = pointer
  }

  /// Allocates room for `count` elements of `Float`.
  public convenience init(floatCount: Int, zeroed: Bool = true) throws {
    let (bytes, overflow) = floatCount.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
    guard floatCount >= 0, !overflow else { throw RuntimeError.invalidByteCount(floatCount) }
    try self.init(byteCount: bytes, zeroed: zeroed)
  }

  deinit { free(baseAddress) }

  /// The address of a region of the buffer, checked against its size and the 64-byte alignment.
  public func region(offset: Int, byteCount: Int) throws -> UnsafeMutableRawPointer {
    guard offset >= 0, byteCount >= 0, offset <= self.byteCount, byteCount <= self.byteCount - offset else {
      throw RuntimeError.regionOutOfBounds(offset: offset, byteCount: byteCount, bufferByteCount: self.byteCount)
    }
    guard offset % AlignedBuffer.alignment == 0 else {
      throw RuntimeError.misalignedRegion(offset: offset, alignment: AlignedBuffer.alignment)
    }
    return baseAddress + offset
  }

  /// A typed view of `count` floats starting at byte `offset` (which must be 64-byte aligned).
  public func floats(offset: Int = 0, count: Int) throws -> UnsafeMutableBufferPointer<Float> {
    let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
    guard !overflow else { throw RuntimeError.invalidByteCount(count) }
    let start = try region(offset: offset, byteCount: bytes)
    return UnsafeMutableBufferPointer(start: start.assumingMemoryBound(to: Float.self), count: count)
  }

  /// All floats that fit in the buffer.
  public var allFloats: UnsafeMutableBufferPointer<Float> {
    UnsafeMutableBufferPointer(start: baseAddress.assumingMemoryBound(to: Float.self), count: byteCount / 4)
  }

  /// Rounds a byte count up to the arena alignment (for laying out regions one after another).
  public static func alignedSize(_ byteCount: Int) -> Int {
    (byteCount + alignment - 1) / alignment * alignment
  }
}
