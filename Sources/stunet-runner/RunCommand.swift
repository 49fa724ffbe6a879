// `stunet-model run --input x.npy --output y.npy [--threads N]`: one forward pass of the linked
// network. Output i > 0 of a multi-output model goes to y.<i>.npy.
import AOTRuntime
import Archive
import CommandOptions
import Foundation
import TensorCore

enum RunCommand {
  static let options = [
    OptionSpec.option("input", "FILE", ".npy input with the shape the model was compiled for"),
    OptionSpec.option("output", "FILE", "where to write the output .npy"),
    OptionSpec.option("repeat", "N", "run N times and report the median time (benchmark)"),
  ] + RunnerTool.modelOptions

  static func run(_ arguments: [String]) throws -> Int32 {
    if arguments.contains("--help") || arguments.contains("-h") {
      print(
        OptionSpec.helpText(
          program: "stunet-model", usage: "run --input x.npy --output y.npy [--threads N]", summary: "run the network once",
          options: options))
      return 0
    }
    let parsed = try ParsedArguments.parse(arguments, specs: options)
    guard parsed.positionals.isEmpty else { throw CommandLineError("unexpected argument '\(parsed.positionals[0])'") }
    guard let inputPath = parsed.value("input") else { throw CommandLineError("--input FILE.npy is required") }
    guard let outputPath = parsed.value("output") else { throw CommandLineError("--output FILE.npy is required") }
    let repeats = try parsed.integer("repeat") ?? 1
    guard repeats >= 1 else { throw CommandLineError("--repeat expects a positive count") }
    let loadStart = Date()
    let model = try RunnerTool.loadModel(parsed)
    var input = try NumpyFile.read(URL(fileURLWithPath: inputPath))
    input.dtype = .f32
    let loadSeconds = Date().timeIntervalSince(loadStart)
    var seconds: [Double] = []
    for _ in 0..<repeats {
      let start = Date()
      try model.runKeepingOutputs([input])
      seconds.append(Date().timeIntervalSince(start))
    }
    for (index, output) in model.description.outputs.enumerated() {
      let path = index == 0 ? outputPath : outputPath.replacingOccurrences(of: ".npy", with: "") + ".\(index).npy"
      // Float outputs go to the file straight from the model's memory (no second 840 MiB copy).
      if let values = model.float32Output(at: index) {
        try NumpyFile.write(float32: values, shape: output.shape, to: URL(fileURLWithPath: path))
      } else {
        try NumpyFile.write(model.output(at: index), to: URL(fileURLWithPath: path))
      }
    }
    let median = seconds.sorted()[seconds.count / 2]
    RunnerTool.diagnostics(
      "ran @\(model.description.name) on \(input.shape) with \(model.threads) thread(s): load \(String(format: "%.3f", loadSeconds)) s, "
        + "first run \(String(format: "%.3f", seconds[0])) s"
        + (repeats > 1 ? ", median of \(repeats) \(String(format: "%.3f", median)) s" : "") + "; wrote \(outputPath)")
    return 0
  }
}
