// A parser for the tiny subset of Python literals that .npy headers use: dicts, tuples, lists,
// quoted strings, integers, True/False/None. Nesting depth is bounded. A syntax error says where
// (byte offset in the literal) and what was expected.

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
  struct SyntaxError: Error, Equatable {
    /// Byte offset in the parsed text.
    var offset: Int
    var message: String
  }
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

  private func error(_ message: String, at offset: Int? = nil) -> SyntaxError {
    SyntaxError(offset: offset ?? position, message: message)
  }

  /// The byte at the current position, for messages: `'x'`, or its code, or "the end of the header".
  private func found() -> String {
    guard position < bytes.count else { return "the end of the header" }
    let byte = bytes[position]
    if byte > 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
    return "byte 0x" + String(byte, radix: 16)
  }

  mutating func parseValue() throws -> PythonLiteral {
    guard let first = peek() else { throw error("expected a value, found the end of the header") }
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
    if depth > maxDepth { throw error("nested more than \(maxDepth) levels deep") }
  }

  private mutating func parseDictionary() throws -> [(PythonLiteral, PythonLiteral)] {
    try enter()
    defer { depth -= 1 }
    position += 1
    var items: [(PythonLiteral, PythonLiteral)] = []
    while true {
      if peek() == UInt8(ascii: "}") { position += 1; return items }
      let key = try parseValue()
      guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after a dict key, found \(found())") }
      position += 1
      items.append((key, try parseValue()))
      switch peek() {
      case UInt8(ascii: ","): position += 1
      case UInt8(ascii: "}"): continue
      default: throw error("expected ',' or '}' in a dict, found \(found())")
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
      default:
        let kind = close == UInt8(ascii: ")") ? "a tuple" : "a list"
        throw error("expected ',' or '\(Character(Unicode.Scalar(close)))' in \(kind), found \(found())")
      }
    }
  }

  private mutating func parseString() throws -> String {
    let quote = bytes[position]
    let opening = position
    position += 1
    let start = position
    while position < bytes.count, bytes[position] != quote {
      if bytes[position] == UInt8(ascii: "\\") { throw error("escape sequences are not used in .npy headers") }
      position += 1
    }
    guard position < bytes.count else { throw error("the string opened here is never closed", at: opening) }
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
    guard !word.isEmpty else { throw error("expected a value, found \(found())") }
    switch word {
    case "True": return .bool(true)
    case "False": return .bool(false)
    case "None": return .none
    default:
      var digits = word
      if digits.hasSuffix("L") { digits.removeLast() }  // Python 2 long literals
      guard let value = Int(digits) else {
        let unsigned = digits.hasPrefix("-") ? digits.dropFirst() : Substring(digits)
        let isInteger = !unsigned.isEmpty && unsigned.allSatisfy { $0.isASCII && $0.isNumber }
        throw error(isInteger ? "integer \(word) out of range" : "'\(word)' is not a value (expected a number, True, False or None)", at: start)
      }
      return .integer(value)
    }
  }
}
