// Weight and activation packing: round trips, zero padding, the packed index formula checked
// against a hand-computed position, segments of concatenated inputs, sizes matching buffers.
import GraphIR
import KernelIR
import TensorCore
import XCTest

final class WeightPackingTests: XCTestCase {
  func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.symmetric() })
  }

  func testConvolutionWeightRoundTripsAndPadsWithZeros() throws {
    let weight = randomTensor([11, 5, 3, 1, 2], seed: 1)
    for layout in [Layout.packedConvWeight(inputBlock: 8, outputBlock: 8), .packedConvWeight(inputBlock: 1, outputBlock: 8),
      .packedConvWeight(inputBlock: 4, outputBlock: 16), .rowMajor]
    {
      let packed = try WeightPacking.pack(weight, into: layout)
      let expectedBytes = try XCTUnwrap(layout.byteCount(of: TensorType(.f32, weight.shape)))
      XCTAssertEqual(packed.count * 4, expectedBytes, layout.name(rank: 5))
      XCTAssertEqual(try WeightPacking.unpack(packed, shape: weight.shape, layout: layout), weight)
      XCTAssertEqual(packed.filter { $0 != 0 }.count, weight.data.filter { $0 != 0 }.count, "padding must be zero")
    }
  }

  func testPackedIndexMatchesTheDocumentedFormula() throws {
    // OIDHW8i8o of [16, 16, 3, 3, 3]: [O/8][I/8][kd][kh][kw][8i][8o].
    let indexer = try WeightPacking.ConvolutionWeightIndexer(shape: [16, 16, 3, 3, 3], inputBlock: 8, outputBlock: 8, segments: nil)
    // o = 9 (block 1, lane 1), i = 10 (block 1, lane 2), tap (1, 2, 0) = 15.
    let block: Int = 1 * 2 + 1
    let expected: Int = ((block * 27 + 15) * 8 + 2) * 8 + 1
    XCTAssertEqual(indexer.index(output: 9, input: 10, tap: 15), expected)
  }

  func testSegmentsPadEachConcatenatedInputSeparately() throws {
    // Two inputs of 3 and 2 channels: padded to 8 + 8 input channels.
    let weight = randomTensor([4, 5, 1, 1, 1], seed: 2)
    let layout = Layout.packedConvWeight(inputBlock: 8, outputBlock: 8)
    let packed = try WeightPacking.pack(weight, into: layout, segments: [3, 2])
    XCTAssertEqual(packed.count, 8 * 16)
    XCTAssertEqual(layout.byteCount(of: TensorType(.f32, [4, 5, 1, 1, 1]), segments: [3, 2]), 8 * 16 * 4)
    let indexer = try WeightPacking.ConvolutionWeightIndexer(shape: [4, 5, 1, 1, 1], inputBlock: 8, outputBlock: 8, segments: [3, 2])
    XCTAssertEqual(indexer.paddedInput, [0, 1, 2, 8, 9])
    XCTAssertEqual(packed[indexer.index(output: 3, input: 3, tap: 0)], weight.data[3 * 5 + 3])
    XCTAssertEqual(try WeightPacking.unpack(packed, shape: weight.shape, layout: layout, segments: [3, 2]), weight)
    XCTAssertThrowsError(try WeightPacking.pack(weight, into: layout, segments: [3, 3])) { error in
      XCTAssertTrue("\(error)".contains("do not add up to 5"), "\(error)")
    }
  }

  func testVectorsAndActivations() throws {
    let bias = randomTensor([13], seed: 3)
    let packed = try WeightPacking.pack(bias, into: .paddedVector(8))
    XCTAssertEqual(packed.count, 16)
    XCTAssertEqual(Array(packed[13...]), [0, 0, 0])
    let activation = randomTensor([2, 11, 3, 2, 2], seed: 4)
    let blocked = try ActivationPacking.pack(activation, into: .channelBlocked(8))
    XCTAssertEqual(blocked.count, 2 * 16 * 12)
    let indexer = ActivationPacking.BlockedIndexer(shape: activation.shape, block: 8)
    // Element (n=1, c=9, voxel 5) sits in block 1, lane 1.
    let position: Int = ((1 * 2 + 1) * 12 + 5) * 8 + 1
    let source: Int = (1 * 11 + 9) * 12 + 5
    XCTAssertEqual(blocked[position], activation.data[source])
    XCTAssertEqual(indexer.index(sample: 1, channel: 9, voxel: 5), position)
    XCTAssertEqual(
      try ActivationPacking.unpack(blocked, type: TensorType(.f32, activation.shape), layout: .channelBlocked(8)), activation)
  }

  func testPackingForABufferChecksTheShape() throws {
    let buffer = try KernelBuffer(
      name: "w", type: TensorType(.f32, [8, 4, 3, 3, 3]), layout: .packedConvWeight(inputBlock: 8, outputBlock: 8),
      kind: .weight(parameter: "w"))
    XCTAssertEqual(try WeightPacking.pack(randomTensor([8, 4, 3, 3, 3], seed: 5), for: buffer).count * 4, buffer.byteCount)
    XCTAssertThrowsError(try WeightPacking.pack(randomTensor([8, 4, 3, 3, 1], seed: 5), for: buffer)) { error in
      XCTAssertTrue("\(error)".contains("the buffer needs [8, 4, 3, 3, 3]"), "\(error)")
    }
  }
}
