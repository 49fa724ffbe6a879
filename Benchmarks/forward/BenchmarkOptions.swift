// Command-line options of stunet-bench, and the list of (model, backend) cases they ask for.
// Models come from the Driver's ModelSelection options (presets, custom widths/depths/..., IR files);
// --variant accepts a comma-separated list, and --size N is short for --input-shape 1,C,N,N,N.
import Driver
import Foundation

struct BenchmarkOptions {
  var arguments: ParsedArguments
  var variants: [String?]
  var backends: [String]
  var runs: Int
  var warmup: Int
  var threads: Int
  var seed: UInt64
  var weightsPath: String?
  var peers: Bool
  var peerRuns: Int
  var peerList: String
  var python: String
  var peersScript: String
  var jsonPath: String?
  var probeIterations: Int
  /// Before each case (and each peer), wait up to 15 minutes for the 1-minute load average to
  /// fall below this; 0 = no wait.
  var maxLoad: Double
  /// Internal: run exactly one case in this process and write its result to --json (set by the
  /// parent when it runs each case in its own process so that each peak RSS is its own).
  var isChild: Bool

  static let specs: [OptionSpec] =
    ModelSelection.options.filter { $0.name != "variant" } + [
      .option("variant", "S,B,...", "presets to run, comma-separated (default S,B unless a custom model is given)"),
      .option("size", "N", "cubic input 1,C,N,N,N (default 128)"),
      .option("runs", "N", "timed runs per case; the median is reported (default 3)"),
      .option("warmup", "N", "untimed runs before the timed ones (default 1)"),
      .option("threads", "N", "threads (default: all cores); the interpreter gets N cores by CPU affinity"),
      .option("backend", "NAMES", "comma-separated: \(BackendRegistry.names.joined(separator: ", ")) (default \(BackendRegistry.defaultName))"),
      .option("weights", "FILE", "checkpoint to bind instead of random weights"),
      .option("random-weights", "SEED", "seed of the deterministic random weights (default 1)"),
      .flag("peers", "also time PyTorch eager, ONNX Runtime and OpenVINO (those installed) via Benchmarks/peers/run_peers.py"),
      .option("peer-runs", "N", "timed runs per peer (default: --runs)"),
      .option("peer-list", "A,B", "peers to try (default torch,onnxruntime,openvino)"),
      .option("python", "PATH", "Python interpreter for the peers (default python3)"),
      .option("peers-script", "FILE", "path of run_peers.py (default: next to this benchmark's sources)"),
      .option("json", "FILE", "write the results as JSON to FILE ('-' for standard output)"),
      .option("max-load", "L", "before each case and peer, wait (up to 15 min) for the 1-minute load average to fall below L"),
      .option("probe-iterations", "N", "iterations of the FMA peak probe per thread (default 50000000)"),
      .flag("child", "internal: run one case in this process (used by the harness itself)"),
      .flag("help", "show this help"),
    ]

  static var help: String {
    var lines = [
      "usage: stunet-bench [--variant S,B | custom model options] [--size 128 | --input-shape N,C,D,H,W]",
      "                    [--runs 3] [--warmup 1] [--threads N] [--backend NAMES] [--peers] [--json FILE]",
      "",
      "Times the STU-Net forward pass: median of --runs after --warmup, GFLOP/s from the optimised graph's",
      "MACs, % of the peak measured by a register-only FMA probe in the same invocation, peak RSS, the ten",
      "most expensive kernels, compile time, and (with --peers) the same network on the installed peers.",
      "Each (model, backend) case runs in its own process so that each peak RSS is its own.",
      "",
      "options:",
    ]
    for spec in specs where spec.name != "child" {
      let left = "--" + spec.name + (spec.takesValue ? " " + spec.valueName : "")
      lines.append("  " + left.padding(toLength: 28, withPad: " ", startingAt: 0) + spec.help)
    }
    return lines.joined(separator: "\n")
  }

