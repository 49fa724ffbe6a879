// The shape of a `stunetc` subcommand: a name, a one-line summary, its options, and `run`.
// Every subcommand answers `--help` from the same description. The option reader it is built on
// (CommandOptions, shared with the runner) is re-exported: it is part of the Driver's interface.
@_exported import CommandOptions
import Foundation

public protocol Subcommand {
  var name: String { get }
  var summary: String { get }
  /// Usage line after `stunetc NAME`, e.g. "[--variant V] [--input-shape N,C,D,H,W]".
  var usage: String { get }
  var options: [OptionSpec] { get }
  /// How many positional arguments (e.g. input files) the subcommand accepts.
  var positionalCount: ClosedRange<Int> { get }
  /// Extra text after the option list (examples).
  var details: String { get }
  func run(_ arguments: ParsedArguments, console: Console) throws -> Int32
}

extension Subcommand {
  public var details: String { "" }
  /// How many positional arguments the subcommand takes (most take none).
  public var positionalCount: ClosedRange<Int> { 0...0 }

  public var help: String {
    OptionSpec.helpText(program: "stunetc \(name)", usage: usage, summary: summary, options: options, details: details)
  }
}


/// Where subcommands write: results to standard output, diagnostics and progress to standard error.
public final class Console: @unchecked Sendable {
  public var output: (String) -> Void
  public var diagnostics: (String) -> Void

  public init(output: @escaping (String) -> Void, diagnostics: @escaping (String) -> Void) {
    self.output = output
    self.diagnostics = diagnostics
  }

  /// Standard output and error through C stdio: a closed or full stream loses the text but never
  /// traps (FileHandle.write would).
  public static let standard = Console(
    output: { text in
      fputs(text + "\n", stdout)
      fflush(stdout)
    },
    diagnostics: { text in
      fputs(text + "\n", stderr)
    })

  /// A console that records everything, for tests.
  public static func recording() -> (Console, () -> String, () -> String) {
    final class Box: @unchecked Sendable { var out = ""; var err = "" }
    let box = Box()
    let console = Console(output: { box.out += $0 + "\n" }, diagnostics: { box.err += $0 + "\n" })
    return (console, { box.out }, { box.err })
  }
}
