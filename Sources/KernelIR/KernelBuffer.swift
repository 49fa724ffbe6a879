// Buffers of the Kernel IR: every tensor a kernel reads or writes. A buffer has a logical type
// (element type and shape, as in the Graph IR), a layout, a byte size, and after memory planning
// a live interval [first kernel, last kernel] and an offset in the one activation arena.
//
// Kinds: graph inputs and outputs and intermediate activations live in the arena (the runtime
// copies inputs in and reads outputs out); weights are bound to a graph parameter and pre-packed
// into their layout at compile time (outside the arena); a view is a channel range of another
// buffer (producers write into channel halves of a concatenation through views).

import GraphIR

public enum BufferKind: Hashable, Sendable {
  case input
  case output
  case activation
  /// Bound to the graph parameter (checkpoint key) of that name, stored packed in the buffer's layout.
  case weight(parameter: String)
  /// Channels [channelOffset, channelOffset + C) of `base`, same spatial shape and layout.
  case view(base: String, channelOffset: Int)

  /// Whether the buffer occupies its own bytes of the activation arena (views share their base's).
  public var ownsArenaStorage: Bool {
    switch self {
    case .input, .output, .activation: return true
    case .weight, .view: return false
    }
  }

  public var isWeight: Bool {
    if case .weight = self { return true }
    return false
  }

  public var viewBase: String? {
    if case .view(let base, _) = self { return base }
    return nil
  }
}

/// Kernels [first, last] (indices into the program's kernel list, inclusive) during which a buffer
/// must hold its bytes. A buffer is live for the whole of each kernel that reads or writes it.
public struct LiveInterval: Hashable, Sendable, CustomStringConvertible {
  public var first: Int
  public var last: Int

  public init(_ first: Int, _ last: Int) {
    self.first = first
    self.last = last
  }

  public func overlaps(_ other: LiveInterval) -> Bool { first <= other.last && other.first <= last }
  public func contains(_ kernel: Int) -> Bool { first <= kernel && kernel <= last }
  public var description: String { "[\(first),\(last)]" }
}

public struct KernelBuffer: Hashable, Sendable {
  public var name: String
  public var type: TensorType
  public var layout: Layout
  public var kind: BufferKind
  /// Bytes the buffer occupies in its layout (views: the bytes of their channel range).
  public var byteCount: Int
  /// Packed conv weights over concatenated inputs: the input-channel count of each input.
  public var segments: [Int]?
  public var live: LiveInterval?
  /// Byte offset in the arena (views: of their first channel block; weights: none).
  public var offset: Int?
  /// Set by the memory planner: this buffer reuses the bytes of that one in place (the kernel
  /// that defines this buffer is the last reader of that one and computes element by element).
  public var inPlaceOf: String?

  public init(
    name: String, type: TensorType, layout: Layout, kind: BufferKind, byteCount: Int, segments: [Int]? = nil,
    live: LiveInterval? = nil, offset: Int? = nil, inPlaceOf: String? = nil
  ) {
    self.name = name
    self.type = type
    self.layout = layout
    self.kind = kind
    self.byteCount = byteCount
    self.segments = segments
    self.live = live
    self.offset = offset
    self.inPlaceOf = inPlaceOf
  }

  /// Creates a buffer with its byte size computed from the layout.
  public init(name: String, type: TensorType, layout: Layout, kind: BufferKind, segments: [Int]? = nil) throws {
    guard let bytes = BufferGeometry.byteCount(type: type, layout: layout, kind: kind, segments: segments) else {
      throw KernelIRError(
        .layout, at: "buffer \(BufferGeometry.sigil(kind))\(name)",
        "\(type) cannot be stored in layout \(layout.name(rank: type.rank)) or its size overflows")
    }
    self.init(name: name, type: type, layout: layout, kind: kind, byteCount: bytes, segments: segments)
  }

  /// `%name` for arena buffers and views, `@name` for weights.
  public var reference: String { BufferGeometry.sigil(kind) + name }
}

enum BufferGeometry {
  static func sigil(_ kind: BufferKind) -> String { kind.isWeight ? "@" : "%" }

  /// Expected byte size; for a view, of the view's own logical channels in the shared layout
  /// (blocked views start at a block boundary, so this is whole blocks).
  static func byteCount(type: TensorType, layout: Layout, kind: BufferKind, segments: [Int]?) -> Int? {
    layout.byteCount(of: type, segments: segments)
  }
}
