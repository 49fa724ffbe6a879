// The linked stunet-model executable of the small fixture: `run` equals the JIT runtime bit for
// bit at 1 and 2 threads, `info` reports the model, bad weights are refused with a message, and
// `ldd` shows neither LLVM nor the Swift runtime.
import AOT
import Archive
import Foundation
import TensorCore
import XCTest

final class AOTExecutableTests: XCTestCase {
  func testExecutableRunEqualsJITBitForBit() throws {
    let (fixture, bundle) = try FixtureBundle.get()
    let executable = try XCTUnwrap(bundle.executable)
    let directory = try TestTools.temporaryDirectory("run")
    let inputPath = directory.appendingPathComponent("x.npy")
    try NumpyFile.write(fixture.input, to: inputPath)
    for threads in [1, 2] {
      let outputPath = directory.appendingPathComponent("y\(threads).npy")
      let log = try TestTools.run([
        executable.path, "run", "--input", inputPath.path, "--output", outputPath.path, "--threads", "\(threads)",
      ])
      XCTAssertTrue(log.contains("with \(threads) thread(s)"), log)
      let output = try NumpyFile.read(outputPath)
      let reference = try JITReference.run(fixture.schedule, inputs: [fixture.input], threads: threads)
      XCTAssertEqual(output.shape, reference[0].shape)
      XCTAssertEqual(output.data.map(\.bitPattern), reference[0].data.map(\.bitPattern), "\(threads) thread(s)")
    }
  }

  func testExecutableNeedsNeitherLLVMNorSwiftRuntime() throws {
    let (_, bundle) = try FixtureBundle.get()
    let executable = try XCTUnwrap(bundle.executable)
    let (status, libraries) = try ProcessRunner.run(["/usr/bin/env", "ldd", executable.path])
    XCTAssertEqual(status, 0, libraries)
    XCTAssertTrue(libraries.contains("libc.so"), libraries)
    for forbidden in ["libLLVM", "libswiftCore", "libFoundation", "libdispatch", "libswift"] {
      XCTAssertFalse(libraries.contains(forbidden), "ldd shows \(forbidden):\n\(libraries)")
    }
  }

  func testInfoAndErrors() throws {
    let (fixture, bundle) = try FixtureBundle.get()
    let executable = try XCTUnwrap(bundle.executable)
    let info = try TestTools.run([executable.path, "info"])
    XCTAssertTrue(info.contains("model @\(fixture.schedule.name), fingerprint \(bundle.fingerprint)"), info)
    XCTAssertTrue(info.contains("scratch arena \(fixture.schedule.scratchBytes) bytes"), info)
    XCTAssertTrue(info.contains("compiler: stunetc test"), info)

    // A weights file of the wrong size, then a missing input option, then a wrong input shape.
    let directory = try TestTools.temporaryDirectory("errors")
    let badWeights = directory.appendingPathComponent("weights.bin")
    try Data(repeating: 0, count: 10).write(to: badWeights)
    let input = directory.appendingPathComponent("x.npy")
    try NumpyFile.write(fixture.input, to: input)
    let output = directory.appendingPathComponent("y.npy")
    var (status, text) = try ProcessRunner.run([
      executable.path, "run", "--input", input.path, "--output", output.path, "--weights", badWeights.path,
    ])
    XCTAssertEqual(status, 1, text)
    XCTAssertTrue(text.contains("fewer than the 64-byte header"), text)
    (status, text) = try ProcessRunner.run([executable.path, "run", "--output", output.path])
    XCTAssertEqual(status, 2, text)
    XCTAssertTrue(text.contains("--input FILE.npy is required"), text)
    try NumpyFile.write(Tensor(zeros: [1, 1, 6, 8, 8]), to: input)
    (status, text) = try ProcessRunner.run([executable.path, "run", "--input", input.path, "--output", output.path])
    XCTAssertEqual(status, 1, text)
    XCTAssertTrue(text.contains("compiled for [1, 1, 6, 8, 20]"), text)
    XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "no output after a failure")
  }
}
