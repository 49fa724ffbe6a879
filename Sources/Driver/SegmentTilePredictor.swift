// A `TilePredictor` for `stunetc segment`: runs the optimised graph, built at the patch shape, on
// each tile with the chosen backend (the reference interpreter or the LLVM JIT, via CompiledModel).
// When the graph ends in a pointwise (1x1x1, stride 1, unpadded) head, as STU-Net's segmentation
// output does, that head is split off: the backend computes the decoder's last features
// [1, F, p0, p1, p2] (16 channels for S) and the head, compiled by the same backend as a model of
// its own for a slab of rows, runs slab by slab over `maximumRows` rows, so the 105-class logits
// of a whole tile (840 MiB at 128^3) never exist. The features, the slab and the logits live in
// buffers reused from tile to tile (no allocation, no page faults in the tile loop).
import GraphIR
import Interpreter
import Segmentation
import TensorCore

public final class SegmentTilePredictor: TilePredictor {
  public let classes: Int
  /// Runs the graph that computes the head's input (or the whole graph when there is no split head).
  private let body: CompiledModel
  /// The pointwise head and its weight and bias operands, when split off.
  private let head: (node: Node, parameters: [Tensor])?
  private let patch: [Int]
  private let options: BackendOptions
  /// The head compiled for slabs of a given number of rows (usually one or two heights per run).
  private var headModels: [Int: CompiledModel] = [:]
  private var features = Tensor(zeros: [0])
  private var slab = Tensor(zeros: [0])
  private var slabLogits = Tensor(zeros: [0])

  /// `graph` is optimised and takes one input [1, C, p0, p1, p2]; `parameters` bind it.
  public init(graph: Graph, parameters: [String: Tensor], options: BackendOptions) throws {
    guard let input = graph.inputs.first, graph.inputs.count == 1, input.type.shape.count == 5,
      let outputName = graph.outputs.first, graph.outputs.count == 1,
      let outputType = graph.valueTypes[outputName], outputType.shape.count == 5
    else {
      throw CommandLineError("the model graph must take one 5-D input and return one 5-D output to segment with")
    }
    classes = outputType.shape[1]
    patch = Array(input.type.shape[2...])
    self.options = options
    if let split = Self.splitPointwiseHead(graph, parameters: parameters) {
      body = try CompiledModel(graph: split.body, weights: parameters, options: options)
      head = (split.head, split.headParameters)
    } else {
      body = try CompiledModel(graph: graph, weights: parameters, options: options)
      head = nil
    }
  }

  /// Kernels of the compiled body that run in the kernel interpreter (JIT backend), with why.
  public var interpretedKernels: [String] {
    guard let jit = body.jitProgram else { return [] }
    return jit.kernels.compactMap { report in
      report.interpretedBecause.map { "k\(report.index) \(report.kind.rawValue) (\($0))" }
    }
  }

  /// True when the head runs slab by slab (for the run's notes).
  public var streamsHead: Bool { head != nil }

  public func predict(_ tile: Tensor) throws -> Tensor {
    let result = try body.run(tile)
    guard let head else { return result }
    guard result.rank == 5 else { throw CommandLineError("the graph's features are not 5-D") }
    return try headModel(rows: patch[0], channels: result.shape[1], head: head).run(result)
  }

  public func predictRowSlabs(
    _ tile: Tensor, maximumRows: Int, _ body: (_ logits: inout Tensor, _ rows: Range<Int>) throws -> Void
  ) throws {
    guard let head else {
      let logits = try predict(tile)
      try TileSlabs.forEachRowSlab(of: logits, tile: tile, classes: classes, maximumRows: maximumRows, body)
      return
    }
    try self.body.run(tile, into: &features)
    guard features.rank == 5, Array(features.shape[2...]) == patch else { throw CommandLineError("the graph's features do not have the patch's spatial shape \(patch)") }
    let channels = features.shape[1]
    let plane = patch[1] * patch[2]
    let volume = patch[0] * plane
    var first = 0
    while first < patch[0] {
      let rows = first..<min(first + max(maximumRows, 1), patch[0])
      let slabCount = rows.count * plane
      let slabShape = [1, channels, rows.count, patch[1], patch[2]]
      if slab.shape != slabShape { slab = Tensor(zeros: slabShape) }
      features.data.withUnsafeBufferPointer { source in
        slab.data.withUnsafeMutableBufferPointer { target in
          guard let read = source.baseAddress, let write = target.baseAddress else { return }
          for channel in 0..<channels {
            (write + channel * slabCount).update(from: read + channel * volume + first * plane, count: slabCount)
          }
        }
      }
      let model = try headModel(rows: rows.count, channels: channels, head: head)
      try model.run(slab, into: &slabLogits)
      slabLogits.shape = Array(model.outputShape.dropFirst())
      try body(&slabLogits, rows)
      if slabLogits.data.count == model.outputShape.reduce(1, *) {
        slabLogits.shape = model.outputShape
      } else {
        slabLogits = Tensor(zeros: [0])  // replaced by the consumer: not reusable
      }
      first = rows.upperBound
    }
  }

