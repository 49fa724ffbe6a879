// The `stunetc` command: dispatches to subcommands, prints help, and turns every error into a
// message on standard error and a non-zero exit status (never a crash or a stack trace).

public enum CommandLineTool {
  /// All subcommands, in the order `--help` lists them.
  public static var subcommands: [any Subcommand] {
    [GraphCommand(), InfoCommand(), CompileCommand(), InspectCommand(), RunCommand(), SegmentCommand()]
  }

  public static func run(_ arguments: [String], console: Console = .standard) -> Int32 {
    guard let first = arguments.first else {
      console.diagnostics(usage)
      return 2
    }
    if first == "--help" || first == "-h" || first == "help" {
      if arguments.count > 1 {
        guard let command = subcommands.first(where: { $0.name == arguments[1] }) else {
          console.diagnostics("stunetc: no help for '\(arguments[1])': it is not a subcommand\n\n\(usage)")
          return 2
        }
        console.output(command.help)
      } else {
        console.output(usage)
      }
      return 0
    }
    if first == "--version" {
      console.output("stunetc \(version)")
      return 0
    }
    guard let command = subcommands.first(where: { $0.name == first }) else {
      console.diagnostics("stunetc: unknown subcommand '\(first)'\n\n\(usage)")
      return 2
    }
    let rest = Array(arguments.dropFirst())
    if rest.contains("--help") || rest.contains("-h") {
      console.output(command.help)
      return 0
    }
    do {
      let parsed = try ParsedArguments.parse(rest, specs: command.options)
      let range = command.positionalCount
      if !range.contains(parsed.positionals.count) {
        if range.upperBound == 0 {
          throw CommandLineError("unexpected argument '\(parsed.positionals[0])': this subcommand takes only options")
        }
        throw CommandLineError(
          "expected \(range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)") argument(s), got \(parsed.positionals.count)"
        )
      }
      return try command.run(parsed, console: console)
    } catch let error as CommandLineError {
      console.diagnostics("stunetc \(command.name): \(error)\nrun 'stunetc \(command.name) --help' for usage")
      return 2
    } catch {
      console.diagnostics("stunetc \(command.name): error: \(error)")
      return 1
    }
  }

  public static let version = "0.1.0"

  static var usage: String {
    var lines = ["usage: stunetc <subcommand> [options]", "", "subcommands:"]
    for command in subcommands {
      lines.append("  " + command.name.padding(toLength: 10, withPad: " ", startingAt: 0) + command.summary)
    }
    lines += ["", "Run 'stunetc <subcommand> --help' (or 'stunetc help <subcommand>') for the options of each.", "'stunetc --version' prints the version."]
    return lines.joined(separator: "\n")
  }
}

import Foundation
