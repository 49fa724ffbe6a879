// `stunetc info`: parameter count, multiply-accumulates per layer and in total, activation sizes.
import GraphIR
import Passes
import TensorCore

struct InfoCommand: Subcommand {
  let name = "info"
  let summary = "parameter count, MACs per layer and in total, activation sizes"
  let usage = "(--variant S|B|L|H | --widths ... | --ir FILE) [--input-shape N,C,D,H,W] [--layers]"
  var options: [OptionSpec] {
    ModelSelection.options + [
      .flag("layers", "list every op with its output shape and MACs"),
      .flag("optimized", "also run the optimisation pipeline and report MACs before and after"),
    ]
  }
  var details: String {
    """
    MACs are weight multiply-accumulates (output elements x input channels x kernel volume), the
    convention of the STU-Net paper's "FLOPs"; FLOPs = 2 x MACs. All five heads are counted unless
    the graph was optimised.

    example:
      stunetc info --variant B --input-shape 1,1,128,128,128 --layers
    """
  }

  func run(_ arguments: ParsedArguments, console: Console) throws -> Int32 {
    var model = try ModelSelection.resolve(arguments)
    var macReport: MACReport?
    if arguments.has("optimized") {
      let optimized = try optimize(model.graph)
      macReport = MACReport(original: model.graph, optimized: optimized)
      model.graph = optimized
    }
    let statistics = GraphStatistics(model.graph)
    if let configuration = model.configuration { console.output(configuration.description) }
    let input = model.graph.inputs.map { "%\($0.name) \($0.type)" }.joined(separator: ", ")
    console.output("graph @\(model.graph.name): input \(input), \(model.graph.nodes.count) ops")
    if arguments.has("layers") {
      console.output(Self.layerTable(statistics))
    }
    console.output(
      "parameters: \(ReportFormat.grouped(statistics.parameterCount)) in \(statistics.parameterTensorCount) tensors (\(ReportFormat.bytes(statistics.parameterCount * 4)) as fp32)"
    )
    console.output(Self.stageTable(statistics))
    console.output(
      "MACs: \(Format.giga(statistics.totalMACs)) G (\(ReportFormat.grouped(statistics.totalMACs))), FLOPs: \(Format.giga(2 * statistics.totalMACs)) G"
    )
    if let macReport {
      console.output(
        "optimized: MACs \(Format.giga(macReport.before)) G before, \(Format.giga(macReport.after)) G after (saved \(Format.giga(macReport.saved)) G: dead heads, upsample convs at low resolution)"
      )
      let liveness = LivenessEstimate(model.graph)
      console.output("graph-level peak of live activations (before the kernel-level plan): \(ReportFormat.bytes(liveness.peakBytes))")
    }
    console.output(
      "activations: \(ReportFormat.bytes(statistics.activationBytes)) if every op result were kept, largest single value \(ReportFormat.bytes(statistics.largestActivationBytes))"
    )
    return 0
  }

  static func layerTable(_ statistics: GraphStatistics) -> String {
    var rows = [["value", "op", "type", "MACs (G)"]]
    for op in statistics.ops {
      rows.append(["%" + op.result, op.op, op.type.description, op.macs > 0 ? Format.giga(op.macs) : ""])
    }
    return ReportFormat.table(rows)
  }

  /// MACs grouped by module prefix (encoder stage, upsample layer, decoder stage, head).
  static func stageTable(_ statistics: GraphStatistics) -> String {
    var order: [String] = []
    var totals: [String: Int] = [:]
    for op in statistics.ops where op.macs > 0 {
      let parts = op.result.split(separator: ".")
      let group = parts.count >= 2 ? parts[0..<2].joined(separator: ".") : op.result
      if totals[group] == nil { order.append(group) }
      totals[group, default: 0] += op.macs
    }
    let total = max(statistics.totalMACs, 1)
    var rows = [["module", "MACs (G)", "share"]]
    for group in order {
      let macs = totals[group] ?? 0
      rows.append([group, Format.giga(macs), Format.percent(Double(macs) / Double(total))])
    }
    return ReportFormat.table(rows)
  }
}
