// The issue's acceptance, as CI runs it: the tiny golden STU-Net (../shared/golden: official
// PyTorch logits for a random-weight network, widths 2..32, 3 classes, input 1x1x32x32x64) is
// compiled ahead of time by the built `stunetc compile --weights ... -o DIR`; DIR/stunet-model run
// on the golden input and the C example (examples/aot/run_model.c, compiled with the toolchain's
// clang against DIR/model.h and linked with DIR/model.o) both reproduce the golden logits (1e-4
// relative to their scale) and equal `stunetc run` (the JIT) bit for bit. Skipped with a message
// when ../shared/golden is absent.
import AOT
import Archive
import Foundation
import TensorCore
import XCTest

final class AOTGoldenTests: XCTestCase {
  func golden(_ name: String) throws -> URL {
    guard let url = SharedResources.file("golden/\(name)", packageRoot: TestTools.packageRoot) else {
      throw XCTSkip("needs ../shared/golden/\(name) (absent): skipped")
    }
    return url
  }

  func testTinyGoldenNetworkCompiledByStunetc() throws {
    let weights = try golden("stunet_tiny_weights.npz")
    let io = try NpzArchive(url: try golden("stunet_tiny_io.npz"))
    let meta = try GoldenMeta(url: try golden("stunet_tiny_meta.json"))
    let input = try io.tensor("input")
    let expected = try io.tensor("logits")
    XCTAssertEqual(expected.shape, meta.logitsShape)

    let directory = try TestTools.temporaryDirectory("golden")
    let bundle = directory.appendingPathComponent("tiny-bundle")
    let inputPath = directory.appendingPathComponent("input.npy")
    try NumpyFile.write(input, to: inputPath)
    let stunetc = try TestTools.builtProduct("stunetc").path
    let shape = input.shape.map(String.init).joined(separator: ",")
    let report = try TestTools.run([
      stunetc, "compile", "--weights", weights.path, "--input-shape", shape, "--threads", "2", "-o", bundle.path,
    ])
    XCTAssertTrue(report.contains("wrote the AOT bundle of @"), report)
    let executable = bundle.appendingPathComponent(AOTBundle.executableName).path
    let info = try TestTools.run([executable, "info"])
    XCTAssertTrue(info.contains("classes: \(meta.classes)"), info)
    XCTAssertTrue(info.contains("patch: \(input.shape[2...].map(String.init).joined(separator: ","))"), info)

    // The JIT's logits for the same weights and tile cut (2 threads).
    let jitPath = directory.appendingPathComponent("logits-jit.npy")
    try TestTools.run([
      stunetc, "run", "--weights", weights.path, "--input", inputPath.path, "--output", jitPath.path, "--threads", "2",
    ])
    let jit = try NumpyFile.read(jitPath)

    func check(_ path: URL, _ what: String) throws {
      let logits = try NumpyFile.read(path)
      XCTAssertEqual(logits.shape, expected.shape, what)
      let comparison = TensorComparison.compare(logits, expected)
      XCTAssertLessThanOrEqual(comparison.maxRelativeToScale, 1e-4, "\(what) vs PyTorch: \(comparison)")
      XCTAssertEqual(logits.data.map(\.bitPattern), jit.data.map(\.bitPattern), "\(what) vs stunetc run (JIT)")
    }
    for threads in [2, 1] {
      let output = directory.appendingPathComponent("logits-aot\(threads).npy")
      let log = try TestTools.run([
        executable, "run", "--input", inputPath.path, "--output", output.path, "--threads", "\(threads)",
      ])
      XCTAssertTrue(log.contains("with \(threads) thread(s)"), log)
      try check(output, "stunet-model run (\(threads) threads)")
    }

    // The C example, built against the bundle's model.h and model.o.
    let cProgram = directory.appendingPathComponent("run_model")
    try TestTools.run([
      try TestTools.clang().path, "-O2", "-Wall", "-Werror", "-std=c11", "-D_GNU_SOURCE", "-I", bundle.path,
      TestTools.packageRoot + "/examples/aot/run_model.c", bundle.appendingPathComponent(AOTBundle.objectName).path,
      "-lpthread", "-lm", "-o", cProgram.path,
    ])
    let cOutput = directory.appendingPathComponent("logits-c.npy")
    try TestTools.run([
      cProgram.path, bundle.appendingPathComponent(AOTBundle.weightsName).path, inputPath.path, cOutput.path, "2",
    ])
    try check(cOutput, "C example")
  }
}
