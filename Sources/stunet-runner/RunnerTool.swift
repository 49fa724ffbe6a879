// The runner's subcommands: `run` (a .npy in, the network's outputs as .npy out), `info` (what
// the linked model is) and `segment` (a CT scan through the segmentation pipeline). Errors become
// one message on standard error and a non-zero exit status.
import AOTRuntime
import Archive
import CommandOptions
import Foundation
import TensorCore

enum RunnerTool {
  static let commands: [(name: String, summary: String)] = [
    ("run", "run the network on a .npy input, write its output(s) as .npy"),
    ("segment", "segment a CT scan (NIfTI) with the network, label map out"),
    ("info", "print what model is linked into this executable"),
  ]

  static func main(_ arguments: [String]) -> Int32 {
    guard let command = arguments.first, !["--help", "-h", "help"].contains(command) else {
      print(usage)
      return 0
    }
    let rest = Array(arguments.dropFirst())
    do {
      switch command {
      case "run": return try RunCommand.run(rest)
      case "info": return try InfoCommand.run(rest)
      case "segment": return try SegmentCommand.run(rest)
      default:
        FileHandle.standardError.write(Data("stunet-model: unknown subcommand '\(command)'\n\n\(usage)\n".utf8))
        return 2
      }
    } catch let error as CommandLineError {
      FileHandle.standardError.write(Data("stunet-model \(command): \(error)\nrun 'stunet-model \(command) --help' for usage\n".utf8))
      return 2
    } catch {
      FileHandle.standardError.write(Data("stunet-model \(command): error: \(error)\n".utf8))
      return 1
    }
  }

  static var usage: String {
    var lines = ["usage: stunet-model <subcommand> [options]", "", "subcommands:"]
    for command in commands { lines.append("  " + command.name.padding(toLength: 10, withPad: " ", startingAt: 0) + command.summary) }
    lines += ["", "Run 'stunet-model <subcommand> --help' for the options of each."]
    return lines.joined(separator: "\n")
  }

  /// weights.bin beside this executable.
  static var defaultWeightsPath: String {
    URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
      .appendingPathComponent("weights.bin").path
  }

  static var defaultThreads: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

  /// Loads the linked model with the options every subcommand shares.
  static func loadModel(_ arguments: ParsedArguments) throws -> AOTModel {
    let threads = try arguments.integer("threads") ?? defaultThreads
    guard (1...4096).contains(threads) else { throw CommandLineError("--threads expects 1...4096, got \(threads)") }
    return try AOTModel(
      entryPoints: try ModelEntryPoints.linked(), weightsPath: arguments.value("weights") ?? defaultWeightsPath,
      threads: threads, verifyChecksum: arguments.has("check-weights"))
  }

  static let modelOptions = [
    OptionSpec.option("weights", "FILE", "the bundle's weights.bin (default: beside this executable)"),
    OptionSpec.option("threads", "N", "threads (default: all cores)"),
    OptionSpec.flag("check-weights", "verify the weights' checksum before running (reads the whole file)"),
  ]

  static func diagnostics(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }
}

enum InfoCommand {
  static func run(_ arguments: [String]) throws -> Int32 {
    if arguments.contains("--help") || arguments.contains("-h") {
      print(
        OptionSpec.helpText(
          program: "stunet-model", usage: "info", summary: "print what model is linked into this executable", options: []))
      return 0
    }
    _ = try ParsedArguments.parse(arguments, specs: [])
    let model = try ModelEntryPoints.linked().description()
    print("model @\(model.name), fingerprint \(model.fingerprint), AOT ABI \(model.abiVersion)")
    print("weights \(model.weightsBytes) bytes, scratch arena \(model.scratchBytes) bytes, alignment \(model.alignment)")
    for (kind, tensors) in [("input", model.inputs), ("output", model.outputs)] {
      for tensor in tensors {
        let place = tensor.scratchOffset.map { "at arena offset \($0)" } ?? "written in place into the caller's array"
        print("\(kind) '\(tensor.name)': \(tensor.elementType) \(tensor.shape) \(place)")
      }
    }
    for (key, value) in model.metadata { print("\(key): \(value)") }
    return 0
  }
}
