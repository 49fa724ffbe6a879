// Runs one (model, backend) case in a fresh process of this same executable (`--child --json FILE`)
// and reads its result back, so that every case's peak RSS is measured on its own and one case's
// allocations cannot flatter or burden the next.
import Foundation

enum CaseProcess {
  static func run(variant: String?, backend: String, options: BenchmarkOptions) throws -> BenchmarkResult {
    let resultFile = FileManager.default.temporaryDirectory
      .appendingPathComponent("stunet-bench-\(getpid())-\(variant ?? "custom")-\(backend).json")
    defer { try? FileManager.default.removeItem(at: resultFile) }
    var arguments: [String] = []
    let dropped: Set<String> = ["variant", "backend", "json", "peers", "child"]
    for (name, values) in options.arguments.values.sorted(by: { $0.key < $1.key }) where !dropped.contains(name) {
      arguments += values.map { "--\(name)=\($0)" }
    }
    arguments += options.arguments.flags.sorted().filter { !dropped.contains($0) }.map { "--\($0)" }
    if let variant { arguments += ["--variant", variant] }
    arguments += ["--backend", backend, "--child", "--json", resultFile.path]

    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    process.arguments = arguments
    do {
      try process.run()
    } catch {
      throw BenchmarkError.system("cannot start a child benchmark process: \(error.localizedDescription)")
    }
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw BenchmarkError.backend(
        "the case \(variant ?? "custom")/\(backend) failed (exit status \(process.terminationStatus); its messages are above)")
    }
    let document = try BenchmarkJSON.read(resultFile)
    guard let result = document.results.first else {
      throw BenchmarkError.system("the child process for \(variant ?? "custom")/\(backend) wrote no result")
    }
    return result
  }
}

enum BenchmarkJSON {
  static func write(_ document: BenchmarkDocument, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let data = try encoder.encode(document)
    if path == "-" {
      print(String(decoding: data, as: UTF8.self))
    } else {
      do {
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
      } catch {
        throw BenchmarkError.system("cannot write the JSON results to \(path): \(error.localizedDescription)")
      }
    }
  }

  static func read(_ url: URL) throws -> BenchmarkDocument {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    do {
      return try decoder.decode(BenchmarkDocument.self, from: Data(contentsOf: url))
    } catch {
      throw BenchmarkError.system("cannot read the child's results from \(url.path): \(error)")
    }
  }
}
