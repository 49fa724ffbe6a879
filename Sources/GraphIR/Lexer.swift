// Tokenizer for the IR text formats (Graph IR here; the Kernel IR reuses it). Tracks line and
// column for error messages. `//` starts a comment that runs to the end of the line.

public enum Token: Equatable, Sendable {
  case identifier(String)  // graph, input, conv3d, f32, true ...
  case valueName(String)  // %name
  case symbolName(String)  // @name
  case integer(Int)
  case number(Double)
  case string(String)
  case punctuation(Character)  // { } ( ) [ ] , = :
  case arrow
  case end
}

public struct PositionedToken: Sendable {
  public var token: Token
  public var line: Int
  public var column: Int
}

public enum Lexer {
  public static func tokenize(_ text: String) throws -> [PositionedToken] {
    let scalars = Array(text.unicodeScalars)
    var tokens: [PositionedToken] = []
    var index = 0
    var line = 1
    var lineStart = 0
    func error(_ message: String) -> GraphError {
      GraphError(.parse, at: "line \(line), column \(index - lineStart + 1)", message)
    }
    func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
      scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "."
    }
    while index < scalars.count {
      let scalar = scalars[index]
      let column = index - lineStart + 1
      if scalar == "\n" {
        index += 1
        line += 1
        lineStart = index
        continue
      }
      if scalar == " " || scalar == "\t" || scalar == "\r" {
        index += 1
        continue
      }
      if scalar == "/" && index + 1 < scalars.count && scalars[index + 1] == "/" {
        while index < scalars.count && scalars[index] != "\n" { index += 1 }
        continue
      }
      func append(_ token: Token) { tokens.append(PositionedToken(token: token, line: line, column: column)) }
      if scalar == "%" || scalar == "@" {
        var end = index + 1
        while end < scalars.count && isNameCharacter(scalars[end]) { end += 1 }
        guard end > index + 1 else { throw error("expected a name after '\(scalar)'") }
        let name = String(String.UnicodeScalarView(scalars[(index + 1)..<end]))
        append(scalar == "%" ? .valueName(name) : .symbolName(name))
        index = end
        continue
      }
      if scalar == "-" && index + 1 < scalars.count && scalars[index + 1] == ">" {
        append(.arrow)
        index += 2
        continue
      }
      if ("0"..."9").contains(scalar) || scalar == "-" || scalar == "+" {
        var end = index + 1
        while end < scalars.count
          && (("0"..."9").contains(scalars[end]) || ".eE".unicodeScalars.contains(scalars[end])
            || ((scalars[end] == "-" || scalars[end] == "+") && (scalars[end - 1] == "e" || scalars[end - 1] == "E")))
        {
          end += 1
        }
        let text = String(String.UnicodeScalarView(scalars[index..<end]))
        if let value = Int(text) {
          append(.integer(value))
        } else if isIntegerLiteral(text) {
          throw error("integer literal \(text) out of range (integers must lie in \(Int.min)...\(Int.max))")
        } else if let value = Double(text) {
          append(.number(value))
        } else {
          throw error("malformed number '\(text)'")
        }
        index = end
        continue
      }
      if scalar.properties.isAlphabetic || scalar == "_" {
        var end = index + 1
        while end < scalars.count && isNameCharacter(scalars[end]) { end += 1 }
        let word = String(String.UnicodeScalarView(scalars[index..<end]))
        switch word {
        case "nan": append(.number(.nan))
        case "inf": append(.number(.infinity))
        default: append(.identifier(word))
        }
        index = end
        continue
      }
      if scalar == "\"" {
        var end = index + 1
        var value = ""
        while end < scalars.count && scalars[end] != "\"" {
          if scalars[end] == "\\" && end + 1 < scalars.count {
            end += 1
            value.unicodeScalars.append(scalars[end] == "n" ? "\n" : scalars[end])
          } else {
            value.unicodeScalars.append(scalars[end])
          }
          end += 1
        }
        guard end < scalars.count else { throw error("unterminated string") }
        append(.string(value))
        index = end + 1
        continue
      }
      if "{}()[],=:".unicodeScalars.contains(scalar) {
        append(.punctuation(Character(scalar)))
        index += 1
        continue
      }
      throw error("unexpected character \(describe(scalar))")
    }
    tokens.append(PositionedToken(token: .end, line: line, column: index - lineStart + 1))
    return tokens
  }

  /// Digits with an optional sign: an integer however large.
  static func isIntegerLiteral(_ text: String) -> Bool {
    let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
    return !digits.isEmpty && digits.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
  }

  /// A character for an error message: quoted when printable ASCII or a letter, else as U+XXXX
  /// (a NUL byte, a control character or an invisible one would otherwise print as nothing).
  public static func describe(_ scalar: Unicode.Scalar) -> String {
    let visible = (scalar.value > 0x20 && scalar.value < 0x7F)
      || (scalar.value > 0x7F && (scalar.properties.isAlphabetic || scalar.properties.isMath
        || scalar.properties.generalCategory == .otherSymbol))
    if visible { return "'\(scalar)'" }
    let hex = String(scalar.value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
  }
}
