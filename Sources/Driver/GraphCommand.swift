// `stunetc graph`: prints the Graph IR of a variant (preset or custom) or of an IR file.
import GraphIR

struct GraphCommand: Subcommand {
  let name = "graph"
  let summary = "print the Graph IR of an STU-Net variant or an IR file"
  let usage = "(--variant S|B|L|H | --widths ... | --ir FILE) [options]"
  var options: [OptionSpec] { ModelSelection.options + [.option("o", "FILE", "write the IR to FILE instead of stdout")] }
  var details: String {
    """
    examples:
      stunetc graph --variant S
      stunetc graph --widths 8,16,32,64,96,96 --depths 1,2,1,2,1,1 --classes 14 --strides 2 --input-shape 1,1,64,64,64
      stunetc graph --ir model.ir          (parse, verify and print back)
    """
  }

  func run(_ arguments: ParsedArguments, console: Console) throws -> Int32 {
    let model = try ModelSelection.resolve(arguments)
    let text = Printer.print(model.graph)
    if let path = arguments.value("o") {
      try FileOutput.writeAtomically(text, to: path)
    } else {
      console.output(text.hasSuffix("\n") ? String(text.dropLast()) : text)
    }
    return 0
  }
}
