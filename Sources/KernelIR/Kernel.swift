// A kernel: one fused unit of work reading and writing buffers. Besides its kind, operands and
// attributes (geometry, epilogue flags, tile sizes and thread split), it carries a cost estimate:
// floating-point operations and the bytes it must move at least (operands read + results written).

import GraphIR

public struct Kernel: Hashable, Sendable {
  public var kind: KernelKind
  public var inputs: [KernelOperand]
  public var outputs: [KernelOperand]
  public var attributes: [String: Attribute]
  public var flops: Int
  public var bytesMoved: Int

  public init(
    kind: KernelKind, inputs: [KernelOperand], outputs: [KernelOperand], attributes: [String: Attribute] = [:],
    flops: Int = 0, bytesMoved: Int = 0
  ) {
    self.kind = kind
    self.inputs = inputs
    self.outputs = outputs
    self.attributes = attributes
    self.flops = flops
    self.bytesMoved = bytesMoved
  }

  /// Buffers playing `role` among the inputs, in order.
  public func inputs(_ role: String) -> [String] { inputs.filter { $0.role == role }.map(\.buffer) }
  public func input(_ role: String) -> String? { inputs.first { $0.role == role }?.buffer }
  public func output(_ role: String) -> String? { outputs.first { $0.role == role }?.buffer }

  public var readBuffers: [String] { inputs.map(\.buffer) }
  public var writtenBuffers: [String] { outputs.map(\.buffer) }

  public func ints(_ name: String) -> [Int]? { attributes[name]?.intsValue }
  public func int(_ name: String) -> Int? { attributes[name]?.intValue }
  public func float(_ name: String) -> Double? { attributes[name]?.floatValue }

  /// Indices into `inputs` whose buffer the output at `outputIndex` may overwrite in place, given
  /// equal layout and size (checked by the planner and the plan checker): element-wise kernels, and
  /// a stride-1 1x1 conv without upsampling (it reads every input channel of a voxel before it
  /// writes that voxel). Statistics outputs are never in place.
  public func inPlaceCandidates(forOutput outputIndex: Int) -> [Int] {
    guard outputs.indices.contains(outputIndex), outputs[outputIndex].role == "output" else { return [] }
    func indices(_ roles: Set<String>) -> [Int] { inputs.indices.filter { roles.contains(inputs[$0].role) } }
    switch kind {
    case .normAct: return indices(["input", "residual"])
    case .add, .leakyRelu: return indices(["input"])
    case .softmax: return int("axis") == 1 ? indices(["input"]) : []
    case .conv3dPointwise:
      let unitStride = ints("stride") == [1, 1, 1]
      let noPadding = ints("padding").map { $0.allSatisfy { $0 == 0 } } ?? false
      return unitStride && noPadding && attributes["upsample"] == nil ? indices(["input", "residual"]) : []
    default: return []
    }
  }
}
