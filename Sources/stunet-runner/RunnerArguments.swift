// The runner's command line: a subcommand, `--name value` / `--name=value` options, flags and
// positionals, checked against the subcommand's list (the same conventions as stunetc's).
import Foundation

struct RunnerOption {
  var name: String
  var valueName: String?
  var help: String
}

struct RunnerUsageError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

struct RunnerArguments {
  var values: [String: String] = [:]
  var flags: Set<String> = []
  var positionals: [String] = []

  func value(_ name: String) -> String? { values[name] }
  func has(_ name: String) -> Bool { flags.contains(name) || values[name] != nil }

  func integer(_ name: String) throws -> Int? {
    guard let text = values[name] else { return nil }
    guard let number = Int(text) else { throw RunnerUsageError("--\(name) expects an integer, got '\(text)'") }
    return number
  }

  static func parse(_ arguments: [String], options: [RunnerOption]) throws -> RunnerArguments {
    var parsed = RunnerArguments()
    let byName = Dictionary(options.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      guard argument.hasPrefix("-"), argument != "-" else {
        parsed.positionals.append(argument)
        continue
      }
      var name = String(argument.drop { $0 == "-" })
      var inlineValue: String?
      if let equals = name.firstIndex(of: "=") {
        inlineValue = String(name[name.index(after: equals)...])
        name = String(name[..<equals])
      }
      guard let option = byName[name] else {
        throw RunnerUsageError("unknown option '\(argument)'; options: \(options.map { "--" + $0.name }.joined(separator: " "))")
      }
      if option.valueName == nil {
        guard inlineValue == nil else { throw RunnerUsageError("--\(name) takes no value") }
        parsed.flags.insert(name)
      } else if let inlineValue {
        parsed.values[name] = inlineValue
      } else {
        guard index < arguments.count else { throw RunnerUsageError("--\(name) needs a value (\(option.valueName ?? ""))") }
        parsed.values[name] = arguments[index]
        index += 1
      }
    }
    return parsed
  }

  static func help(usage: String, summary: String, options: [RunnerOption]) -> String {
    var lines = ["usage: stunet-model \(usage)", "", summary, "", "options:"]
    let left = options.map { ($0.name.count == 1 ? "-" : "--") + $0.name + ($0.valueName.map { " " + $0 } ?? "") }
    let width = (left.map(\.count).max() ?? 0) + 2
    for (text, option) in zip(left, options) {
      lines.append("  " + text.padding(toLength: width, withPad: " ", startingAt: 0) + option.help)
    }
    return lines.joined(separator: "\n")
  }
}
