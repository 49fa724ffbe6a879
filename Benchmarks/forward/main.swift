// stunet-bench: times the STU-Net forward pass on stunetc's backends, and optionally on the peers
// (PyTorch eager, ONNX Runtime, OpenVINO), at any variant and input size. See Benchmarks/README.md.
//
//   swift run -c release stunet-bench                      # S and B at 1x1x128^3
//   swift run -c release stunet-bench --variant S --size 64 --runs 5 --peers --json s64.json
import Foundation

/// run_peers.py next to this benchmark's sources (Benchmarks/peers/), found from this file's path.
let defaultPeersScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .appendingPathComponent("peers/run_peers.py").path

func log(_ message: String) {
  FileHandle.standardError.write(Data((message + "\n").utf8))
}

func main() -> Int32 {
  let commandLine = Array(CommandLine.arguments.dropFirst())
  do {
    let options = try BenchmarkOptions(commandLine, defaultScript: defaultPeersScript)
    if options.arguments.has("help") {
      print(BenchmarkOptions.help)
      return 0
    }
    let machineCores = ProcessResources.allowedCPUs().count
    // Before any thread exists: the interpreter and the runtime then use at most --threads cores.
    try ProcessResources.restrict(toCPUs: options.threads)

    var results: [BenchmarkResult] = []
    let cases = options.variants.flatMap { variant in options.backends.map { (variant, $0) } }
    for (variant, backend) in cases {
      if options.isChild || cases.count == 1 {
        results.append(try CaseRunner.run(variant: variant, backendName: backend, options: options, log: log))
      } else {
        results.append(try CaseProcess.run(variant: variant, backend: backend, options: options))
      }
    }
    if options.peers && !options.isChild {
      for variant in options.variants {
        let matching = results.indices.filter { results[$0].variant == variant }
        guard let first = matching.first,
          let peerArguments = options.peerModelArguments(variant: variant, inputShape: results[first].inputShape)
        else {
          log("peers: skipped (a model read from an IR file has no PyTorch definition)")
          continue
        }
        let peers = try PeerRunner.run(modelArguments: peerArguments, options: options, log: log)
        for index in matching { results[index].peers = PeerRunner.attachRatios(peers, to: results[index]) }
      }
    }
    if !options.isChild {
      for result in results { print(ReportPrinter.block(result) + "\n") }
      if results.count > 1 { print(ReportPrinter.summary(results)) }
    }
    if let path = options.jsonPath {
      let document = BenchmarkDocument(
        cpuModel: ProcessResources.cpuModel(), cores: machineCores, command: commandLine,
        results: results)
      try BenchmarkJSON.write(document, to: path)
    }
    return 0
  } catch {
    log("stunet-bench: \(error)")
    return 1
  }
}

exit(main())
