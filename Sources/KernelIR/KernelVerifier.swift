// The Kernel IR verifier: buffers declared once with sizes that match their layouts, views
// inside their bases, every kernel's operands declared with the roles, attributes and shapes its
// kind needs, every buffer written once and before it is read, stored live intervals covering
// every use, offsets aligned. It does not prove that a memory plan is free of overlaps: that is
// `PlanChecker` in MemoryPlan, independent of the planner.

import GraphIR

public enum KernelVerifier {
  public static func verify(_ program: KernelProgram) throws {
    try verifyBuffers(program)
    let index = program.bufferIndex
    for (position, kernel) in program.kernels.enumerated() {
      let location = describe(kernel, at: position)
      try verifyOperands(kernel, program, index, location: location)
      try verifyAttributes(kernel, location: location)
      try KernelShapeRules.verify(kernel, program, index, location: location)
    }
    try verifyDataflow(program, index)
    try verifyOutputs(program, index)
    try verifyIntervals(program)
  }

  public static func describe(_ kernel: Kernel, at index: Int) -> String {
    let outputs = kernel.writtenBuffers.map { "%" + $0 }.joined(separator: ", ")
    return "kernel \(index) (\(kernel.kind.rawValue) -> \(outputs))"
  }

  static func verifyBuffers(_ program: KernelProgram) throws {
    var seen: Set<String> = []
    let index = program.bufferIndex
    let alignment = max(program.target.alignment, 1)
    for buffer in program.buffers {
      let location = "buffer \(buffer.reference)"
      func fail(_ kind: KernelIRError.Kind, _ message: String) -> KernelIRError {
        KernelIRError(kind, at: location, message)
      }
      guard seen.insert(buffer.name).inserted else { throw fail(.duplicateBuffer, "declared twice") }
      let layoutName = buffer.layout.name(rank: buffer.type.rank)
      switch buffer.kind {
      case .weight:
        switch buffer.layout {
        case .packedConvWeight where buffer.type.rank != 5, .paddedVector where buffer.type.rank != 1,
          .channelBlocked:
          throw fail(.layout, "a weight of type \(buffer.type) cannot use layout \(layoutName)")
        default: break
        }
        guard buffer.offset == nil else { throw fail(.memory, "weights live outside the arena and have no offset") }
      default:
        guard buffer.layout.suitsActivation(rank: buffer.type.rank) else {
          throw fail(.layout, "layout \(layoutName) is for weights; activations use NCDHW, row_major or NCDHW<b>c")
        }
      }
      if buffer.segments != nil {
        guard case .packedConvWeight = buffer.layout, buffer.kind.isWeight else {
          throw fail(.layout, "only packed conv weights have 'segments'")
        }
      }
      guard let expected = buffer.layout.byteCount(of: buffer.type, segments: buffer.segments) else {
        throw fail(.layout, "\(buffer.type) does not fit layout \(layoutName) (segments \(buffer.segments ?? []))")
      }
      guard buffer.byteCount == expected else {
        throw fail(.size, "declares \(buffer.byteCount) bytes, \(buffer.type) in \(layoutName) takes \(expected)")
      }
      if case .view(let baseName, let channelOffset) = buffer.kind {
        guard let position = index[baseName] else { throw fail(.undefinedBuffer, "view of undeclared %\(baseName)") }
        let base = program.buffers[position]
        guard base.kind.ownsArenaStorage else { throw fail(.layout, "the base %\(baseName) of a view must be an arena buffer") }
        guard base.layout == buffer.layout, base.type.dtype == buffer.type.dtype, base.type.rank == buffer.type.rank,
          base.type.rank >= 2, base.type.shape[0] == buffer.type.shape[0],
          base.type.shape[2...] == buffer.type.shape[2...]
        else { throw fail(.shape, "view \(buffer.type) \(layoutName) does not match its base %\(baseName) \(base.type)") }
        let end = channelOffset + buffer.type.shape[1]
        guard channelOffset >= 0, end <= base.type.shape[1] else {
          throw fail(.shape, "channels [\(channelOffset), \(end)) are outside %\(baseName)'s \(base.type.shape[1])")
        }
        let block = buffer.layout.channelBlock ?? 1
        guard channelOffset % block == 0, end % block == 0 || end == base.type.shape[1] else {
          throw fail(.layout, "channel range [\(channelOffset), \(end)) must start and end on blocks of \(block) (or end at the base's last channel)")
        }
        if let offset = buffer.offset, let baseOffset = base.offset,
          offset != baseOffset &+ viewByteOffset(buffer, base: base)
        {
          throw fail(.memory, "offset \(offset) must be its base's \(baseOffset) + \(viewByteOffset(buffer, base: base))")
        }
      } else if let offset = buffer.offset {
        guard offset >= 0, offset % alignment == 0 else {
          throw fail(.memory, "offset \(offset) is not a non-negative multiple of \(alignment)")
        }
      }
      if let previous = buffer.inPlaceOf {
        guard let position = index[previous], program.buffers[position].kind.ownsArenaStorage, previous != buffer.name,
          buffer.kind.ownsArenaStorage
        else { throw fail(.memory, "inplace(%\(previous)) must name another arena buffer") }
      }
      if let live = buffer.live {
        guard !buffer.kind.isWeight else { throw fail(.interval, "weights have no live interval") }
        guard live.first >= 0, live.first <= live.last, live.last < max(program.kernels.count, 1) else {
          throw fail(.interval, "\(live) is not within the \(program.kernels.count) kernels")
        }
      }
    }
  }