  init(_ commandLine: [String], defaultScript: String) throws {
    let arguments: ParsedArguments
    do {
      arguments = try ParsedArguments.parse(commandLine, specs: Self.specs)
    } catch {
      throw BenchmarkError.usage("\(error)")
    }
    guard arguments.positionals.isEmpty else {
      throw BenchmarkError.usage("unexpected argument '\(arguments.positionals[0])'")
    }
    func positive(_ name: String, default value: Int, minimum: Int = 1) throws -> Int {
      guard let text = arguments.value(name) else { return value }
      guard let number = Int(text), number >= minimum else {
        throw BenchmarkError.usage("--\(name) expects an integer >= \(minimum), got '\(text)'")
      }
      return number
    }
    var modelArguments = arguments
    let isCustom = ["widths", "ir"].contains { arguments.has($0) }
    if let variantList = arguments.value("variant") {
      variants = variantList.split(separator: ",").map { String($0) }
    } else {
      variants = isCustom ? [nil] : ["S", "B"]
    }
    if variants.count > 1 && isCustom {
      throw BenchmarkError.usage("give either one --variant with custom options, or a list of presets")
    }
    if let size = arguments.value("size") {
      guard arguments.value("input-shape") == nil else { throw BenchmarkError.usage("give --size or --input-shape, not both") }
      guard let edge = Int(size), edge > 0 else { throw BenchmarkError.usage("--size expects a positive integer, got '\(size)'") }
      let channels = try arguments.integer("input-channels") ?? 1
      modelArguments.values["input-shape"] = ["1,\(channels),\(edge),\(edge),\(edge)"]
      modelArguments.values["size"] = nil
    }
    self.arguments = modelArguments
    backends = (arguments.value("backend") ?? BackendRegistry.defaultName).split(separator: ",").map(String.init)
    for backend in backends where !BackendRegistry.names.contains(backend) {
      throw BenchmarkError.usage("unknown backend '\(backend)': available: \(BackendRegistry.names.joined(separator: ", "))")
    }
    runs = try positive("runs", default: 3)
    warmup = try positive("warmup", default: 1, minimum: 0)
    threads = try positive("threads", default: max(1, ProcessResources.allowedCPUs().count))
    seed = UInt64(try positive("random-weights", default: 1, minimum: 0))
    weightsPath = arguments.value("weights")
    peers = arguments.has("peers")
    peerRuns = try positive("peer-runs", default: runs)
    peerList = arguments.value("peer-list") ?? "torch,onnxruntime,openvino"
    python = arguments.value("python") ?? "python3"
    peersScript = arguments.value("peers-script") ?? defaultScript
    jsonPath = arguments.value("json")
    probeIterations = try positive("probe-iterations", default: 50_000_000)
    isChild = arguments.has("child")
    if let text = arguments.value("max-load") {
      guard let load = Double(text), load >= 0 else { throw BenchmarkError.usage("--max-load expects a number >= 0, got '\(text)'") }
      maxLoad = load
    } else {
      maxLoad = 0
    }
  }

  /// The model options of one case (the driver's ParsedArguments with a single --variant).
  func modelArguments(variant: String?) -> ParsedArguments {
    var copy = arguments
    copy.values["variant"] = variant.map { [$0] }
    for name in [
      "runs", "warmup", "threads", "backend", "peers", "peer-runs", "peer-list", "python", "json", "child", "max-load",
      "probe-iterations", "random-weights", "weights", "peers-script",
    ] {
      copy.values[name] = nil
      copy.flags.remove(name)
    }
    return copy
  }

  /// Options for the Python peer script that describe the same model and input.
  func peerModelArguments(variant: String?, inputShape: [Int]) -> [String]? {
    guard !arguments.has("ir") else { return nil }
    var result: [String] = []
    if let variant { result += ["--variant", variant] }
    for name in ["widths", "depths", "strides", "kernels", "classes", "input-channels"] {
      if let value = arguments.value(name) { result += ["--\(name)", value] }
    }
    result += ["--input-shape", inputShape.map(String.init).joined(separator: ",")]
    return result
  }
}
