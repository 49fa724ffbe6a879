// What the segmentation pipeline needs from a model backend (interpreter, JIT, or a test double):
// the class logits of one input tile. A backend that can produce the logits a few rows at a time
// (for example by running the network's final 1x1x1 head slab by slab) overrides
// `predictRowSlabs`, so the pipeline never holds a whole [K, p0, p1, p2] tile (880 MB for 105
// classes at 128^3); the default implementation predicts the whole tile and slices it.
import TensorCore

public protocol TilePredictor: AnyObject {
  /// Output channels of the model (classes, background included).
  var classes: Int { get }

  /// Logits [1, K, p0, p1, p2] for one input tile [1, C, p0, p1, p2].
  func predict(_ tile: Tensor) throws -> Tensor

  /// Hands the logits of `tile` to `body` as consecutive row slabs [K, rows.count, p1, p2] along
  /// axis 0, in increasing order, covering every row exactly once, each at most `maximumRows` rows.
  /// `body` may modify the slab in place (the pipeline applies the softmax there).
  func predictRowSlabs(
    _ tile: Tensor, maximumRows: Int, _ body: (_ logits: inout Tensor, _ rows: Range<Int>) throws -> Void
  ) throws
}

extension TilePredictor {
  public func predictRowSlabs(
    _ tile: Tensor, maximumRows: Int, _ body: (_ logits: inout Tensor, _ rows: Range<Int>) throws -> Void
  ) throws {
    let logits = try predict(tile)
    try TileSlabs.forEachRowSlab(of: logits, tile: tile, classes: classes, maximumRows: maximumRows, body)
  }
}

/// Slicing whole-tile logits into row slabs (the default `predictRowSlabs`).
public enum TileSlabs {
  /// Checks `logits` is [1, classes, p0, p1, p2] for the tile's spatial shape and calls `body`
  /// with copies of consecutive row slabs [classes, rows, p1, p2].
  public static func forEachRowSlab(
    of logits: Tensor, tile: Tensor, classes: Int, maximumRows: Int,
    _ body: (_ logits: inout Tensor, _ rows: Range<Int>) throws -> Void
  ) throws {
    let step = "tile prediction"
    guard tile.rank == 5 else {
      throw SegmentationError.wrongRank(step: step, expected: "a tile [1, C, p0, p1, p2]", actual: tile.shape)
    }
    let spatial = Array(tile.shape[2...])
    let expected = [1, classes] + spatial
    guard logits.shape == expected else {
      throw SegmentationError.shapeMismatch(step: step, expected: expected, actual: logits.shape)
    }
    try logits.data.withUnsafeBufferPointer { values in
      try forEachRowSlab(of: values, classes: classes, spatial: spatial, maximumRows: maximumRows, body)
    }
  }

  /// Calls `body` with copies of consecutive row slabs [classes, rows, p1, p2] of the logits
  /// [classes, p0, p1, p2] in `logits` (memory the caller owns: a model's output buffer, say).
  public static func forEachRowSlab(
    of logits: UnsafeBufferPointer<Float>, classes: Int, spatial: [Int], maximumRows: Int,
    _ body: (_ logits: inout Tensor, _ rows: Range<Int>) throws -> Void
  ) throws {
    let step = "tile prediction"
    guard maximumRows > 0 else {
      throw SegmentationError.invalidParameter(step: step, name: "maximum rows", value: "\(maximumRows)", expected: "> 0")
    }
    guard spatial.count == 3, let count = Tensor.checkedElementCount([classes] + spatial), count == logits.count else {
      throw SegmentationError.shapeMismatch(step: step, expected: [classes] + spatial, actual: [logits.count])
    }
    let plane = spatial[1] * spatial[2]
    let volume = spatial[0] * plane
    var first = 0
    while first < spatial[0] {
      let rows = first..<min(first + maximumRows, spatial[0])
      let slabCount = rows.count * plane
      var values = [Float](repeating: 0, count: classes * slabCount)
      values.withUnsafeMutableBufferPointer { target in
        guard let read = logits.baseAddress, let write = target.baseAddress else { return }
        for channel in 0..<classes {
          (write + channel * slabCount).update(from: read + channel * volume + first * plane, count: slabCount)
        }
      }
      var slab = Tensor(shape: [classes, rows.count, spatial[1], spatial[2]], data: values)
      try body(&slab, rows)
      first = rows.upperBound
    }
  }
}
