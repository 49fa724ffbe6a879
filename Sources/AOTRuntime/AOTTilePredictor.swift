// The segmentation pipeline's TilePredictor on an AOT model: one run per tile, then the logits
// handed over in row slabs [K, rows, p1, p2] copied straight out of where the model left them
// (its arena or its in-place output buffer), so no extra whole-tile tensor is made.
import Segmentation
import TensorCore

public final class AOTTilePredictor: TilePredictor {
  public let model: AOTModel
  public let classes: Int
  /// The patch the model was compiled for, (k, j, i).
  public let patch: [Int]

  /// Needs a model with one input [1, C, p0, p1, p2] and one float output [1, K, p0, p1, p2].
  public init(model: AOTModel) throws {
    let description = model.description
    guard description.inputs.count == 1, description.outputs.count == 1, let input = description.inputs.first,
      let output = description.outputs.first, input.shape.count == 5, input.shape[0] == 1, output.shape.count == 5,
      output.elementType == .float32, output.shape[0] == 1, Array(output.shape[2...]) == Array(input.shape[2...])
    else {
      throw AOTRuntimeError.notSegmentationModel(
        inputs: description.inputs.map(\.shape), outputs: description.outputs.map(\.shape))
    }
    self.model = model
    classes = output.shape[1]
    patch = Array(input.shape[2...])
  }

  public func predict(_ tile: Tensor) throws -> Tensor {
    try model.run([tile])[0]
  }

  public func predictRowSlabs(
    _ tile: Tensor, maximumRows: Int, _ body: (_ logits: inout Tensor, _ rows: Range<Int>) throws -> Void
  ) throws {
    try model.runKeepingOutputs([tile])
    guard let logits = model.float32Output(at: 0) else {
      throw AOTRuntimeError.notSegmentationModel(
        inputs: model.description.inputs.map(\.shape), outputs: model.description.outputs.map(\.shape))
    }
    try TileSlabs.forEachRowSlab(of: logits, classes: classes, spatial: patch, maximumRows: maximumRows, body)
  }
}
