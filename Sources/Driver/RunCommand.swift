// `stunetc run`: runs a model on a .npy input and writes the output .npy (filled in below).
struct RunCommand: Subcommand {
  let name = "run"
  let summary = "run a model on a .npy input with weights from a checkpoint"
  let usage = "--weights FILE --input x.npy --output y.npy [model options] [--backend interpreter]"
  var options: [OptionSpec] { ModelSelection.options }

  func run(_ arguments: ParsedArguments, console: Console) throws -> Int32 {
    throw CommandLineError("run is not available yet in this build")
  }
}
