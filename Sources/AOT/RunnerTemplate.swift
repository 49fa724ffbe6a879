// Where the prebuilt runner's objects are, and which toolchain links them with model.o.
//
// The runner (Sources/stunet-runner) is an ordinary SwiftPM executable built together with
// stunetc; its own link uses weak stand-ins for the model entry points. SwiftPM records the
// objects of that link in `stunet-runner.product/Objects.LinkFileList` in its build folder, which
// is the folder of the stunetc binary (or of the test bundle) that is running; STUNETC_RUNNER_DIR
// overrides it. The linker driver is the Swift toolchain's swiftc (STUNETC_SWIFTC, else `swiftc`
// on PATH, else the usual install places), which knows how to link the Swift runtime statically.
import Foundation

public struct RunnerTemplate: Sendable {
  public static let productName = "stunet-runner"
  /// The runner module's entry point: SwiftPM renames an executable module's `main` to `<module>_main`.
  public static let entrySymbol = "stunet_runner_main"

  /// The build folder holding the runner's objects.
  public var buildDirectory: URL
  public var objectList: URL { buildDirectory.appendingPathComponent("\(RunnerTemplate.productName).product/Objects.LinkFileList") }

  public init(buildDirectory: URL) {
    self.buildDirectory = buildDirectory
  }

  /// The runner next to the running executable (or in STUNETC_RUNNER_DIR).
  public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RunnerTemplate {
    var candidates: [URL] = []
    if let directory = environment["STUNETC_RUNNER_DIR"], !directory.isEmpty {
      candidates.append(URL(fileURLWithPath: directory))
    }
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    candidates.append(executable.deletingLastPathComponent())
    if let main = Bundle.main.executableURL?.resolvingSymlinksInPath() {
      candidates.append(main.deletingLastPathComponent())
    }
    for candidate in candidates {
      let template = RunnerTemplate(buildDirectory: candidate)
      if FileManager.default.fileExists(atPath: template.objectList.path) { return template }
    }
    throw AOTError.runnerNotBuilt(searched: candidates.map(\.path))
  }

  /// The object files of the runner's link, read from SwiftPM's list (one path per line, maybe quoted).
  public func objects() throws -> [String] {
    let text: String
    do {
      text = try String(contentsOf: objectList, encoding: .utf8)
    } catch {
      throw AOTError.runnerNotBuilt(searched: [buildDirectory.path])
    }
    return text.split(whereSeparator: \.isNewline).map { line in
      var path = String(line).trimmingCharacters(in: .whitespaces)
      if path.hasPrefix("'") && path.hasSuffix("'") && path.count >= 2 { path = String(path.dropFirst().dropLast()) }
      if path.hasPrefix("\"") && path.hasSuffix("\"") && path.count >= 2 { path = String(path.dropFirst().dropLast()) }
      return path
    }.filter { !$0.isEmpty }
  }
}

public enum Toolchain {
  /// A tool of the Swift toolchain: `override` environment variable, PATH, then the usual places.
  public static func locate(
    _ name: String, override variable: String, environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> URL {
    var searched: [String] = []
    if let path = environment[variable], !path.isEmpty {
      if FileManager.default.isExecutableFile(atPath: path) { return URL(fileURLWithPath: path) }
      searched.append(path)
    }
    let path = environment["PATH"] ?? ""
    let directories = path.split(separator: ":").map(String.init) + ["/opt/swift/usr/bin", "/usr/bin", "/usr/local/bin"]
    for directory in directories {
      let candidate = URL(fileURLWithPath: directory).appendingPathComponent(name)
      searched.append(candidate.path)
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    throw AOTError.toolNotFound(name: name, searched: searched)
  }

  /// The Swift compiler driver used to link executables.
  public static func swiftc(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
    try locate("swiftc", override: "STUNETC_SWIFTC", environment: environment)
  }
}
