// Runs the peer frameworks on the same model and input through Benchmarks/peers/run_peers.py
// (which starts one process per peer, so each peer's peak RSS is its own) and reads back one JSON
// object per line: {"peer", "version", "details", "median_s", "min_s", "runs", "peak_rss_bytes", "threads",
// "load"} or {"peer", "skipped"}. Ratios against stunetc are filled in by `attachRatios`.
import Foundation

enum PeerRunner {
  static func run(
    modelArguments: [String], options: BenchmarkOptions, log: (String) -> Void
  ) throws -> [PeerResult] {
    guard FileManager.default.fileExists(atPath: options.peersScript) else {
      throw BenchmarkError.peers("cannot find \(options.peersScript); give --peers-script PATH")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
      [options.python, options.peersScript] + modelArguments + [
        "--runs", String(options.peerRuns), "--warmup", String(options.warmup), "--threads", String(options.threads),
        "--peers", options.peerList,
      ] + (options.maxLoad > 0 ? ["--max-load", String(options.maxLoad)] : [])
    let output = Pipe()
    process.standardOutput = output
    log("   peers: \(process.arguments?.joined(separator: " ") ?? "")")
    do {
      try process.run()
    } catch {
      throw BenchmarkError.peers("cannot start \(options.python): \(error.localizedDescription); give --python PATH")
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw BenchmarkError.peers("run_peers.py exited with status \(process.terminationStatus) (its messages are above)")
    }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
      guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
        let peer = object["peer"] as? String
      else { return nil }
      var result = PeerResult(peer: peer)
      result.version = object["version"] as? String
      result.details = object["details"] as? String
      result.skipped = object["skipped"] as? String
      if let runs = object["runs"] as? [Double], !runs.isEmpty { result.seconds = TimingSummary(runs) }
      result.peakRSSBytes = (object["peak_rss_bytes"] as? NSNumber)?.intValue
      result.threads = (object["threads"] as? NSNumber)?.intValue
      result.loadAverage = object["load"] as? [Double]
      return result
    }
  }

  /// Fills in peer/stunetc ratios of time (medians) and peak RSS (ru_maxrss).
  static func attachRatios(_ peers: [PeerResult], to result: BenchmarkResult) -> [PeerResult] {
    peers.map { peer in
      var peer = peer
      if let seconds = peer.seconds { peer.timeRatio = seconds.median / result.seconds.median }
      if let rss = peer.peakRSSBytes { peer.memoryRatio = Double(rss) / Double(result.peakMemory.ruMaxRSSBytes) }
      return peer
    }
  }
}

extension PeerResult {
  init(peer: String) {
    self.init(
      peer: peer, version: nil, details: nil, skipped: nil, seconds: nil, peakRSSBytes: nil, threads: nil, loadAverage: nil,
      timeRatio: nil, memoryRatio: nil)
  }
}
