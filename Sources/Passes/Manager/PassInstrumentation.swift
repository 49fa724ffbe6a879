// Generic instrumentation of a compilation pipeline made of named stages over any IR (the graph
// passes, then lowering and memory planning on the Kernel IR): print before/after, verify each,
// stop after, per-stage timing and numbered dump files, all driven by `PassOptions` and writing
// through one output sink. A stage supplies its IR printer and verifier as closures, so this file
// knows nothing about either IR. Numbering continues across stages: 00-input.ir, 01-<stage>.ir, ...
// Before the first dump, numbered dumps of earlier runs (`NN-*.ir`, `NN-*.kir`) are removed from
// the dump directory, so it never mixes runs; no other file there is touched.
import Foundation

public final class PassInstrumentation {
  public let options: PassOptions
  /// Every stage this compilation may run, in order (flags are checked against these).
  public let stageNames: [String]
  /// True once the `--stop-after` stage has run: run no further stages.
  public private(set) var stopped = false
  /// Wall-clock seconds per stage that ran, in order.
  public private(set) var timings: [(stage: String, seconds: Double)] = []
  private let output: (String) -> Void
  /// True once `begin` has announced the input IR.
  public private(set) var hasBegun = false
  private var dumpCounter = 0
  private var dumpDirectoryCreated = false

  /// Checks every stage name the options mention against `stageNames`.
  public init(options: PassOptions, stageNames: [String], output: @escaping (String) -> Void) throws {
    try options.validate(stageNames: stageNames)
    self.options = options
    self.stageNames = stageNames
    self.output = output
  }

  /// Announces the IR entering the pipeline: verified under `--verify-each`, written as
  /// `00-<name>.<ext>` under `--dump-dir`.
  public func begin<IR>(
    _ ir: IR, name: String = "input", printer: (IR) -> String, verifier: ((IR) throws -> Void)?,
    fileExtension: String = "ir"
  ) throws {
    hasBegun = true
    if options.verifyEach, let verifier {
      do { try verifier(ir) } catch { throw PassError.invalidInput("\(error)") }
    }
    try dump({ printer(ir) }, stage: name, fileExtension: fileExtension)
  }

  /// Runs a stage that rewrites the IR in place.
  public func runStage<IR>(
    named name: String, on ir: inout IR, printer: (IR) -> String, verifier: ((IR) throws -> Void)?,
    fileExtension: String = "ir", _ body: (inout IR) throws -> Void
  ) throws {
    var before: String?
    try prepare(name)
    if options.printsBefore(name) || (options.printsAfter(name) && options.printAfterChangeOnly) {
      before = printer(ir)
    }
    if options.printsBefore(name), let before { emit(header: "before", name, before) }
    let start = ContinuousClock.now
    try body(&ir)
    record(name, since: start)
    try finishStage(name, text: { printer(ir) }, previous: before, fileExtension: fileExtension) {
      if options.verifyEach, let verifier { try verify(ir, after: name, verifier) }
    }
  }

  /// Runs a stage that converts one IR into another (e.g. lowering the graph to kernels).
  public func runStage<Input, Output>(
    named name: String, from input: Input, inputPrinter: (Input) -> String, printer: (Output) -> String,
    verifier: ((Output) throws -> Void)?, fileExtension: String = "ir", _ body: (Input) throws -> Output
  ) throws -> Output {
    try prepare(name)
    if options.printsBefore(name) { emit(header: "before", name, inputPrinter(input)) }
    let start = ContinuousClock.now
    let result = try body(input)
    record(name, since: start)
    try finishStage(name, text: { printer(result) }, previous: nil, fileExtension: fileExtension) {
      if options.verifyEach, let verifier { try verify(result, after: name, verifier) }
    }
    return result
  }

  /// Ends the run: under `--time-passes`, writes the timing report to the output.
  public func finish() {
    if options.timePasses { output(timingReport()) }
  }

