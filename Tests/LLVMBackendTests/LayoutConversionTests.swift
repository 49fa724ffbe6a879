// NCDHW <-> NCDHW8c conversion kernels against the Swift reference conversion, for channel
// counts with and without a tail and widths with and without a remainder of 8.
import LLVMBackend
import Runtime
import XCTest

final class LayoutConversionTests: XCTestCase {
  func roundTrip(channels: Int, extent: Extent3, seed: UInt64) throws {
    var random = SeededGenerator(seed: seed)
    let plain = random.floats(channels * extent.voxelCount)
    let toBlocked = try LayoutConversionKernel(LayoutConversionSpec(name: "to_blocked_\(seed)", channels: channels, extent: extent, direction: .toBlocked))
    let fromBlocked = try LayoutConversionKernel(LayoutConversionSpec(name: "from_blocked_\(seed)", channels: channels, extent: extent, direction: .fromBlocked))
    let kernels = try TestSupport.compiler.compile([toBlocked, fromBlocked])
    let blockedCount = BlockedLayout.elementCount(channels: channels, extent: extent)
    let source = try TestSupport.aligned(plain)
    // Fill the destination with garbage so that the zero tails are really written.
    let blocked = try TestSupport.aligned([Float](repeating: .nan, count: blockedCount))
    let back = try TestSupport.alignedZeros(plain.count)
    let pool = try ThreadPool(threads: 2)
    try kernels[0].run([TestSupport.argument(source, count: plain.count), TestSupport.argument(blocked, count: blockedCount)], pool: pool)
    let expected = plain.withUnsafeBufferPointer { BlockedLayout.pack($0, channels: channels, extent: extent) }
    let actual = TestSupport.floats(blocked, count: blockedCount)
    XCTAssertTrue(actual == expected, "to NCDHW8c differs for C=\(channels) \(extent)")
    try kernels[1].run([TestSupport.argument(blocked, count: blockedCount), TestSupport.argument(back, count: plain.count)], pool: pool)
    XCTAssertTrue(TestSupport.floats(back, count: plain.count) == plain, "round trip differs for C=\(channels) \(extent)")
  }

  func testSingleChannelWithWidthRemainder() throws { try roundTrip(channels: 1, extent: Extent3(3, 4, 13), seed: 21) }
  func testChannelTail() throws { try roundTrip(channels: 13, extent: Extent3(2, 3, 16), seed: 22) }
  func testWholeBlocks() throws { try roundTrip(channels: 16, extent: Extent3(2, 5, 21), seed: 23) }
  func testManyClasses() throws { try roundTrip(channels: 105, extent: Extent3(2, 2, 8), seed: 24) }
}
