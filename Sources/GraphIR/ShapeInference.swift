// Shape inference: the result type of every op from its operand types and attributes.
// Also the single place that checks operand shapes against each other (e.g. a conv weight of the
// wrong shape, a concat of mismatched spatial sizes), so builder, parser and verifier agree.
// All size arithmetic is overflow-checked, and every operand and result type must be a valid
// tensor type (TensorType.sizeProblem): absurd shapes throw a `.size` error naming the op.

public enum ShapeInference {
  /// Result types of `kind` applied to operands of the given types. `location` names the node in errors.
  public static func resultTypes(
    _ kind: OpKind, operands: [TensorType], attributes: [String: Attribute], location: String
  ) throws -> [TensorType] {
    for (position, operand) in operands.enumerated() {
      if let problem = operand.sizeProblem {
        throw GraphError(.size, at: location, "operand \(position): \(problem); use a smaller shape")
      }
    }
    let results = try inferResultTypes(kind, operands: operands, attributes: attributes, location: location)
    for result in results {
      if let problem = result.sizeProblem {
        throw GraphError(.size, at: location, "the result would be invalid: \(problem); use a smaller input shape")
      }
    }
    return results
  }

  private static func inferResultTypes(
    _ kind: OpKind, operands: [TensorType], attributes: [String: Attribute], location: String
  ) throws -> [TensorType] {
    func fail(_ message: String) -> GraphError { GraphError(.shape, at: location, message) }
    guard kind.operandCounts.contains(operands.count) else {
      throw GraphError(
        .operandCount, at: location,
        "\(kind.rawValue) takes \(describe(kind.operandCounts)) operands, got \(operands.count)")
    }
    try checkAttributes(kind, attributes, location: location)
    let x = operands[0]
    switch kind {
    case .conv3d:
      let w = operands[1]
      guard x.rank == 5 else { throw fail("input must be 5-D [N,C,D,H,W], got \(x)") }
      guard w.rank == 5 else { throw fail("weight must be 5-D [OC,IC,kd,kh,kw], got \(w)") }
      guard w.shape[1] == x.shape[1] else {
        throw fail("weight \(w) expects \(w.shape[1]) input channels but the input \(x) has \(x.shape[1])")
      }
      if operands.count == 3 {
        guard operands[2].shape == [w.shape[0]] else {
          throw fail("bias \(operands[2]) must have shape [\(w.shape[0])] to match the weight \(w)")
        }
      }
      let stride = attributes["stride"]?.intsValue ?? []
      let padding = attributes["padding"]?.intsValue ?? []
      var out = [x.shape[0], w.shape[0]]
      for axis in 0..<3 {
        let what = "the padded input on spatial axis \(axis)"
        let padded = try add(
          try add(x.shape[2 + axis], padding[2 * axis], location, what: what), padding[2 * axis + 1], location,
          what: what)
        let kernel = w.shape[2 + axis]
        guard padded >= kernel else {
          throw fail("kernel \(kernel) larger than the padded input \(padded) on spatial axis \(axis)")
        }
        out.append((padded - kernel) / stride[axis] + 1)
      }
      return [TensorType(x.dtype, out)]
    case .instanceNorm:
      guard x.rank >= 3 else { throw fail("input must have a batch, a channel and spatial axes, got \(x)") }
      guard operands.count != 2 else {
        throw GraphError(.operandCount, at: location, "instance_norm takes either 1 operand or 3 (x, gamma, beta)")
      }
      for affine in operands.dropFirst() where affine.shape != [x.shape[1]] {
        throw fail("affine parameter \(affine) must have shape [\(x.shape[1])] (one per channel of \(x))")
      }
      return [x]
    case .leakyRelu:
      return [x]
    case .add:
      guard operands[1].shape == x.shape else { throw fail("operands \(x) and \(operands[1]) differ in shape") }
      return [x]
    case .upsampleNearest:
      guard x.rank == 5 else { throw fail("input must be 5-D, got \(x)") }
      let scale = attributes["scale"]?.intsValue ?? []
      var shape = Array(x.shape[0..<2])
      for axis in 0..<3 {
        shape.append(try multiply(x.shape[2 + axis], scale[axis], location, what: "the upsampled size on spatial axis \(axis)"))
      }
      return [TensorType(x.dtype, shape)]
    case .concat:
      let axis = attributes["axis"]?.intValue ?? 0
      guard axis >= 0, axis < x.rank else { throw outOfRange("axis", axis, "0..<\(x.rank)", location) }
      var total = 0
      for operand in operands {
        guard operand.rank == x.rank else { throw fail("cannot concat \(x) with \(operand): ranks differ") }
        for dim in 0..<x.rank where dim != axis && operand.shape[dim] != x.shape[dim] {
          throw fail("cannot concat \(x) with \(operand) along axis \(axis): axis \(dim) differs")
        }
        total = try add(total, operand.shape[axis], location, what: "the concatenated size along axis \(axis)")
      }
      var shape = x.shape
      shape[axis] = total
      return [TensorType(x.dtype, shape)]
    case .fusedConv3d:
      return [try fusedConvolutionType(operands, attributes: attributes, location: location)]
    case .softmax, .argmax:
      let axis = attributes["axis"]?.intValue ?? 0
      guard axis >= 0, axis < x.rank else { throw outOfRange("axis", axis, "0..<\(x.rank)", location) }
      if kind == .softmax { return [x] }
      var shape = x.shape
      shape.remove(at: axis)
      return [TensorType(.i64, shape)]
    }
  }

  /// Operand roles of a fused_conv3d node, from its attributes.
  public struct FusedConvolutionOperands: Equatable, Sendable {
    public var inputs: Range<Int>
    public var weight: Int
    public var bias: Int?
    public var gamma: Int?
    public var beta: Int?
    public var residual: Int?
    public var count: Int

