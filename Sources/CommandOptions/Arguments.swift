// A small command-line argument reader, shared by stunetc and the standalone runner stunet-model:
// `--name value`, `--name=value`, `-o value`, boolean flags, positionals, and `--` ending the
// options. Unknown options are errors that list what the subcommand accepts.
import Foundation

public struct OptionSpec: Sendable {
  public var name: String
  public var takesValue: Bool
  public var help: String
  public var valueName: String

  public static func option(_ name: String, _ valueName: String, _ help: String) -> OptionSpec {
    OptionSpec(name: name, takesValue: true, help: help, valueName: valueName)
  }

  public static func flag(_ name: String, _ help: String) -> OptionSpec {
    OptionSpec(name: name, takesValue: false, help: help, valueName: "")
  }
}

public struct CommandLineError: Error, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

public struct ParsedArguments {
  public var values: [String: [String]] = [:]
  public var flags: Set<String> = []
  public var positionals: [String] = []

  public func value(_ name: String) -> String? { values[name]?.last }
  public func all(_ name: String) -> [String] { values[name] ?? [] }
  public func has(_ name: String) -> Bool { flags.contains(name) || values[name] != nil }

  public func integer(_ name: String) throws -> Int? {
    guard let text = value(name) else { return nil }
    guard let number = Int(text) else { throw CommandLineError("--\(name) expects an integer, got '\(text)'") }
    return number
  }

  /// `1,2,3` → [1, 2, 3]
  public func integerList(_ name: String) throws -> [Int]? {
    guard let text = value(name) else { return nil }
    return try ParsedArguments.integers(text, option: name)
  }

  /// `text` as comma-separated integers, or an error naming `--option`.
  public static func integers(_ text: String, option: String) throws -> [Int] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    var numbers: [Int] = []
    for part in parts {
      guard let number = Int(part.trimmingCharacters(in: .whitespaces)) else {
        throw CommandLineError("--\(option) expects comma-separated integers like 1,2,3, got '\(text)'")
      }
      numbers.append(number)
    }
    return numbers
  }

  public static func parse(_ arguments: [String], specs: [OptionSpec]) throws -> ParsedArguments {
    var parsed = ParsedArguments()
    let byName = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if argument == "--" {
        parsed.positionals += arguments[index...]
        break
      }
      let isShort = argument.count == 2 && argument.hasPrefix("-") && argument != "--" && argument != "-1"
      guard (argument.hasPrefix("--") && argument.count > 2) || isShort else {
        parsed.positionals.append(argument)
        continue
      }
      var name = String(argument.dropFirst(isShort ? 1 : 2))
      var inlineValue: String?
      if let equals = name.firstIndex(of: "=") {
        inlineValue = String(name[name.index(after: equals)...])
        name = String(name[..<equals])
      }
      guard let spec = byName[name] else {
        let known = specs.map { ($0.name.count == 1 ? "-" : "--") + $0.name }.joined(separator: ", ")
        throw CommandLineError("unknown option \(argument); this subcommand accepts: \(known)")
      }
      if spec.takesValue {
        if let inlineValue {
          parsed.values[name, default: []].append(inlineValue)
        } else {
          guard index < arguments.count else { throw CommandLineError("--\(name) needs a value (\(spec.valueName))") }
          parsed.values[name, default: []].append(arguments[index])
          index += 1
        }
      } else {
        guard inlineValue == nil else { throw CommandLineError("--\(name) is a flag and takes no value") }
        parsed.flags.insert(name)
      }
    }
    return parsed
  }
}
