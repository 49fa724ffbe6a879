// The kernel vocabulary of the Kernel IR: what each kind computes, which operand roles it takes
// (inputs and outputs are named by role, so code generators look them up by name), which
// attributes it needs, and when its output may overwrite one of its inputs in place.
//
//   conv3d_first   zero-padded 3-D convolution reading NCDHW input (few channels, the stem)
//   conv3d_direct  3-D convolution on blocked input, register-blocked direct algorithm (no im2col)
//   conv3d_1x1     1x1x1 convolution (optionally reading its input through a nearest upsample)
//                  Every conv: inputs concatenated along channels in order, + bias, + residual,
//                  LeakyReLU if `slope`; optional `stats` output: per-channel statistics partials
//                  of the values written to `output` (for a following norm_act).
//   channel_stats  statistics partials of a buffer (instance norm of a value no conv produced)
//   norm_act       y = act(gamma * (x - mean) / sqrt(var + eps) + beta + residual), from partials
//   add            element-wise a + b (then LeakyReLU if `slope`)
//   leaky_relu     element-wise
//   upsample_nearest, concat (any axis), copy (also converts layouts), softmax, argmax
//
// Statistics partials: a buffer f32[N, C, P, 3] holding, for each sample, channel and part p of
// the first spatial axis (indices [p*S/P, (p+1)*S/P)), the count, mean and sum of squared
// deviations (M2) of that part. norm_act merges the P partials with Chan's formula (never
// E[x^2] - E[x]^2, case C27).

import GraphIR

public enum KernelKind: String, CaseIterable, Sendable {
  case conv3dFirst = "conv3d_first"
  case conv3dDirect = "conv3d_direct"
  case conv3dPointwise = "conv3d_1x1"
  case channelStats = "channel_stats"
  case normAct = "norm_act"
  case add
  case leakyRelu = "leaky_relu"
  case upsampleNearest = "upsample_nearest"
  case concat
  case copy
  case softmax
  case argmax

  public var isConvolution: Bool { self == .conv3dFirst || self == .conv3dDirect || self == .conv3dPointwise }

  /// Role names and how many operands of each role (inputs, in canonical order).
  public var inputRoles: [(role: String, count: ClosedRange<Int>)] {
    switch self {
    case .conv3dFirst, .conv3dDirect, .conv3dPointwise:
      return [("input", 1...64), ("weight", 1...1), ("bias", 0...1), ("residual", 0...1)]
    case .channelStats, .leakyRelu, .upsampleNearest, .copy, .softmax, .argmax:
      return [("input", 1...1)]
    case .normAct:
      return [("input", 1...1), ("stats", 1...1), ("gamma", 0...1), ("beta", 0...1), ("residual", 0...1)]
    case .add:
      return [("input", 2...2)]
    case .concat:
      return [("input", 1...64)]
    }
  }

  public var outputRoles: [(role: String, count: ClosedRange<Int>)] {
    switch self {
    case .conv3dFirst, .conv3dDirect, .conv3dPointwise: return [("output", 1...1), ("stats", 0...1)]
    case .channelStats: return [("stats", 1...1)]
    default: return [("output", 1...1)]
    }
  }

  /// Attributes every kernel of this kind needs, and the optional ones it understands
  /// (`tile`, `threads` and the conv blocking attributes are descriptive: for code generators).
  public var requiredAttributes: [String] {
    switch self {
    case .conv3dFirst, .conv3dDirect, .conv3dPointwise: return ["stride", "padding"]
    case .normAct: return ["eps", "stat_parts"]
    case .channelStats: return ["stat_parts"]
    case .upsampleNearest: return ["scale"]
    case .concat, .softmax, .argmax: return ["axis"]
    case .add, .leakyRelu, .copy: return []
    }
  }

  public var optionalAttributes: [String] {
    let common = ["tile", "threads"]
    switch self {
    case .conv3dFirst, .conv3dDirect, .conv3dPointwise:
      return common + ["slope", "stat_parts", "upsample", "register_block", "ic_block"]
    case .add: return common + ["slope"]
    case .leakyRelu: return common + ["slope"]
    case .normAct: return common + ["slope"]
    default: return common
    }
  }
}

/// One operand of a kernel: the buffer playing `role`.
public struct KernelOperand: Hashable, Sendable {
  public var role: String
  public var buffer: String

  public init(_ role: String, _ buffer: String) {
    self.role = role
    self.buffer = buffer
  }
}