  /// Byte offset of a view's first element inside its base (sample 0, first channel of the view).
  public static func viewByteOffset(_ view: KernelBuffer, base: KernelBuffer) -> Int {
    guard case .view(_, let channelOffset) = view.kind else { return 0 }
    let spatial = base.type.shape.dropFirst(2).reduce(1, &*)
    return channelOffset &* spatial &* base.type.dtype.byteSize
  }

  static func verifyOperands(
    _ kernel: Kernel, _ program: KernelProgram, _ index: [String: Int], location: String
  ) throws {
    func fail(_ message: String) -> KernelIRError { KernelIRError(.operand, at: location, message) }
    for (operands, roles, side) in [
      (kernel.inputs, kernel.kind.inputRoles, "input"), (kernel.outputs, kernel.kind.outputRoles, "output"),
    ] {
      let known = roles.map(\.role)
      if let unknown = operands.first(where: { !known.contains($0.role) }) {
        throw fail("\(side) role '\(unknown.role)' is unknown (\(kernel.kind.rawValue) takes \(known.joined(separator: ", ")))")
      }
      var position = 0
      for (role, count) in roles {
        var found = 0
        while position < operands.count && operands[position].role == role {
          found += 1
          position += 1
        }
        guard count.contains(found) else {
          throw fail("takes \(count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)") '\(role)' \(side)(s), got \(found)")
        }
      }
      if position < operands.count {
        let expected = roles.map(\.role).joined(separator: ", ")
        throw fail("\(side) role '\(operands[position].role)' is unknown or out of order (expected \(expected))")
      }
    }
    let weightRoles: Set = ["weight", "bias", "gamma", "beta"]
    for operand in kernel.inputs + kernel.outputs {
      guard let position = index[operand.buffer] else {
        throw KernelIRError(.undefinedBuffer, at: location, "\(operand.role) %\(operand.buffer) is not declared")
      }
      let isWeight = program.buffers[position].kind.isWeight
      guard isWeight == weightRoles.contains(operand.role) else {
        throw fail(isWeight ? "weight @\(operand.buffer) cannot be the \(operand.role)" : "the \(operand.role) must be a weight buffer, %\(operand.buffer) is not")
      }
    }
    for operand in kernel.outputs {
      switch program.buffers[index[operand.buffer] ?? 0].kind {
      case .input, .weight: throw fail("cannot write the graph input or weight %\(operand.buffer)")
      default: break
      }
    }
  }

