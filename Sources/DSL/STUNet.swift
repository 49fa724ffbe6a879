// STU-Net declared once, generically, on top of GraphBuilder (STUNET.md §2–§3). Parameter names
// are the official state-dict keys, all five deep-supervision heads included; the graph returns
// the full-resolution head `seg_outputs.<last>` (or all heads with `deepSupervision`).
import GraphIR

public struct STUNet: Sendable {
  public var configuration: STUNetConfiguration

  public init(_ configuration: STUNetConfiguration) {
    self.configuration = configuration
  }

  /// Values of interest besides the outputs: stage outputs `enc0..enc5`, `dec0..dec4`.
  public struct Built {
    public var graph: Graph
    public var stageOutputs: [String: String]
  }

  /// Builds the Graph IR for a batch of inputs of shape [N, inputChannels, D, H, W].
  public func graph(inputShape: [Int], deepSupervision: Bool = false, name: String? = nil) throws -> Built {
    let config = configuration
    try config.validate()
    guard inputShape.count == 5, inputShape.allSatisfy({ $0 >= 1 }) else {
      throw STUNetError.invalidInputShape(inputShape, "expected 5 positive sizes N,C,D,H,W")
    }
    guard inputShape[1] == config.inputChannels else {
      throw STUNetError.invalidInputShape(
        inputShape, "the model takes \(config.inputChannels) input channel(s), the shape has \(inputShape[1])")
    }
    let total = config.totalStride
    for axis in 0..<3 where inputShape[2 + axis] % total[axis] != 0 {
      throw STUNetError.invalidInputShape(
        inputShape,
        "spatial sizes must be divisible by the total stride \(total) (axis \(axis) is \(inputShape[2 + axis])); pad the input")
    }
    let builder = GraphBuilder(name: name ?? graphName)
    var x = builder.input("input", TensorType(.f32, inputShape))
    var stageOutputs: [String: String] = [:]
    var skips: [GraphBuilder.Value] = []
    let stages = config.stageCount

    for stage in 0..<stages {
      x = try builder.scope("conv_blocks_context.\(stage)") {
        var y = x
        for block in 0..<config.depths[stage] {
          let stride = (block == 0 && stage > 0) ? config.strides[stage - 1] : [1, 1, 1]
          y = try builder.scope("\(block)") {
            try residualBlock(
              builder, y, outChannels: config.widths[stage], kernel: config.kernelSizes[stage], stride: stride,
              projection: block == 0)
          }
        }
        return y
      }
      stageOutputs["enc\(stage)"] = x.name
      if stage < stages - 1 { skips.append(x) }
    }

    var heads: [GraphBuilder.Value] = []
    for up in 0..<(stages - 1) {
      let level = stages - 2 - up
      let upsampled = try builder.scope("upsample_layers.\(up)") {
        let scaled = try builder.upsampleNearest(x, scale: config.strides[level], name: "upsample")
        return try builder.conv3d(scaled, outChannels: config.widths[level], kernel: [1, 1, 1], name: "conv")
      }
      let joined = try builder.concat([upsampled, skips[level]], name: "concat.\(up)")
      x = try builder.scope("conv_blocks_localization.\(up)") {
        var y = joined
        for block in 0..<config.depths[level] {
          y = try builder.scope("\(block)") {
            try residualBlock(
              builder, y, outChannels: config.widths[level], kernel: config.kernelSizes[level], stride: [1, 1, 1],
              projection: block == 0)
          }
        }
        return y
      }
      stageOutputs["dec\(up)"] = x.name
      heads.append(try builder.conv3d(x, outChannels: config.numClasses, kernel: [1, 1, 1], name: "seg_outputs.\(up)"))
    }
    if deepSupervision {
      builder.output(heads.reversed())
    } else if let last = heads.last {
      builder.output(last)
    }
    var graph = builder.graph
    graph.parameters = STUNet.inCheckpointOrder(graph.parameters)
    return Built(graph: graph, stageOutputs: stageOutputs)
  }

  /// The official state-dict order: encoder, then all upsample layers, all decoder blocks, all heads.
  static func inCheckpointOrder(_ parameters: [Parameter]) -> [Parameter] {
    let groups = ["conv_blocks_context.", "upsample_layers.", "conv_blocks_localization.", "seg_outputs."]
    func group(_ name: String) -> Int { groups.firstIndex { name.hasPrefix($0) } ?? groups.count }
    return parameters.enumerated().sorted { lhs, rhs in
      let (left, right) = (group(lhs.element.name), group(rhs.element.name))
      return left != right ? left < right : lhs.offset < rhs.offset
    }.map(\.element)
  }

  /// `BasicResBlock`: conv1 (strided) → IN → LReLU → conv2 → IN, plus the shortcut (a strided 1×1
  /// conv `conv3` in the first block of a stage, identity otherwise), then LReLU.
  func residualBlock(
    _ builder: GraphBuilder, _ x: GraphBuilder.Value, outChannels: Int, kernel: [Int], stride: [Int],
    projection: Bool
  ) throws -> GraphBuilder.Value {
    var y = try builder.conv3d(x, outChannels: outChannels, kernel: kernel, stride: stride, name: "conv1")
    y = try builder.instanceNorm(y, name: "norm1")
    y = try builder.leakyRelu(y, name: "act1")
    y = try builder.conv3d(y, outChannels: outChannels, kernel: kernel, name: "conv2")
    y = try builder.instanceNorm(y, name: "norm2")
    let shortcut =
      projection
      ? try builder.conv3d(x, outChannels: outChannels, kernel: [1, 1, 1], stride: stride, name: "conv3") : x
    let sum = try builder.add(y, shortcut, name: "add")
    return try builder.leakyRelu(sum, name: "act2")
  }

  var graphName: String {
    configuration.presetName.map { "stunet_\($0)" } ?? "stunet_custom"
  }
}