    /// Operand counts out of any real range (`inputs` near Int.max) are clamped so the positions
    /// cannot overflow; `fusedConvolutionType` rejects them.
    public init(attributes: [String: Attribute]) {
      let inputCount = min(max(attributes["inputs"]?.intValue ?? 1, 1), Self.maxInputs)
      inputs = 0..<inputCount
      var next = inputCount
      weight = next
      next += 1
      bias = (attributes["has_bias"]?.boolValue ?? false) ? next : nil
      if bias != nil { next += 1 }
      if attributes["eps"] != nil {
        gamma = next
        beta = next + 1
        next += 2
      }
      residual = (attributes["has_residual"]?.boolValue ?? false) ? next : nil
      if residual != nil { next += 1 }
      count = next
    }

    static let maxInputs = 1 << 32
  }

  static func fusedConvolutionType(
    _ operands: [TensorType], attributes: [String: Attribute], location: String
  ) throws -> TensorType {
    func fail(_ message: String) -> GraphError { GraphError(.shape, at: location, message) }
    let declaredInputs = attributes["inputs"]?.intValue ?? 0
    guard declaredInputs >= 1, declaredInputs < operands.count else {
      throw outOfRange("inputs", declaredInputs, "1...\(max(operands.count - 1, 1)) (fewer than the \(operands.count) operands)", location)
    }
    let roles = FusedConvolutionOperands(attributes: attributes)
    guard operands.count == roles.count else {
      throw GraphError(
        .operandCount, at: location, "the attributes describe \(roles.count) operands, the op has \(operands.count)")
    }
    let first = operands[roles.inputs.lowerBound]
    var channels = 0
    for index in roles.inputs {
      let input = operands[index]
      guard input.rank == 5, input.shape[0] == first.shape[0], input.shape[2...] == first.shape[2...] else {
        throw fail("inputs \(first) and \(input) cannot be concatenated along channels")
      }
      channels = try add(channels, input.shape[1], location, what: "the concatenated input channels")
    }
    var concatenated = first
    concatenated.shape[1] = channels
    var convOperands = [concatenated, operands[roles.weight]]
    if let bias = roles.bias { convOperands.append(operands[bias]) }
    let convAttributes = attributes.filter { $0.key == "stride" || $0.key == "padding" }
    guard let result = try resultTypes(.conv3d, operands: convOperands, attributes: convAttributes, location: location).first
    else { throw fail("no result") }
    for index in [roles.gamma, roles.beta].compactMap({ $0 }) where operands[index].shape != [result.shape[1]] {
      throw fail("norm parameter \(operands[index]) must have shape [\(result.shape[1])]")
    }
    if let eps = attributes["eps"]?.floatValue, !(eps > 0 && eps.isFinite) {
      throw GraphError(.attribute, at: location, "attribute 'eps' = \(eps) out of range: must be a finite number > 0")
    }
    if let residual = roles.residual, operands[residual] != result {
      throw fail("residual \(operands[residual]) must have the result's type \(result)")
    }
    return result
  }

  /// Presence, form and range of attributes.
  static func checkAttributes(_ kind: OpKind, _ attributes: [String: Attribute], location: String) throws {
    for (name, form) in kind.requiredAttributes {
      guard let attribute = attributes[name] else {
        throw GraphError(.attribute, at: location, "\(kind.rawValue) needs attribute '\(name)' (\(form.description))")
      }
      guard form.accepts(attribute) else {
        throw GraphError(
          .attribute, at: location, "attribute '\(name)' must be \(form.description), got \(attribute)")
      }
    }
    switch kind {
    case .conv3d:
      if let stride = attributes["stride"]?.intsValue, let bad = stride.first(where: { $0 < 1 }) {
        throw outOfRange("stride", bad, "≥ 1", location)
      }
      if let padding = attributes["padding"]?.intsValue, let bad = padding.first(where: { $0 < 0 }) {
        throw outOfRange("padding", bad, "≥ 0", location)
      }
    case .upsampleNearest:
      if let scale = attributes["scale"]?.intsValue, let bad = scale.first(where: { $0 < 1 }) {
        throw outOfRange("scale", bad, "≥ 1", location)
      }
    case .instanceNorm:
      if let eps = attributes["eps"]?.floatValue, !(eps > 0 && eps.isFinite) {
        throw GraphError(.attribute, at: location, "attribute 'eps' = \(eps) out of range: must be a finite number > 0")
      }
    case .leakyRelu:
      if let slope = attributes["slope"]?.floatValue, !slope.isFinite {
        throw GraphError(.attribute, at: location, "attribute 'slope' = \(slope) out of range: must be finite")
      }
    default:
      break
    }
  }

  /// `a + b`, or a `.size` error at `location` naming `what` when the sum overflows.
  static func add(_ a: Int, _ b: Int, _ location: String, what: String) throws -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    guard !overflow else { throw GraphError(.size, at: location, "\(what) (\(a) + \(b)) overflows 64 bits") }
    return sum
  }

  /// `a × b`, or a `.size` error at `location` naming `what` when the product overflows.
  static func multiply(_ a: Int, _ b: Int, _ location: String, what: String) throws -> Int {
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    guard !overflow else { throw GraphError(.size, at: location, "\(what) (\(a) × \(b)) overflows 64 bits") }
    return product
  }

  static func outOfRange(_ name: String, _ value: Int, _ range: String, _ location: String) -> GraphError {
    GraphError(.attribute, at: location, "attribute '\(name)' = \(value) out of range: must be \(range)")
  }

  static func describe(_ range: ClosedRange<Int>) -> String {
    range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
  }
}
