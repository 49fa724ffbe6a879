// The JIT backend from the command line and the CompiledModel API: `run --backend jit` (the
// default) agrees with `--backend interpreter`; `--time-passes` reports the jit-compile stage;
// `compile --emit llvm|asm|obj` writes the whole module and, with --dump-dir, one file per
// kernel; bad backend options are refused with messages; CompiledModel runs with and without a
// reused output tensor.
import Archive
import DSL
import Driver
import Foundation
import TensorCore
import XCTest

final class BackendCommandTests: CommandTestCase {
  let custom = ["--widths", "8,16,32,64,96,96", "--depths", "1,2,1,2,1,1", "--classes", "14", "--strides", "2"]

  func writeInput() throws -> URL {
    let input = directory.appendingPathComponent("x.npy")
    var generator = SeededGenerator(seed: 5)
    try NumpyFile.write(Tensor(shape: [1, 1, 32, 32, 32], data: (0..<(32 * 32 * 32)).map { _ in generator.symmetric() }), to: input)
    return input
  }

  func testJITAgreesWithInterpreterFromTheCommandLine() throws {
    let input = try writeInput()
    let jitOutput = directory.appendingPathComponent("jit.npy")
    let reference = directory.appendingPathComponent("interpreter.npy")
    let interpreted = run(["run"] + custom + ["--random-weights", "9", "--input", input.path, "--output", reference.path, "--backend", "interpreter"])
    XCTAssertEqual(interpreted.status, 0, interpreted.errors)
    let jit = run(
      ["run"] + custom + [
        "--random-weights", "9", "--input", input.path, "--output", jitOutput.path, "--threads", "2", "--time-passes",
        "--kernel-times", "--compare", reference.path,
      ])
    XCTAssertEqual(jit.status, 0, jit.errors + jit.output)
    XCTAssertTrue(jit.errors.contains("jit-compile"), jit.errors)
    XCTAssertTrue(jit.errors.contains("the JIT (2 threads"), jit.errors)
    XCTAssertTrue(jit.errors.contains("kernel times of the last run"), jit.errors)
    XCTAssertTrue(jit.output.contains("compare:"), jit.output)
  }

  func testEmitLLVMAssemblyAndObject() throws {
    let tiny = ["--widths", "2,4,8,16,32,32", "--depths", "1,1,1,1,1,1", "--classes", "3", "--input-shape", "1,1,16,16,32"]
    let module = directory.appendingPathComponent("tiny.ll")
    let dumps = directory.appendingPathComponent("dumps")
    let llvm = run(["compile"] + tiny + ["--emit", "llvm", "-o", module.path, "--dump-dir", dumps.path, "--time-passes", "--threads", "2"])
    XCTAssertEqual(llvm.status, 0, llvm.errors)
    let text = try String(contentsOf: module, encoding: .utf8)
    XCTAssertTrue(text.contains("define void @stunetc_k0_conv3d_first"), String(text.prefix(300)))
    XCTAssertTrue(text.contains("<8 x float>"))
    let files = try FileManager.default.contentsOfDirectory(atPath: dumps.path)
    XCTAssertTrue(files.contains("stunetc_k0_conv3d_first.ll"), "\(files.sorted())")
    XCTAssertTrue(files.contains { $0.hasSuffix("-jit-compile.ll") }, "\(files.sorted())")
    XCTAssertTrue(llvm.errors.contains("jit-compile") && llvm.errors.contains("jit-compile phases"), llvm.errors)

    let assembly = run(["compile"] + tiny + ["--emit", "asm", "--target-cpu", "haswell"])
    XCTAssertEqual(assembly.status, 0, assembly.errors)
    XCTAssertTrue(assembly.output.contains("vfmadd"), "haswell has FMA")
    let baseline = run(["compile"] + tiny + ["--emit", "asm", "--target-cpu", "x86-64"])
    XCTAssertEqual(baseline.status, 0, baseline.errors)
    XCTAssertFalse(baseline.output.contains("ymm"), "baseline x86-64 has no AVX registers")

    let object = directory.appendingPathComponent("tiny.o")
    XCTAssertNotEqual(run(["compile"] + tiny + ["--emit", "obj"]).status, 0, "obj needs -o")
    let emitted = run(["compile"] + tiny + ["--emit", "obj", "-o", object.path])
    XCTAssertEqual(emitted.status, 0, emitted.errors)
    XCTAssertEqual(Array(try Data(contentsOf: object).prefix(4)), [0x7F, 0x45, 0x4C, 0x46], "an ELF object")
  }

  func testBadBackendOptionsAreRefused() throws {
    let input = try writeInput()
    let output = directory.appendingPathComponent("y.npy")
    let base = ["run"] + custom + ["--random-weights", "1", "--input", input.path, "--output", output.path]
    let gpu = run(base + ["--backend", "gpu"])
    XCTAssertEqual(gpu.status, 2)
    XCTAssertTrue(gpu.errors.contains("unknown backend 'gpu'") && gpu.errors.contains("jit"), gpu.errors)
    let threads = run(base + ["--threads", "0"])
    XCTAssertEqual(threads.status, 2)
    XCTAssertTrue(threads.errors.contains("--threads"), threads.errors)
    let features = run(base + ["--target-features", "avx2"])
    XCTAssertEqual(features.status, 2)
    XCTAssertTrue(features.errors.contains("+ or -"), features.errors)
    XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
  }

  func testCompiledModelRunsAndReusesItsOutput() throws {
    let configuration = STUNetConfiguration(widths: [2, 4, 8, 16, 32, 32], depths: [1, 1, 1, 1, 1, 1], numClasses: 3)
    let graph = try STUNet(configuration).graph(inputShape: [1, 1, 32, 32, 64]).graph
    let weights = RandomWeights.generate(for: graph, seed: 4)
    var generator = SeededGenerator(seed: 8)
    let input = Tensor(shape: [1, 1, 32, 32, 64], data: (0..<(32 * 32 * 64)).map { _ in generator.symmetric() })
    var options = BackendOptions()
    options.jit.threads = 2
    let model = try CompiledModel(graph: graph, weights: weights, options: options)
    XCTAssertEqual(model.outputShape, [1, 3, 32, 32, 64])
    XCTAssertNotNil(model.jitProgram)
    let first = try model.run(input)
    var reused = Tensor(zeros: model.outputShape)
    try model.run(input, into: &reused)
    XCTAssertEqual(reused.data.map(\.bitPattern), first.data.map(\.bitPattern))
    let reference = try CompiledModel(graph: graph, weights: weights, options: BackendOptions(backend: .interpreter)).run(input)
    XCTAssertLessThanOrEqual(TensorComparison.compare(first, reference).maxRelativeToScale, 1e-4)
    XCTAssertThrowsError(try model.run(Tensor(zeros: [1, 1, 16, 16, 16])))
  }
}
