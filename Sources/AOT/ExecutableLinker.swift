// Links DIR/stunet-model: the runner template's objects (SwiftPM's list for stunet-runner) plus
// DIR/model.o, whose strong `stunet_model_run` / `stunet_model_describe` replace the runner's weak
// stand-ins, with the Swift runtime and Foundation linked statically (`-static-stdlib`; the
// Foundation archives are named in one linker group, through -Xlinker so that the driver does not
// move them out of it, because their order in the toolchain's automatic list leaves symbols
// unresolved; Package.swift links the runner template itself the same way). The result needs neither LLVM nor a Swift toolchain:
// `ldd` shows only the C and C++ runtimes (libc, libm, libstdc++, libgcc_s) and zlib.
import Foundation

public enum ExecutableLinker {
  /// Static archives of the toolchain that Foundation needs, in one --start-group/--end-group.
  static let staticGroup = [
    "Foundation", "FoundationEssentials", "FoundationInternationalization", "_FoundationCShims",
    "_FoundationCollections", "_FoundationICU", "CoreFoundation", "swiftSynchronization", "swiftDispatch", "dispatch",
    "BlocksRuntime", "swiftCore",
  ]

  /// The swiftc command line that links `modelObject` into `output`.
  public static func command(swiftc: URL, runner: RunnerTemplate, modelObject: URL, output: URL) -> [String] {
    let staticLibraries = swiftc.deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("lib/swift_static/linux")
    let group = staticGroup.filter {
      FileManager.default.fileExists(atPath: staticLibraries.appendingPathComponent("lib\($0).a").path)
    }
    return [
      swiftc.path, "-emit-executable", "-o", output.path, "-module-name", "stunet_model",
      "-Xlinker", "--defsym", "-Xlinker", "main=\(RunnerTemplate.entrySymbol)",
      "@" + runner.objectList.path, modelObject.path, "-L", runner.buildDirectory.path,
      "-static-stdlib", "-Xlinker", "--strip-debug", "-Xlinker", "--start-group",
    ] + group.flatMap { ["-Xlinker", "-l" + $0] } + ["-Xlinker", "--end-group"]
  }

  /// Links the executable; returns the command line that did it.
  @discardableResult
  public static func link(modelObject: URL, output: URL, runner: RunnerTemplate, swiftc: URL) throws -> [String] {
    guard FileManager.default.fileExists(atPath: runner.objectList.path) else {
      throw AOTError.runnerNotBuilt(searched: [runner.buildDirectory.path])
    }
    let arguments = command(swiftc: swiftc, runner: runner, modelObject: modelObject, output: output)
    let (status, text) = try ProcessRunner.run(arguments)
    guard status == 0 else {
      throw AOTError.linkFailed(command: arguments.joined(separator: " "), status: status, output: text)
    }
    return arguments
  }
}

/// Runs a program and collects its standard output and error.
public enum ProcessRunner {
  public static func run(_ arguments: [String], currentDirectory: URL? = nil) throws -> (status: Int32, output: String) {
    guard let program = arguments.first else { return (0, "") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = Array(arguments.dropFirst())
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do {
      try process.run()
    } catch {
      throw AOTError.toolNotFound(name: program, searched: [program + " (\(error.localizedDescription))"])
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
