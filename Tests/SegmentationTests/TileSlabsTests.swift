// TileSlabs: row slabs [K, rows, p1, p2] cut from whole-tile logits, from a tensor or from memory
// the caller owns (an AOT model's output buffer), cover every row once in order with the right
// values; wrong shapes and row counts are refused with errors.
import Segmentation
import TensorCore
import XCTest

final class TileSlabsTests: XCTestCase {
  func testSlabsFromTensorAndFromMemoryAreTheRows() throws {
    let classes = 3
    let spatial = [5, 2, 3]
    let logits = Tensor(shape: [1, classes] + spatial, data: (0..<90).map { Float($0) })
    let tile = Tensor(shape: [1, 1] + spatial, data: [Float](repeating: 0, count: 30))
    var fromTensor: [(Range<Int>, [Float])] = []
    try TileSlabs.forEachRowSlab(of: logits, tile: tile, classes: classes, maximumRows: 2) { slab, rows in
      XCTAssertEqual(slab.shape, [classes, rows.count, 2, 3])
      fromTensor.append((rows, slab.data))
    }
    XCTAssertEqual(fromTensor.map(\.0), [0..<2, 2..<4, 4..<5])
    // Row 4 of class 1 is element (1 * 5 + 4) * 6 of the tile.
    XCTAssertEqual(Array(fromTensor[2].1[6..<12]), (54..<60).map { Float($0) })

    var fromMemory: [(Range<Int>, [Float])] = []
    try logits.data.withUnsafeBufferPointer { values in
      try TileSlabs.forEachRowSlab(of: values, classes: classes, spatial: spatial, maximumRows: 2) { slab, rows in
        fromMemory.append((rows, slab.data))
      }
    }
    XCTAssertEqual(fromMemory.map(\.0), fromTensor.map(\.0))
    XCTAssertEqual(fromMemory.map(\.1), fromTensor.map(\.1))
  }

  func testWrongShapesAndRowCountsAreRefused() throws {
    let values = [Float](repeating: 1, count: 24)
    try values.withUnsafeBufferPointer { buffer in
      XCTAssertThrowsError(try TileSlabs.forEachRowSlab(of: buffer, classes: 2, spatial: [2, 2, 2], maximumRows: 0) { _, _ in }) {
        XCTAssertTrue("\($0)".contains("maximum rows"), "\($0)")
      }
      XCTAssertThrowsError(try TileSlabs.forEachRowSlab(of: buffer, classes: 2, spatial: [2, 2, 2], maximumRows: 1) { _, _ in })
      XCTAssertThrowsError(try TileSlabs.forEachRowSlab(of: buffer, classes: 3, spatial: [2, 2], maximumRows: 1) { _, _ in })
      XCTAssertThrowsError(try TileSlabs.forEachRowSlab(of: buffer, classes: 3, spatial: [2, -2, -2], maximumRows: 1) { _, _ in })
      var rows: [Range<Int>] = []
      try TileSlabs.forEachRowSlab(of: buffer, classes: 3, spatial: [2, 2, 2], maximumRows: 1) { _, range in rows.append(range) }
      XCTAssertEqual(rows, [0..<1, 1..<2])
    }
  }
}
