// The `stunetc` command: dispatches subcommands. Each subcommand lives in its own file.
import Foundation

public enum CommandLineTool {
  /// Runs the tool and returns the process exit status.
  public static func run(_ arguments: [String]) -> Int32 {
    guard let first = arguments.first, first != "--help", first != "-h" else {
      print(usage)
      return 0
    }
    print("stunetc: unknown subcommand '\(first)'\n\n\(usage)")
    return 2
  }

  static let usage = """
    usage: stunetc <subcommand> [options]

    subcommands:
      graph     print the Graph IR of a variant or an IR file
      info      parameter count, MACs and activation sizes
      run       run a model on a .npy input
    """
}
