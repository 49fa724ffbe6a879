// A parser for the tiny subset of Python literals that .npy headers use: dicts, tuples, lists,
// quoted strings, integers, True/False/None. Nesting depth is bounded.

enum PythonLiteral: Equatable {
  case string(String)
  case integer(Int)
  case bool(Bool)
  case none
  case tuple([PythonLiteral])
  case list([PythonLiteral])
  case dictionary([(PythonLiteral, PythonLiteral)])

  static func == (lhs: PythonLiteral, rhs: PythonLiteral) -> Bool {
    switch (lhs, rhs) {
    case (.string(let a), .string(let b)): return a == b
    case (.integer(let a), .integer(let b)): return a == b
    case (.bool(let a), .bool(let b)): return a == b
    case (.none, .none): return true
    case (.tuple(let a), .tuple(let b)), (.list(let a), .list(let b)): return a == b
    case (.dictionary(let a), .dictionary(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }
}

struct PythonLiteralParser {
  struct SyntaxError: Error {}
  private let bytes: [UInt8]
  private var position = 0
  private var depth = 0
  private let maxDepth = 16

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  var isAtEndIgnoringSpace: Bool {
    var index = position
    while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0 { index += 1 }
    return index == bytes.count
  }

  private mutating func skipSpace() {
    while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x0A || bytes[position] == 0x09 {
      position += 1
    }
  }

  private mutating func peek() -> UInt8? {
    skipSpace()
    return position < bytes.count ? bytes[position] : nil
  }

  mutating func parseValue() throws -> PythonLiteral {
    guard let first = peek() else { throw SyntaxError() }
    switch first {
    case UInt8(ascii: "{"): return .dictionary(try parseDictionary())
    case UInt8(ascii: "("): return .tuple(try parseSequence(close: UInt8(ascii: ")")))
    case UInt8(ascii: "["): return .list(try parseSequence(close: UInt8(ascii: "]")))
    case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
    default: return try parseWord()
    }
  }

  private mutating func enter() throws {
    depth += 1
    if depth > maxDepth { throw SyntaxError() }
  }

  private mutating func parseDictionary() throws -> [(PythonLiteral, PythonLiteral)] {
    try enter()
    defer { depth -= 1 }
    position += 1
    var items: [(PythonLiteral, PythonLiteral)] = []
    while true {
      if peek() == UInt8(ascii: "}") { position += 1; return items }
      let key = try parseValue()
      guard peek() == UInt8(ascii: ":") else { throw SyntaxError() }
      position += 1
      items.append((key, try parseValue()))
      switch peek() {
      case UInt8(ascii: ","): position += 1
      case UInt8(ascii: "}"): continue
      default: throw SyntaxError()
      }
    }
  }

  private mutating func parseSequence(close: UInt8) throws -> [PythonLiteral] {
    try enter()
    defer { depth -= 1 }
    position += 1
    var items: [PythonLiteral] = []
    while true {
      if peek() == close { position += 1; return items }
      items.append(try parseValue())
      switch peek() {
      case UInt8(ascii: ","): position += 1
      case close: continue
      default: throw SyntaxError()
      }
    }
  }

  private mutating func parseString() throws -> String {
    let quote = bytes[position]
    position += 1
    let start = position
    while position < bytes.count, bytes[position] != quote {
      if bytes[position] == UInt8(ascii: "\\") { throw SyntaxError() }  // headers never escape
      position += 1
    }
    guard position < bytes.count else { throw SyntaxError() }
    defer { position += 1 }
    return String(decoding: bytes[start..<position], as: UTF8.self)
  }

  private mutating func parseWord() throws -> PythonLiteral {
    let start = position
    while position < bytes.count,
      bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "_")
        || (bytes[position] >= 0x30 && bytes[position] <= 0x39) || (bytes[position] | 0x20 >= 0x61 && bytes[position] | 0x20 <= 0x7A)
    {
      position += 1
    }
    let word = String(decoding: bytes[start..<position], as: UTF8.self)
    switch word {
    case "True": return .bool(true)
    case "False": return .bool(false)
    case "None": return .none
    default:
      var digits = word
      if digits.hasSuffix("L") { digits.removeLast() }  // Python 2 long literals
      guard let value = Int(digits) else { throw SyntaxError() }
      return .integer(value)
    }
  }
}