  /// The head as a one-node model over a slab of `rows` rows of the features, compiled once.
  private func headModel(rows: Int, channels: Int, head: (node: Node, parameters: [Tensor])) throws -> CompiledModel {
    if let model = headModels[rows] { return model }
    guard let featuresName = head.node.operands.first?.valueName else {
      throw CommandLineError("the segmentation head has no feature operand")
    }
    let inputType = TensorType(.f32, [1, channels, rows, patch[1], patch[2]])
    let parameterNames = head.node.operands.dropFirst().compactMap(\.parameterName)
    guard parameterNames.count == head.parameters.count, let kind = head.node.kind else {
      throw CommandLineError("the segmentation head's operands are not all parameters")
    }
    let resultTypes = try ShapeInference.resultTypes(
      kind, operands: [inputType] + head.parameters.map { TensorType(.f32, $0.shape) }, attributes: head.node.attributes,
      location: "segmentation head")
    var node = head.node
    node.resultTypes = resultTypes
    let graph = Graph(
      name: "segmentation_head_\(rows)_rows", inputs: [GraphInput(name: featuresName, type: inputType)],
      parameters: zip(parameterNames, head.parameters).map { Parameter(name: $0, type: TensorType(.f32, $1.shape)) },
      nodes: [node], outputs: [node.result])
    let model = try CompiledModel(
      graph: graph, weights: Dictionary(uniqueKeysWithValues: zip(parameterNames, head.parameters)), options: options)
    headModels[rows] = model
    return model
  }

  /// The graph without its final pointwise head, the head node and its parameter tensors; nil
  /// when the output is not produced by such a head.
  static func splitPointwiseHead(_ graph: Graph, parameters: [String: Tensor])
    -> (body: Graph, head: Node, headParameters: [Tensor])?
  {
    guard let outputName = graph.outputs.first, let index = graph.definingNode[outputName] else { return nil }
    let node = graph.nodes[index]
    guard node.operands.count >= 2, let features = node.operands[0].valueName,
      !graph.inputs.contains(where: { $0.name == features })
    else { return nil }
    let attributes = node.attributes
    let stride = attributes["stride"]?.intsValue ?? [1, 1, 1]
    let padding = attributes["padding"]?.intsValue ?? [0, 0, 0, 0, 0, 0]
    guard stride.allSatisfy({ $0 == 1 }), padding.allSatisfy({ $0 == 0 }) else { return nil }
    switch node.kind {
    case .conv3d:
      break
    case .fusedConv3d:
      let roles = ShapeInference.FusedConvolutionOperands(attributes: attributes)
      guard roles.inputs.count == 1, roles.gamma == nil, roles.residual == nil, attributes["slope"] == nil else {
        return nil
      }
    default:
      return nil
    }
    var headParameters: [Tensor] = []
    for operand in node.operands.dropFirst() {
      guard let name = operand.parameterName, let tensor = parameters[name] else { return nil }
      headParameters.append(tensor)
    }
    guard let weight = headParameters.first, weight.rank == 5, weight.shape[2...].allSatisfy({ $0 == 1 }) else {
      return nil
    }
    // Nothing else may read the head's output.
    guard !graph.nodes.contains(where: { $0.operands.contains(.value(outputName)) }) else { return nil }
    var body = graph
    body.nodes.remove(at: index)
    body.outputs = [features]
    return (body, node, headParameters)
  }
}
