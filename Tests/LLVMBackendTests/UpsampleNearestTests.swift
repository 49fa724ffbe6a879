// Nearest upsampling in blocked layout against a direct reference, for the (2,2,2) and (1,1,2)
// factors of STU-Net's decoder, and written into the second half of a concatenation buffer.
import LLVMBackend
import Runtime
import XCTest

final class UpsampleNearestTests: XCTestCase {
  func check(channels: Int, extent: Extent3, scale: Extent3, destinationOffsetBlocks: Int, seed: UInt64) throws {
    var random = SeededGenerator(seed: seed)
    let plain = random.floats(channels * extent.voxelCount)
    let spec = UpsampleNearestSpec(name: "upsample_\(seed)", channels: channels, inputExtent: extent, scale: scale)
    let generator = try UpsampleNearestKernel(spec)
    let kernel = try TestSupport.compiler.compile(generator)
    let output = spec.outputExtent
    let blockedInput = plain.withUnsafeBufferPointer { BlockedLayout.pack($0, channels: channels, extent: extent) }
    let source = try TestSupport.aligned(blockedInput)
    let outputCount = BlockedLayout.elementCount(channels: channels, extent: output)
    let offset = destinationOffsetBlocks * output.voxelCount * 8
    let destination = try TestSupport.aligned([Float](repeating: -7, count: offset + outputCount))
    try kernel.run(
      [
        TestSupport.argument(source, count: blockedInput.count),
        KernelArgument(address: destination.baseAddress + offset * 4, elementType: .float32, elementCount: outputCount),
      ], pool: try ThreadPool(threads: 2))
    let all = TestSupport.floats(destination, count: offset + outputCount)
    XCTAssertTrue(all.prefix(offset).allSatisfy { $0 == -7 }, "wrote outside its channel blocks")
    let result = Array(all.suffix(outputCount)).withUnsafeBufferPointer { BlockedLayout.unpack($0, channels: channels, extent: output) }
    for c in 0..<channels {
      for d in 0..<output.depth {
        for h in 0..<output.height {
          for w in 0..<output.width {
            let expected = plain[((c * extent.depth + d / scale.depth) * extent.height + h / scale.height) * extent.width + w / scale.width]
            let actual = result[((c * output.depth + d) * output.height + h) * output.width + w]
            if actual != expected { return XCTFail("mismatch at c=\(c) d=\(d) h=\(h) w=\(w): \(actual) vs \(expected)") }
          }
        }
      }
    }
  }

  func testUniformFactorTwo() throws {
    try check(channels: 16, extent: Extent3(3, 4, 5), scale: Extent3(uniform: 2), destinationOffsetBlocks: 0, seed: 41)
  }

  func testLastAxisOnlyIntoConcatenationHalf() throws {
    try check(channels: 12, extent: Extent3(2, 3, 4), scale: Extent3(1, 1, 2), destinationOffsetBlocks: 2, seed: 42)
  }
}
