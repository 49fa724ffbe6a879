// The STU-Net configuration implied by a state dict's shapes (STUNET.md §4): stage widths and
// kernel sizes from `conv_blocks_context.{d}.0.conv1.weight` ([C[d], cin, k, k, k]), blocks per
// stage from the `conv_blocks_context.{d}.{b}` keys, input channels from the stem's conv1, and
// classes from the full-resolution head `seg_outputs.{stages-2}.weight`.

public struct STUNetShapeSignature: Equatable, Sendable {
  public var widths: [Int]
  public var depths: [Int]
  public var numClasses: Int
  public var inputChannels: Int
  public var kernelSizes: [[Int]]

  public init(widths: [Int], depths: [Int], numClasses: Int, inputChannels: Int, kernelSizes: [[Int]]) {
    self.widths = widths
    self.depths = depths
    self.numClasses = numClasses
    self.inputChannels = inputChannels
    self.kernelSizes = kernelSizes
  }

  static let maxStages = 64
  static let maxBlocks = 256

  public static func infer(from shapes: [String: [Int]]) throws -> STUNetShapeSignature {
    func conv1(_ stage: Int, _ block: Int) -> String { "conv_blocks_context.\(stage).\(block).conv1.weight" }
    var widths: [Int] = []
    var depths: [Int] = []
    var kernels: [[Int]] = []
    var inputChannels = 0
    while widths.count < maxStages, let shape = shapes[conv1(widths.count, 0)] {
      let stage = widths.count
      guard shape.count == 5 else {
        throw ShapeSignatureError.unexpectedShape(key: conv1(stage, 0), shape: shape, expected: "[out, in, k, k, k]")
      }
      if stage == 0 { inputChannels = shape[1] }
      var blocks = 1
      while blocks < maxBlocks, shapes[conv1(stage, blocks)] != nil { blocks += 1 }
      widths.append(shape[0])
      depths.append(blocks)
      kernels.append(Array(shape[2..<5]))
    }
    guard !widths.isEmpty else {
      throw ShapeSignatureError.missingKey(
        key: conv1(0, 0), why: "the weights are not an STU-Net state dict (no encoder stem)")
    }
    let head = "seg_outputs.\(max(widths.count - 2, 0)).weight"
    guard let headShape = shapes[head] else {
      throw ShapeSignatureError.missingKey(key: head, why: "the full-resolution segmentation head is needed for the class count")
    }
    guard headShape.count == 5, headShape[0] > 0 else {
      throw ShapeSignatureError.unexpectedShape(key: head, shape: headShape, expected: "[classes, C0, 1, 1, 1]")
    }
    return STUNetShapeSignature(
      widths: widths, depths: depths, numClasses: headShape[0], inputChannels: inputChannels, kernelSizes: kernels)
  }
}

public enum ShapeSignatureError: Error, CustomStringConvertible, Equatable {
  case missingKey(key: String, why: String)
  case unexpectedShape(key: String, shape: [Int], expected: String)

  public var description: String {
    switch self {
    case .missingKey(let key, let why):
      return "cannot infer the STU-Net configuration: no '\(key)' (\(why))"
    case .unexpectedShape(let key, let shape, let expected):
      return "cannot infer the STU-Net configuration: '\(key)' has shape \(shape), expected \(expected)"
    }
  }
}