  /// Per-stage wall time and share of the total, as a table.
  public func timingReport() -> String {
    let total = timings.reduce(0) { $0 + $1.seconds }
    var lines = ["===== pass timing (wall clock) =====", "   seconds    share  stage"]
    for (stage, seconds) in timings + [("total", total)] {
      let share = total > 0 ? seconds / total * 100 : 0
      lines.append(
        "  " + String(format: "%8.4f", seconds) + "  " + String(format: "%6.1f%%", share) + "  " + stage)
    }
    return lines.joined(separator: "\n") + "\n"
  }

  // MARK: - Steps shared by both kinds of stage

  private func prepare(_ name: String) throws {
    guard !stopped else { throw PassError.stageAfterStop(name) }
  }

  private func record(_ name: String, since start: ContinuousClock.Instant) {
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    timings.append((name, seconds))
  }

  private func finishStage(
    _ name: String, text: () -> String, previous: String?, fileExtension: String, verification: () throws -> Void
  ) throws {
    try verification()
    var printed: String?
    func current() -> String {
      if let printed { return printed }
      let text = text()
      printed = text
      return text
    }
    if options.printsAfter(name) {
      let after = current()
      if !(options.printAfterChangeOnly && previous == after) { emit(header: "after", name, after) }
    }
    try dump(current, stage: name, fileExtension: fileExtension)
    if options.stopAfter == name { stopped = true }
  }

  private func verify<IR>(_ ir: IR, after stage: String, _ verifier: (IR) throws -> Void) throws {
    do {
      try verifier(ir)
    } catch {
      throw PassError.verificationFailed(stage: stage, message: "\(error)")
    }
  }

  private func emit(header when: String, _ name: String, _ text: String) {
    let position = stageNames.firstIndex(of: name).map { " (\($0 + 1)/\(stageNames.count))" } ?? ""
    output("// ===== IR \(when) \(name)\(position) =====\n" + (text.hasSuffix("\n") ? text : text + "\n"))
  }

  private func dump(_ text: () -> String, stage: String, fileExtension: String) throws {
    defer { dumpCounter += 1 }
    guard let directory = options.dumpDirectory else { return }
    let fileManager = FileManager.default
    if !dumpDirectoryCreated {
      do {
        try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try removeEarlierDumps(in: directory)
      } catch let error as PassError {
        throw error
      } catch {
        throw PassError.dumpFailed(path: directory, reason: "\(error.localizedDescription)")
      }
      dumpDirectoryCreated = true
    }
    let number = dumpCounter < 10 ? "0\(dumpCounter)" : "\(dumpCounter)"
    let path = directory + "/" + number + "-" + PassInstrumentation.fileSafe(stage) + "." + fileExtension
    do {
      try text().write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
      throw PassError.dumpFailed(path: path, reason: "\(error.localizedDescription)")
    }
  }

  /// Deletes the regular files in `directory` whose names match `^[0-9][0-9]-.*\.(ir|kir)$`.
  private func removeEarlierDumps(in directory: String) throws {
    let fileManager = FileManager.default
    for name in try fileManager.contentsOfDirectory(atPath: directory) where PassInstrumentation.isNumberedDump(name) {
      let path = directory + "/" + name
      guard (try? fileManager.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular else {
        continue
      }
      do {
        try fileManager.removeItem(atPath: path)
      } catch {
        throw PassError.dumpFailed(path: path, reason: "cannot remove this dump of an earlier run: \(error.localizedDescription)")
      }
    }
  }

  /// Whether `name` matches `^[0-9][0-9]-.*\.(ir|kir)$`: two ASCII digits, '-', anything but a
  /// line break, then `.ir` or `.kir`.
  public static func isNumberedDump(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    guard bytes.count >= 3, isDigit(bytes[0]), isDigit(bytes[1]), bytes[2] == UInt8(ascii: "-") else { return false }
    let tail = String(decoding: bytes[3...], as: UTF8.self)
    return !tail.contains("\n") && (tail.hasSuffix(".ir") || tail.hasSuffix(".kir"))
  }

  /// The stage name with anything but letters, digits, '-', '_' and '.' replaced by '_'.
  static func fileSafe(_ name: String) -> String {
    String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" })
  }
}