  static func verifyAttributes(_ kernel: Kernel, location: String) throws {
    let kind = kernel.kind
    for name in kind.requiredAttributes where kernel.attributes[name] == nil {
      throw KernelIRError(.attribute, at: location, "\(kind.rawValue) needs attribute '\(name)'")
    }
    let known = Set(kind.requiredAttributes + kind.optionalAttributes)
    if let unknown = kernel.attributes.keys.sorted().first(where: { !known.contains($0) }) {
      throw KernelIRError(.attribute, at: location, "\(kind.rawValue) has no attribute '\(unknown)'")
    }
    for name in ["tile", "threads", "register_block"] where kernel.attributes[name] != nil {
      guard let values = kernel.ints(name), !values.isEmpty, values.allSatisfy({ $0 >= 1 }) else {
        throw KernelIRError(.attribute, at: location, "'\(name)' must be a list of integers >= 1")
      }
    }
    if kernel.attributes["slope"] != nil {
      guard let slope = kernel.float("slope"), slope.isFinite else {
        throw KernelIRError(.attribute, at: location, "'slope' must be a finite number")
      }
    }
    if kernel.attributes["stat_parts"] != nil {
      guard let parts = kernel.int("stat_parts"), parts >= 1 else {
        throw KernelIRError(.attribute, at: location, "'stat_parts' must be an integer >= 1")
      }
    }
  }

  /// Written once, never before read; bases of views are written through their views only.
  static func verifyDataflow(_ program: KernelProgram, _ index: [String: Int]) throws {
    var views: [String: [String]] = [:]
    for buffer in program.buffers {
      if let base = buffer.kind.viewBase { views[base, default: []].append(buffer.name) }
    }
    var written: Set<String> = []
    for (position, kernel) in program.kernels.enumerated() {
      let location = describe(kernel, at: position)
      for name in kernel.readBuffers {
        guard let buffer = index[name].map({ program.buffers[$0] }) else { continue }
        switch buffer.kind {
        case .input, .weight: continue
        default: break
        }
        let sources = views[name] ?? [name]
        for source in sources where !written.contains(source) {
          throw KernelIRError(.order, at: location, "reads %\(name) before any kernel writes %\(source)")
        }
      }
      for name in kernel.writtenBuffers {
        guard views[name] == nil else {
          throw KernelIRError(.order, at: location, "writes %\(name) directly, but it is written through its views")
        }
        guard written.insert(name).inserted else {
          throw KernelIRError(.order, at: location, "writes %\(name), which an earlier kernel (or this one) already wrote")
        }
      }
    }
    for buffer in program.buffers where buffer.kind == .output {
      let sources = views[buffer.name] ?? [buffer.name]
      for source in sources where !written.contains(source) {
        throw KernelIRError(.order, at: "buffer %\(buffer.name)", "output is never written")
      }
    }
  }

  static func verifyOutputs(_ program: KernelProgram, _ index: [String: Int]) throws {
    for name in program.outputs {
      guard let position = index[name], program.buffers[position].kind == .output else {
        throw KernelIRError(.operand, at: "output %\(name)", "must name a buffer declared 'output'")
      }
    }
    for buffer in program.buffers where buffer.kind == .output && !program.outputs.contains(buffer.name) {
      throw KernelIRError(.operand, at: "buffer %\(buffer.name)", "declared 'output' but not listed in 'output'")
    }
  }

  /// Stored intervals must contain every kernel that touches the buffer.
  static func verifyIntervals(_ program: KernelProgram) throws {
    let required = Liveness.intervals(program)
    for buffer in program.buffers {
      guard let live = buffer.live, let needed = required[buffer.name] else { continue }
      guard live.first <= needed.first, live.last >= needed.last else {
        throw KernelIRError(
          .interval, at: "buffer %\(buffer.name)", "live \(live) does not cover its uses \(needed)")
      }
    }
  }
}
