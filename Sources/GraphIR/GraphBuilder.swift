// Builds graphs op by op with shape inference as it goes, so a model definition never states a
// result shape by hand. Parameters are declared on first use with the shape the op needs.
// Names are scoped: `builder.scope("conv_blocks_context.0.0") { ... }` prefixes parameter and value
// names, which is how the STU-Net DSL gets the official checkpoint keys.

public final class GraphBuilder {
  public private(set) var graph: Graph
  private var types: [String: TensorType] = [:]
  private var parameterTypes: [String: TensorType] = [:]
  private var scopes: [String] = []
  private var nameCounts: [String: Int] = [:]

  public init(name: String) {
    graph = Graph(name: name)
  }

  /// A typed handle on an SSA value.
  public struct Value: Hashable, Sendable {
    public let name: String
    public let type: TensorType
    public var shape: [Int] { type.shape }
  }

  public func input(_ name: String, _ type: TensorType) -> Value {
    graph.inputs.append(GraphInput(name: name, type: type))
    types[name] = type
    return Value(name: name, type: type)
  }

  public func output(_ values: Value...) {
    graph.outputs.append(contentsOf: values.map(\.name))
  }

  public func output(_ values: [Value]) {
    graph.outputs.append(contentsOf: values.map(\.name))
  }

  /// Runs `body` with `name` appended to the current scope.
  @discardableResult
  public func scope<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
    scopes.append(name)
    defer { scopes.removeLast() }
    return try body()
  }

  public var currentScope: String { scopes.joined(separator: ".") }

  /// Declares (or reuses, when already declared with the same type) a parameter in the current scope.
  public func parameter(_ name: String, _ type: TensorType) throws -> Operand {
    let full = qualified(name)
    try type.checkSize(at: "param @\(full)")
    if let existing = parameterTypes[full] {
      guard existing == type else {
        throw GraphError(.shape, at: "param @\(full)", "declared as \(existing), now needed as \(type)")
      }
    } else {
      parameterTypes[full] = type
      graph.parameters.append(Parameter(name: full, type: type))
    }
    return .parameter(full)
  }

  /// Appends an op; the result is named `scope.name` (uniqued) and its type inferred.
  public func apply(
    _ kind: OpKind, _ operands: [Operand], attributes: [String: Attribute] = [:], name: String
  ) throws -> Value {
    var operandTypes: [TensorType] = []
    for operand in operands {
      switch operand {
      case .value(let value):
        guard let type = types[value] else {
          throw GraphError(.undefinedValue, at: "\(kind.rawValue) %\(name)", "operand %\(value) is not defined")
        }
        operandTypes.append(type)
      case .parameter(let parameter):
        guard let type = parameterTypes[parameter] else {
          throw GraphError(.undefinedParameter, at: "\(kind.rawValue) %\(name)", "@\(parameter) is not declared")
        }
        operandTypes.append(type)
      }
    }
    let result = unique(qualified(name))
    let resultTypes = try ShapeInference.resultTypes(
      kind, operands: operandTypes, attributes: attributes, location: "\(kind.rawValue) %\(result)")
    graph.nodes.append(
      Node(op: kind.rawValue, operands: operands, attributes: attributes, results: [result], resultTypes: resultTypes))
    types[result] = resultTypes[0]
    return Value(name: result, type: resultTypes[0])
  }

  private func qualified(_ name: String) -> String {
    scopes.isEmpty ? name : currentScope + "." + name
  }

  private func unique(_ name: String) -> String {
    guard types[name] != nil || nameCounts[name] != nil else {
      nameCounts[name] = 1
      return name
    }
    var count = nameCounts[name, default: 1]
    var candidate = "\(name)_\(count)"
    while types[candidate] != nil {
      count += 1
      candidate = "\(name)_\(count)"
    }
    nameCounts[name] = count + 1
    return candidate
  }
}

// MARK: - Layer vocabulary

extension GraphBuilder {
  /// 3-D convolution with weight `<scope>.<name>.weight` [out, in, k...] and optional bias.
  public func conv3d(
    _ x: Value, outChannels: Int, kernel: [Int], stride: [Int] = [1, 1, 1], padding: [Int]? = nil,
    bias: Bool = true, name: String
  ) throws -> Value {
    guard x.type.rank == 5, kernel.count == 3, stride.count == 3 else {
      throw GraphError(.shape, at: "conv3d %\(qualified(name))", "needs a 5-D input, 3 kernel sizes and 3 strides")
    }
    let pads = padding ?? kernel.flatMap { [$0 / 2, $0 / 2] }
    let weight = try parameter("\(name).weight", TensorType(.f32, [outChannels, x.shape[1]] + kernel))
    var operands: [Operand] = [.value(x.name), weight]
    if bias { operands.append(try parameter("\(name).bias", TensorType(.f32, [outChannels]))) }
    return try apply(.conv3d, operands, attributes: ["stride": .ints(stride), "padding": .ints(pads)], name: name)
  }

  /// Affine instance norm with `<name>.weight` (gamma) and `<name>.bias` (beta).
  public func instanceNorm(_ x: Value, eps: Double = 1e-5, name: String) throws -> Value {
    let channels = x.shape[1]
    let gamma = try parameter("\(name).weight", TensorType(.f32, [channels]))
    let beta = try parameter("\(name).bias", TensorType(.f32, [channels]))
    return try apply(.instanceNorm, [.value(x.name), gamma, beta], attributes: ["eps": .float(eps)], name: name)
  }

  public func leakyRelu(_ x: Value, slope: Double = 0.01, name: String) throws -> Value {
    try apply(.leakyRelu, [.value(x.name)], attributes: ["slope": .float(slope)], name: name)
  }

  public func add(_ a: Value, _ b: Value, name: String) throws -> Value {
    try apply(.add, [.value(a.name), .value(b.name)], name: name)
  }

  public func upsampleNearest(_ x: Value, scale: [Int], name: String) throws -> Value {
    try apply(.upsampleNearest, [.value(x.name)], attributes: ["scale": .ints(scale)], name: name)
  }

  public func concat(_ values: [Value], axis: Int = 1, name: String) throws -> Value {
    try apply(.concat, values.map { .value($0.name) }, attributes: ["axis": .int(axis)], name: name)
  }

  public func softmax(_ x: Value, axis: Int = 1, name: String) throws -> Value {
    try apply(.softmax, [.value(x.name)], attributes: ["axis": .int(axis)], name: name)
  }

  public func argmax(_ x: Value, axis: Int = 1, name: String) throws -> Value {
    try apply(.argmax, [.value(x.name)], attributes: ["axis": .int(axis)], name: name)
  }
}
