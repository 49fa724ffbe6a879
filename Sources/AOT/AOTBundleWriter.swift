// Writes an AOT bundle into a folder: model.o (every kernel and the schedule), model.h (the C
// interface with the model's constants), weights.bin (the packed weights behind a small header,
// to memory-map) and, unless asked not to, stunet-model (the runner linked with model.o). Files
// are written under temporary names and renamed into place (TensorCore.AtomicFile), so a failed
// compile leaves no half-written file behind. Each phase is timed for the compile report.
import AOTRuntime
import Foundation
import LLVMBackend
import TensorCore

public struct AOTBundleOptions {
  /// "stunetc 0.1.0", written into model.h and the model's metadata.
  public var compiler: String
  /// The memory plan's report, copied into model.h's comment.
  public var memoryReport: String
  /// Extra key=value metadata (classes, patch, preprocessing from the checkpoint's plans, ...).
  public var metadata: [(key: String, value: String)]
  /// Link DIR/stunet-model (needs the runner template and swiftc).
  public var linkExecutable: Bool
  /// Where the runner template is; nil: located next to the running program.
  public var runner: RunnerTemplate?
  /// The LLVM pass pipeline for the kernels: the JIT's, so that both run the same code.
  public var optimizationPipeline: String

  public init(
    compiler: String, memoryReport: String = "", metadata: [(key: String, value: String)] = [], linkExecutable: Bool = true,
    runner: RunnerTemplate? = nil, optimizationPipeline: String = JITProgramOptions.kernelPipeline
  ) {
    self.compiler = compiler
    self.memoryReport = memoryReport
    self.metadata = metadata
    self.linkExecutable = linkExecutable
    self.runner = runner
    self.optimizationPipeline = optimizationPipeline
  }
}

/// What was written, with sizes and phase timings.
public struct AOTBundle {
  public static let objectName = "model.o"
  public static let headerName = "model.h"
  public static let weightsName = "weights.bin"
  public static let executableName = "stunet-model"

  public var directory: URL
  public var fingerprint: String
  public var executable: URL?
  public var timings: [(phase: String, seconds: Double)]
  public var objectBytes: Int
  public var weightsFileBytes: Int
  public var executableBytes: Int?
  public var linkCommand: [String]?

  public var objectFile: URL { directory.appendingPathComponent(AOTBundle.objectName) }
  public var header: URL { directory.appendingPathComponent(AOTBundle.headerName) }
  public var weightsFile: URL { directory.appendingPathComponent(AOTBundle.weightsName) }
  public var totalSeconds: Double { timings.reduce(0) { $0 + $1.seconds } }
}

public enum AOTBundleWriter {
  public static func write(_ schedule: AOTSchedule, to directory: URL, options: AOTBundleOptions) throws -> AOTBundle {
    try schedule.validate()
    var timings: [(phase: String, seconds: Double)] = []
    func measure<Result>(_ phase: String, _ body: () throws -> Result) rethrows -> Result {
      let start = DispatchTime.now().uptimeNanoseconds
      defer { timings.append((phase, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)) }
      return try body()
    }
    try createDirectory(directory)
    let fingerprint = ModelFingerprint.compute(schedule)
    var metadata: [(key: String, value: String)] = [
      ("compiler", options.compiler), ("model", schedule.name), ("target_triple", schedule.target.triple),
      ("target_cpu", schedule.target.cpu),
      ("cpu_features_required", ModelFingerprint.requiredCPUFeatures(schedule.target).joined(separator: ",")),
      ("kernel_launches", "\(schedule.steps.count)"), ("kernel_pipeline", options.optimizationPipeline),
    ]
    metadata += options.metadata

    // The kernels exactly as the JIT builds them (generated, verified, optimised once), then the schedule.
    let compiler = try KernelCompiler(target: schedule.target)
    let kernelModule = try compiler.buildModule(
      schedule.distinctGenerators, name: "stunet_model_\(schedule.name)", optimize: false)
    for (phase, seconds) in compiler.timings { timings.append(("kernels: " + phase, seconds)) }
    try measure(options.optimizationPipeline == JITProgramOptions.kernelPipeline ? "kernels: optimize (JIT pipeline)" : "kernels: optimize") {
      try kernelModule.optimize(pipeline: options.optimizationPipeline)
    }
    let irText = try measure("schedule IR") { () -> String in
      let kernels = try kernelModule.llvmIR()
      return kernels + ScheduleIR(schedule: schedule, fingerprint: fingerprint, metadata: metadata).text(kernelIR: kernels)
    }
    let object = try measure("code generation") {
      try ObjectEmitter.objectFile(irText: irText, target: schedule.target, moduleName: "stunet_model_\(schedule.name)")
    }
    var bundle = AOTBundle(
      directory: directory, fingerprint: fingerprint, executable: nil, timings: [], objectBytes: object.count,
      weightsFileBytes: 0, executableBytes: nil, linkCommand: nil)
    let header = WeightsFileHeader(
      alignment: WeightsBlob.alignment, blobBytes: schedule.weights.byteCount, checksum: schedule.weights.checksum,
      fingerprint: fingerprint, entries: schedule.weights.entries)
    try measure("write files") {
      try writeAtomically(object, to: bundle.objectFile)
      let headerText = HeaderGenerator(
        schedule: schedule, fingerprint: fingerprint, weightsHeaderBytes: header.headerBytes, compiler: options.compiler,
        memoryReport: options.memoryReport
      ).text()
      try writeAtomically(Array(headerText.utf8), to: bundle.header)
      try writeAtomically(header.encoded() + schedule.weights.bytes, to: bundle.weightsFile)
    }
    bundle.weightsFileBytes = header.headerBytes + schedule.weights.byteCount
    if options.linkExecutable {
      let runner = try options.runner ?? RunnerTemplate.locate()
      let swiftc = try Toolchain.swiftc()
      let executable = directory.appendingPathComponent(AOTBundle.executableName)
      let temporary = directory.appendingPathComponent(".\(AOTBundle.executableName).partial")
      bundle.linkCommand = try measure("link executable") {
        defer { try? FileManager.default.removeItem(at: temporary) }
        let command = try ExecutableLinker.link(modelObject: bundle.objectFile, output: temporary, runner: runner, swiftc: swiftc)
        try replace(executable, with: temporary)
        return command
      }
      bundle.executable = executable
      bundle.executableBytes = (try? FileManager.default.attributesOfItem(atPath: executable.path)[.size] as? Int) ?? nil
    }
    bundle.timings = timings
    return bundle
  }

  static func createDirectory(_ directory: URL) throws {
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw AOTError.cannotWrite(path: directory.path, reason: error.localizedDescription)
    }
  }

  static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
    do {
      try AtomicFile.write(bytes, to: url)
    } catch let error as FileWriteError {
      throw AOTError.cannotWrite(path: url.path, reason: error.reason)
    }
  }

  static func replace(_ destination: URL, with source: URL) throws {
    guard rename(source.path, destination.path) == 0 else {
      throw AOTError.cannotWrite(path: destination.path, reason: String(cString: strerror(errno)))
    }
  }
}
