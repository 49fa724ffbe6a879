// The C and Python examples of Docs/aot.md (examples/aot/) on the small fixture's bundle: both
// load the bundle, run the tile and must give exactly the JIT runtime's output. The C example is
// compiled with the toolchain's clang against the generated model.h and linked with model.o; the
// Python one needs python3 with NumPy and is skipped with a message where they are missing.
import AOT
import Archive
import Foundation
import TensorCore
import XCTest

final class AOTExampleTests: XCTestCase {
  func testCExampleEqualsJIT() throws {
    let (fixture, bundle) = try FixtureBundle.get()
    let directory = try TestTools.temporaryDirectory("c-example")
    let program = directory.appendingPathComponent("run_model")
    try TestTools.run([
      try TestTools.clang().path, "-O2", "-Wall", "-Werror", "-std=c11", "-D_GNU_SOURCE", "-I", bundle.directory.path,
      TestTools.packageRoot + "/examples/aot/run_model.c", bundle.objectFile.path, "-lpthread", "-lm", "-o", program.path,
    ])
    let input = directory.appendingPathComponent("x.npy")
    try NumpyFile.write(fixture.input, to: input)
    for threads in [1, 2] {
      let output = directory.appendingPathComponent("y\(threads).npy")
      let log = try TestTools.run([program.path, bundle.weightsFile.path, input.path, output.path, "\(threads)"])
      XCTAssertTrue(log.contains("ran \(fixture.schedule.name) on \(threads) thread(s)"), log)
      let reference = try JITReference.run(fixture.schedule, inputs: [fixture.input], threads: threads)
      let result = try NumpyFile.read(output)
      XCTAssertEqual(result.shape, reference[0].shape)
      XCTAssertEqual(result.data.map(\.bitPattern), reference[0].data.map(\.bitPattern))
    }
  }

  func testPythonExampleEqualsJIT() throws {
    let (fixture, bundle) = try FixtureBundle.get()
    let python = try PythonWithNumPy.locate()
    let library = try TestTools.sharedLibrary(for: bundle)
    let directory = try TestTools.temporaryDirectory("python-example")
    let input = directory.appendingPathComponent("x.npy")
    try NumpyFile.write(fixture.input, to: input)
    for threads in [1, 2] {
      let output = directory.appendingPathComponent("y\(threads).npy")
      let log = try TestTools.run([
        python, TestTools.packageRoot + "/examples/aot/run_model.py", library.path, bundle.weightsFile.path, input.path,
        output.path, "\(threads)",
      ])
      XCTAssertTrue(log.contains("ran \(fixture.schedule.name) on \(threads) thread(s)"), log)
      let reference = try JITReference.run(fixture.schedule, inputs: [fixture.input], threads: threads)
      XCTAssertEqual(try NumpyFile.read(output).data.map(\.bitPattern), reference[0].data.map(\.bitPattern))
    }
  }
}

/// python3 with NumPy, or a skip.
enum PythonWithNumPy {
  static func locate() throws -> String {
    guard let python = try? Toolchain.locate("python3", override: "STUNETC_PYTHON") else {
      throw XCTSkip("the Python ctypes example needs python3 (absent): skipped")
    }
    let (status, _) = try ProcessRunner.run([python.path, "-c", "import numpy"])
    guard status == 0 else { throw XCTSkip("the Python ctypes example needs NumPy (python3 -m pip install numpy): skipped") }
    return python.path
  }
}
