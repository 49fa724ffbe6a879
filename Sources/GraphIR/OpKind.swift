// The operations of the Graph IR and their signatures (operand counts, attributes).
// Semantics are documented in Docs/IR.md; the interpreter implements each one as the reference.

public enum OpKind: String, CaseIterable, Sendable {
  /// conv3d(x, w[, b]) {stride=[sd,sh,sw], padding=[d0,d1,h0,h1,w0,w1]}: zero-padded 3-D cross-correlation.
  case conv3d
  /// instance_norm(x[, gamma, beta]) {eps}: per-(n,c) mean and biased variance over all spatial voxels.
  case instanceNorm = "instance_norm"
  /// leaky_relu(x) {slope}
  case leakyRelu = "leaky_relu"
  /// add(a, b): element-wise, identical shapes.
  case add
  /// upsample_nearest(x) {scale=[sd,sh,sw]}: out[i] = in[i / s] per spatial axis.
  case upsampleNearest = "upsample_nearest"
  /// concat(x0, x1, ...) {axis}
  case concat
  /// softmax(x) {axis}
  case softmax
  /// argmax(x) {axis}: i64 indices, the axis removed; ties go to the lowest index.
  case argmax
  /// fused_conv3d(x1..xk, w[, b][, gamma, beta][, residual]) {stride, padding, inputs=k,
  /// has_bias, eps (present: instance norm), slope (present: LeakyReLU), has_residual}:
  /// act(instance_norm(conv(concat(x1..xk), w) + b) + residual). Produced by the fusion passes;
  /// the inputs are concatenated along channels in order, so the weight keeps its checkpoint shape.
  case fusedConv3d = "fused_conv3d"

  /// Allowed operand counts.
  public var operandCounts: ClosedRange<Int> {
    switch self {
    case .conv3d: return 2...3
    case .instanceNorm: return 1...3
    case .leakyRelu, .upsampleNearest, .softmax, .argmax: return 1...1
    case .add: return 2...2
    case .concat: return 1...64
    case .fusedConv3d: return 2...70
    }
  }

  /// Attributes every node of this kind must carry, with their expected form.
  public var requiredAttributes: [(name: String, form: AttributeForm)] {
    switch self {
    case .conv3d: return [("stride", .ints(count: 3)), ("padding", .ints(count: 6))]
    case .instanceNorm: return [("eps", .float)]
    case .leakyRelu: return [("slope", .float)]
    case .add: return []
    case .upsampleNearest: return [("scale", .ints(count: 3))]
    case .concat, .softmax, .argmax: return [("axis", .int)]
    case .fusedConv3d:
      return [
        ("stride", .ints(count: 3)), ("padding", .ints(count: 6)), ("inputs", .int), ("has_bias", .bool),
        ("has_residual", .bool),
      ]
    }
  }
}

public enum AttributeForm: Equatable, Sendable {
  case int
  case ints(count: Int)
  case float
  case string
  case bool

  func accepts(_ attribute: Attribute) -> Bool {
    switch (self, attribute) {
    case (.int, .int), (.string, .string), (.bool, .bool): return true
    case (.float, .float), (.float, .int): return true
    case (.ints(let count), .ints(let values)): return values.count == count
    default: return false
    }
  }

  var description: String {
    switch self {
    case .int: return "an integer"
    case .ints(let count): return "a list of \(count) integers"
    case .float: return "a number"
    case .string: return "a string"
    case .bool: return "true or false"
    }
  }
}
