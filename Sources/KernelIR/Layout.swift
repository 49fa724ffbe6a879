// Memory layouts of Kernel IR buffers and their byte sizes.
//
// - `NCDHW` (row-major of the logical shape; spelled `row_major` for ranks other than 5),
// - `NCDHW8c`: channels in blocks of 8 innermost, [N][ceil(C/8)][D][H][W][8]; the channel count is
//   padded to a multiple of 8 and the padding lanes always hold zeros (every kernel writes them),
//   so vector code may read whole blocks. Rank >= 2 tensors: every axis after C is "spatial".
// - `OIDHW8i8o`: a packed convolution weight [ceil(O/8)][sum_j ceil(I_j/8)][kd][kh][kw][8i][8o],
//   where I_j are the input-channel segments (one per concatenated input, see `segments`);
//   `OIDHW8o` is the same with unblocked input channels (inputs in NCDHW), for the first conv.
// - `C8`: a per-channel vector (bias, gamma, beta) zero-padded to a multiple of 8.

import GraphIR

public enum Layout: Hashable, Sendable {
  case rowMajor
  case channelBlocked(Int)
  case packedConvWeight(inputBlock: Int, outputBlock: Int)
  case paddedVector(Int)

  /// The text spelling; `rank` picks `NCDHW` or `row_major` for row-major buffers.
  public func name(rank: Int) -> String {
    switch self {
    case .rowMajor: return rank == 5 ? "NCDHW" : "row_major"
    case .channelBlocked(let block): return "NCDHW\(block)c"
    case .packedConvWeight(let inputBlock, let outputBlock):
      return inputBlock > 1 ? "OIDHW\(inputBlock)i\(outputBlock)o" : "OIDHW\(outputBlock)o"
    case .paddedVector(let block): return "C\(block)"
    }
  }

  /// Reads a layout spelling; nil when it is not one.
  public static func parse(_ text: String) -> Layout? {
    if text == "NCDHW" || text == "row_major" { return .rowMajor }
    func number(_ digits: Substring) -> Int? {
      guard !digits.isEmpty, digits.allSatisfy(\.isNumber), let value = Int(digits), value >= 1 else { return nil }
      return value
    }
    if text.hasPrefix("NCDHW"), text.hasSuffix("c") {
      return number(text.dropFirst(5).dropLast()).map { .channelBlocked($0) }
    }
    if text.hasPrefix("OIDHW"), text.hasSuffix("o") {
      let body = text.dropFirst(5).dropLast()
      if let split = body.firstIndex(of: "i") {
        guard let inputBlock = number(body[..<split]), let outputBlock = number(body[body.index(after: split)...])
        else { return nil }
        return .packedConvWeight(inputBlock: inputBlock, outputBlock: outputBlock)
      }
      return number(body).map { .packedConvWeight(inputBlock: 1, outputBlock: $0) }
    }
    if text.hasPrefix("C") {
      return number(text.dropFirst()).map { .paddedVector($0) }
    }
    return nil
  }

  /// Channel block of an activation layout: 1 for row-major, b for NCDHWbc.
  public var channelBlock: Int? {
    switch self {
    case .rowMajor: return 1
    case .channelBlocked(let block): return block
    default: return nil
    }
  }

  /// Whether this layout can hold a tensor of `rank` as an activation (input, output, arena buffer).
  public func suitsActivation(rank: Int) -> Bool {
    switch self {
    case .rowMajor: return true
    case .channelBlocked: return rank >= 2
    default: return false
    }
  }

  /// Bytes a buffer of `type` occupies in this layout; nil when the type does not fit the layout
  /// or the size overflows. `segments` splits the input channels of a packed conv weight.
  public func byteCount(of type: TensorType, segments: [Int]? = nil) -> Int? {
    let shape = type.shape
    let elementBytes = type.dtype.byteSize
    switch self {
    case .rowMajor:
      return type.byteCount
    case .channelBlocked(let block):
      guard shape.count >= 2, let channels = CheckedSize.roundUp(shape[1], to: block) else { return nil }
      var padded = shape
      padded[1] = channels
      return CheckedSize.product(padded + [elementBytes])
    case .packedConvWeight(let inputBlock, let outputBlock):
      guard shape.count == 5, let outputs = CheckedSize.roundUp(shape[0], to: outputBlock),
        let inputs = Layout.paddedInputChannels(shape[1], segments: segments, block: inputBlock)
      else { return nil }
      return CheckedSize.product([outputs, inputs] + Array(shape[2...]) + [elementBytes])
    case .paddedVector(let block):
      guard shape.count == 1, let channels = CheckedSize.roundUp(shape[0], to: block) else { return nil }
      return CheckedSize.product([channels, elementBytes])
    }
  }

  /// Sum over segments of the segment size rounded up to `block`; nil when the segments do not
  /// add up to `channels`.
  static func paddedInputChannels(_ channels: Int, segments: [Int]?, block: Int) -> Int? {
    let parts = segments ?? [channels]
    guard parts.allSatisfy({ $0 >= 1 }), parts.reduce(0, +) == channels else { return nil }
    var total = 0
    for part in parts {
      guard let padded = CheckedSize.roundUp(part, to: block) else { return nil }
      total += padded
    }
    return total
  }
}
