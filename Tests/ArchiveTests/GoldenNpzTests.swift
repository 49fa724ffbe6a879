// The golden .npz files written by NumPy (../shared/golden) read correctly. Expected values come
// from scripts/reference/ckpt_golden_values.py.
import Archive
import Foundation
import TensorCore
import XCTest

final class GoldenNpzTests: XCTestCase {
  func testTinyWeights() throws {
    let archive = try NpzArchive(url: sharedFile("golden/stunet_tiny_weights.npz"))
    // Depth 2 in all six stages gives 218 tensors (the same key set as STU-Net-L).
    XCTAssertEqual(archive.names.count, 218)
    XCTAssertEqual(archive.names.first, "conv_blocks_context.0.0.conv1.weight")
    let first = try archive.tensor("conv_blocks_context.0.0.conv1.weight")
    XCTAssertEqual(first.shape, [2, 1, 3, 3, 3])
    XCTAssertEqual(first.data[0], -0.25845927000045776)
    XCTAssertEqual(try archive.tensor("seg_outputs.4.weight").shape, [3, 2, 1, 1, 1])
    XCTAssertEqual(try archive.tensor("seg_outputs.4.bias").data[2], -0.03880605101585388)
    let total = try archive.names.reduce(0) { $0 + (try archive.tensor($1).count) }
    XCTAssertEqual(total, 432_059)
  }

  func testTinyIO() throws {
    let archive = try NpzArchive(url: sharedFile("golden/stunet_tiny_io.npz"))
    let expected: [String: [Int]] = [
      "input": [1, 1, 32, 32, 64], "logits": [1, 3, 32, 32, 64], "argmax": [1, 32, 32, 64],
      "enc0": [1, 2, 32, 32, 64], "enc1": [1, 4, 16, 16, 32], "enc2": [1, 8, 8, 8, 16], "enc3": [1, 16, 4, 4, 8],
      "enc4": [1, 32, 2, 2, 4], "enc5": [1, 32, 2, 2, 2], "dec0": [1, 32, 2, 2, 4], "dec1": [1, 16, 4, 4, 8],
      "dec2": [1, 8, 8, 8, 16], "dec3": [1, 4, 16, 16, 32], "dec4": [1, 2, 32, 32, 64],
    ]
    XCTAssertEqual(Set(archive.names), Set(expected.keys))
    for (name, shape) in expected { XCTAssertEqual(try archive.tensor(name).shape, shape, name) }
    let logits = try archive.tensor("logits")
    XCTAssertEqual(logits.data.reduce(0.0) { $0 + Double($1) }, 12204.00638238051, accuracy: 1e-6)
    let argmax = try archive.tensor("argmax")
    XCTAssertEqual(argmax.dtype, .u8)
    XCTAssertEqual(argmax.data.reduce(0) { $0 + Int($1) }, 57259)
    for entry in archive.archive.entries { XCTAssertNoThrow(try archive.archive.read(entry, verifyCRC: true)) }
  }
}
