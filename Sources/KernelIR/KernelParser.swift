// Parses the Kernel IR text format back into a KernelProgram, reusing the Graph IR's lexer and
// TokenStream. Syntax only: run `KernelVerifier.verify` for semantics, so a malformed program
// can still be read and diagnosed. Comments (`//`, e.g. the memory summary) are ignored.

import GraphIR

public enum KernelParser {
  public static func parse(_ text: String) throws -> KernelProgram {
    var stream: TokenStream
    do {
      stream = try TokenStream(text)
    } catch let error as GraphError {
      throw KernelIRError(.parse, at: error.location, error.message)
    }
    do {
      let program = try parseProgram(&stream)
      guard stream.isAtEnd else { throw stream.error("unexpected text after the program") }
      return program
    } catch let error as GraphError {
      throw KernelIRError(.parse, at: error.location, error.message)
    }
  }

  static func parseProgram(_ stream: inout TokenStream) throws -> KernelProgram {
    try stream.expectKeyword("kernels")
    let name = try stream.symbolName()
    try stream.expect("{")
    try stream.expectKeyword("target")
    let targetLocation = stream.error("").location
    let target: TargetDescription
    do {
      target = try TargetDescription(attributes: try stream.attributeDictionary(), location: targetLocation)
    } catch let error as KernelIRError {
      throw GraphError(.parse, at: error.location, error.message)
    }
    var program = KernelProgram(name: name, target: target)
    while !stream.accept("}") {
      if stream.acceptKeyword("buffer") {
        program.buffers.append(try parseBuffer(&stream))
      } else if stream.acceptKeyword("kernel") {
        program.kernels.append(try parseKernel(&stream))
      } else if stream.acceptKeyword("output") {
        repeat { program.outputs.append(try stream.valueName()) } while stream.accept(",")
      } else if stream.isAtEnd {
        throw stream.error("missing '}' at the end of kernels @\(name)")
      } else {
        throw stream.error("expected 'buffer', 'kernel' or 'output'")
      }
    }
    return program
  }

  static func bufferName(_ stream: inout TokenStream) throws -> String {
    switch stream.current {
    case .valueName(let name), .symbolName(let name):
      stream.advance()
      return name
    default:
      throw stream.error("expected a buffer (%name or @name)")
    }
  }

  static func parseBuffer(_ stream: inout TokenStream) throws -> KernelBuffer {
    let name = try bufferName(&stream)
    try stream.expect(":")
    let type = try stream.tensorType()
    let layoutName = try stream.identifier()
    guard let layout = Layout.parse(layoutName) else {
      throw stream.error("unknown layout '\(layoutName)' (expected NCDHW, row_major, NCDHW<b>c, OIDHW<b>i<b>o, OIDHW<b>o or C<b>)")
    }
    let kind: BufferKind
    let kindName = try stream.identifier()
    switch kindName {
    case "input": kind = .input
    case "output": kind = .output
    case "activation": kind = .activation
    case "weight":
      try stream.expect("(")
      kind = .weight(parameter: try stream.symbolName())
      try stream.expect(")")
    case "view":
      try stream.expect("(")
      let base = try stream.valueName()
      try stream.expect(",")
      let offset = try stream.integer()
      try stream.expect(")")
      kind = .view(base: base, channelOffset: offset)
    default:
      throw stream.error("unknown buffer kind '\(kindName)' (expected input, output, activation, weight(@p) or view(%b, c))")
    }
    var inPlaceOf: String?
    if stream.acceptKeyword("inplace") {
      try stream.expect("(")
      inPlaceOf = try stream.valueName()
      try stream.expect(")")
    }
    let fields = try stream.attributeDictionary()
    for key in fields.keys.sorted() where !["bytes", "segments", "live", "offset"].contains(key) {
      throw stream.error("unknown buffer field '\(key)' of %\(name) (expected bytes, segments, live, offset)")
    }
    guard let bytes = fields["bytes"]?.intValue else { throw stream.error("buffer %\(name) needs 'bytes = N'") }
    var live: LiveInterval?
    if let value = fields["live"] {
      guard let pair = value.intsValue, pair.count == 2 else {
        throw stream.error("'live' of %\(name) must be [first, last]")
      }
      live = LiveInterval(pair[0], pair[1])
    }
    var offset: Int?
    if let value = fields["offset"] {
      guard let number = value.intValue else { throw stream.error("'offset' of %\(name) must be an integer") }
      offset = number
    }
    var segments: [Int]?
    if let value = fields["segments"] {
      guard let list = value.intsValue else { throw stream.error("'segments' of %\(name) must be a list") }
      segments = list
    }
    return KernelBuffer(
      name: name, type: type, layout: layout, kind: kind, byteCount: bytes, segments: segments, live: live,
      offset: offset, inPlaceOf: inPlaceOf)
  }

  static func parseKernel(_ stream: inout TokenStream) throws -> Kernel {
    let kindName = try stream.identifier()
    guard let kind = KernelKind(rawValue: kindName) else {
      let known = KernelKind.allCases.map(\.rawValue).joined(separator: ", ")
      throw stream.error("unknown kernel kind '\(kindName)' (known: \(known))")
    }
    let inputs = try operandList(&stream)
    guard stream.current == .arrow else { throw stream.error("expected '->' before the outputs of \(kindName)") }
    stream.advance()
    let outputs = try operandList(&stream)
    let attributes = stream.current == .punctuation("{") ? try stream.attributeDictionary() : [:]
    try stream.expectKeyword("cost")
    let cost = try stream.attributeDictionary()
    guard let flops = cost["flops"]?.intValue, let bytes = cost["bytes"]?.intValue, cost.count == 2 else {
      throw stream.error("cost must be {bytes = N, flops = N}")
    }
    return Kernel(
      kind: kind, inputs: inputs, outputs: outputs, attributes: attributes, flops: flops, bytesMoved: bytes)
  }

  /// `(role: %buffer, ...)`
  static func operandList(_ stream: inout TokenStream) throws -> [KernelOperand] {
    try stream.expect("(")
    var operands: [KernelOperand] = []
    if stream.accept(")") { return operands }
    repeat {
      let role = try stream.identifier()
      try stream.expect(":")
      operands.append(KernelOperand(role, try bufferName(&stream)))
    } while stream.accept(",")
    try stream.expect(")")
    return operands
  }
}
