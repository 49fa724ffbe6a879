// What the lowering needs to know about the machine: the fp32 vector width (which picks the
// blocked channel layout, 8 -> NCDHW8c for AVX2), the thread count (thread split attributes)
// and cache sizes (tile sizes). Printed at the top of every Kernel IR dump.

import GraphIR

public struct TargetDescription: Hashable, Sendable {
  public var name: String
  /// fp32 lanes of one vector register (8 for AVX2, 16 for AVX-512, 1: no blocking).
  public var vectorWidth: Int
  public var threads: Int
  public var l1DataBytes: Int
  public var l2Bytes: Int
  /// Alignment of the arena and of every buffer in it.
  public var alignment: Int

  public init(
    name: String, vectorWidth: Int, threads: Int, l1DataBytes: Int = 32 * 1024, l2Bytes: Int = 512 * 1024,
    alignment: Int = 64
  ) {
    self.name = name
    self.vectorWidth = vectorWidth
    self.threads = threads
    self.l1DataBytes = l1DataBytes
    self.l2Bytes = l2Bytes
    self.alignment = alignment
  }

  /// An AVX2 + FMA x86-64 core pair (the project's reference machine, DESIGN.md §6).
  public static let avx2 = TargetDescription(name: "x86-64-avx2", vectorWidth: 8, threads: 2)

  /// A target without vector blocking: every activation stays NCDHW.
  public static let scalar = TargetDescription(name: "scalar", vectorWidth: 1, threads: 1)

  var attributes: [String: Attribute] {
    [
      "name": .string(name), "vector_width": .int(vectorWidth), "threads": .int(threads),
      "l1_bytes": .int(l1DataBytes), "l2_bytes": .int(l2Bytes), "alignment": .int(alignment),
    ]
  }

  init(attributes: [String: Attribute], location: String) throws {
    func int(_ key: String) throws -> Int {
      guard let value = attributes[key]?.intValue, value >= 1 else {
        throw KernelIRError(.attribute, at: location, "target needs '\(key)' as a positive integer")
      }
      return value
    }
    guard let name = attributes["name"]?.stringValue else {
      throw KernelIRError(.attribute, at: location, "target needs 'name' as a string")
    }
    let known: Set = ["name", "vector_width", "threads", "l1_bytes", "l2_bytes", "alignment"]
    if let unknown = attributes.keys.sorted().first(where: { !known.contains($0) }) {
      throw KernelIRError(.attribute, at: location, "unknown target attribute '\(unknown)'")
    }
    self.init(
      name: name, vectorWidth: try int("vector_width"), threads: try int("threads"),
      l1DataBytes: try int("l1_bytes"), l2Bytes: try int("l2_bytes"), alignment: try int("alignment"))
  }
}
