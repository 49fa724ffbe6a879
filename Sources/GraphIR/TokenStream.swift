// A cursor over tokens with the small vocabulary of expectations that IR parsers need.
// Shared by the Graph IR parser and the Kernel IR parser.

public struct TokenStream {
  var tokens: [PositionedToken]
  public private(set) var position = 0

  public init(_ text: String) throws {
    tokens = try Lexer.tokenize(text)
  }

  public var current: Token { tokens[position].token }
  public var isAtEnd: Bool { current == .end }

  public func error(_ message: String) -> GraphError {
    let token = tokens[position]
    return GraphError(.parse, at: "line \(token.line), column \(token.column)", message)
  }

  public mutating func advance() {
    if position < tokens.count - 1 { position += 1 }
  }

  /// Consumes `character` if it is next.
  public mutating func accept(_ character: Character) -> Bool {
    if current == .punctuation(character) {
      advance()
      return true
    }
    return false
  }

  public mutating func expect(_ character: Character) throws {
    guard accept(character) else { throw error("expected '\(character)', found \(describe(current))") }
  }

  public mutating func acceptKeyword(_ word: String) -> Bool {
    if current == .identifier(word) {
      advance()
      return true
    }
    return false
  }

  public mutating func expectKeyword(_ word: String) throws {
    guard acceptKeyword(word) else { throw error("expected '\(word)', found \(describe(current))") }
  }

  public mutating func identifier() throws -> String {
    guard case .identifier(let word) = current else { throw error("expected a name, found \(describe(current))") }
    advance()
    return word
  }

  public mutating func valueName() throws -> String {
    guard case .valueName(let name) = current else {
      throw error("expected a %value, found \(describe(current))")
    }
    advance()
    return name
  }

  public mutating func symbolName() throws -> String {
    guard case .symbolName(let name) = current else {
      throw error("expected an @name, found \(describe(current))")
    }
    advance()
    return name
  }

  public mutating func integer() throws -> Int {
    guard case .integer(let value) = current else { throw error("expected an integer, found \(describe(current))") }
    advance()
    return value
  }

  /// `[1,2,3]`
  public mutating func integerList() throws -> [Int] {
    try expect("[")
    var values: [Int] = []
    if !accept("]") {
      repeat { values.append(try integer()) } while accept(",")
      try expect("]")
    }
    return values
  }

  /// `f32[1,2,3]`
  public mutating func tensorType() throws -> TensorType {
    let name = try identifier()
    guard let dtype = DTypeName.parse(name) else {
      throw error("unknown element type '\(name)' (expected f32, f16, i64, i32 or u8)")
    }
    let shape = try integerList()
    if let negative = shape.first(where: { $0 < 0 }) {
      throw error("negative dimension \(negative) in \(name)\(shape)")
    }
    return TensorType(dtype, shape)
  }

  /// An attribute value: int, float, [ints], "string", true/false.
  public mutating func attributeValue() throws -> Attribute {
    switch current {
    case .integer(let value):
      advance()
      return .int(value)
    case .number(let value):
      advance()
      return .float(value)
    case .string(let value):
      advance()
      return .string(value)
    case .identifier("true"):
      advance()
      return .bool(true)
    case .identifier("false"):
      advance()
      return .bool(false)
    case .punctuation("["):
      return .ints(try integerList())
    default:
      throw error("expected an attribute value, found \(describe(current))")
    }
  }

  /// `{a = 1, b = [1,2]}`, or nothing.
  public mutating func attributeDictionary() throws -> [String: Attribute] {
    var attributes: [String: Attribute] = [:]
    guard accept("{") else { return attributes }
    if accept("}") { return attributes }
    repeat {
      let key = try identifier()
      try expect("=")
      guard attributes[key] == nil else { throw error("attribute '\(key)' given twice") }
      attributes[key] = try attributeValue()
    } while accept(",")
    try expect("}")
    return attributes
  }

  func describe(_ token: Token) -> String {
    switch token {
    case .identifier(let word): return "'\(word)'"
    case .valueName(let name): return "'%\(name)'"
    case .symbolName(let name): return "'@\(name)'"
    case .integer(let value): return "'\(value)'"
    case .number(let value): return "'\(value)'"
    case .string(let value): return "\"\(value)\""
    case .punctuation(let character): return "'\(character)'"
    case .arrow: return "'->'"
    case .end: return "the end of the text"
    }
  }
}

import TensorCore

enum DTypeName {
  static func parse(_ name: String) -> DType? { DType(rawValue: name) }
}
