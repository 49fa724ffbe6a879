// The JIT program against the kernel interpreter, op by op: the every-op graph (IR/kernels/graphs)
// lowers to every kernel kind (first/direct/1x1 convs with asymmetric padding, strides, upsampled
// input, concatenated inputs, residual and LeakyReLU epilogues, NCDHW and NCDHW8c outputs;
// norm_act over mixed layouts; channel_stats; add; leaky_relu; copy between layouts;
// upsample_nearest; concat; softmax along two axes; argmax), and every output must match the
// interpreter within the tolerance policy, labels exactly. Mixed execution: concat and softmax
// along a spatial axis have no generator and run in the interpreter transparently; forcing other kinds to the
// interpreter gives the same results.
import GraphIR
import Interpreter
import KernelIR
import LLVMBackend
import MemoryPlan
import TensorCore
import XCTest

final class ProgramOperationTests: XCTestCase {
  struct Fixture {
    let program: KernelProgram
    let weights: [String: Tensor]
    let inputs: [String: Tensor]
    let reference: [String: Tensor]
  }

  static func everyOp() throws -> Fixture {
    let graph = try ProgramTestSupport.everyOpGraph()
    let weights = ProgramTestSupport.randomWeights(for: graph, seed: 21)
    var program = try Lowering.lower(graph, target: .avx2)
    try MemoryPlanner.plan(&program)
    let inputs = ["x": ProgramTestSupport.randomInput(graph.inputs[0].type.shape, seed: 22)]
    let reference = try KernelInterpreter(program: program, weights: weights).run(inputs: inputs)
    return Fixture(program: program, weights: weights, inputs: inputs, reference: reference)
  }

  func check(_ fixture: Fixture, options: JITProgramOptions, file: StaticString = #filePath, line: UInt = #line) throws -> JITProgram {
    let jit = try JITProgram(program: fixture.program, weights: fixture.weights, options: options)
    for _ in 0..<2 {
      let outputs = try jit.run(inputs: fixture.inputs)
      for name in fixture.program.outputs {
        ProgramTestSupport.assertClose(outputs[name], fixture.reference[name], name, file: file, line: line)
      }
    }
    return jit
  }

  func testEveryKernelKindMatchesTheInterpreter() throws {
    let fixture = try Self.everyOp()
    let jit = try check(fixture, options: JITProgramOptions(threads: 2))
    let generated = Set(jit.kernels.filter { $0.interpretedBecause == nil }.map(\.kind))
    let interpreted = Set(jit.kernels.filter { $0.interpretedBecause != nil }.map(\.kind))
    let lowered: Set<KernelKind> = [
      .conv3dFirst, .conv3dDirect, .conv3dPointwise, .normAct, .channelStats, .add, .leakyRelu, .copy, .upsampleNearest,
      .argmax, .softmax,
    ]
    XCTAssertEqual(generated, lowered, "\(jit.kernels.map { "\($0.kind.rawValue): \($0.interpretedBecause ?? "jit")" })")
    // Softmax along a spatial axis and concat have no generator: they run in the interpreter.
    XCTAssertEqual(interpreted, [.softmax, .concat])
    let softmaxBackends = jit.kernels.filter { $0.kind == .softmax }.map { $0.interpretedBecause == nil ? "jit" : "interpreter" }
    XCTAssertEqual(softmaxBackends.sorted(), ["interpreter", "jit"], "channel softmax generated, spatial softmax interpreted")
  }

  func testOutputsThroughTheArenaMatchToo() throws {
    _ = try check(try Self.everyOp(), options: JITProgramOptions(threads: 3, writesOutputsDirectly: false))
  }

  func testSingleThreadMatches() throws {
    _ = try check(try Self.everyOp(), options: JITProgramOptions(threads: 1))
  }

  func testForcedInterpreterKernelsMixTransparently() throws {
    let fixture = try Self.everyOp()
    let forced: Set<KernelKind> = [.conv3dDirect, .normAct, .upsampleNearest]
    let jit = try check(fixture, options: JITProgramOptions(threads: 2, interpretedKinds: forced))
    for report in jit.kernels where forced.contains(report.kind) {
      XCTAssertEqual(report.interpretedBecause, "interpreted on request")
    }
    XCTAssertTrue(jit.kernels.contains { $0.kind == .conv3dFirst && $0.interpretedBecause == nil })
  }

  func testFeaturesTheHostLacksAreRefusedForRunning() throws {
    let host = TargetDescription.detectedHost
    guard let missing = JITProgram.checkedFeatures.first(where: { !host.hasFeature($0) }) else {
      throw XCTSkip("this CPU has every checked feature")
    }
    let fixture = try Self.everyOp()
    XCTAssertThrowsError(
      try JITProgram(program: fixture.program, weights: fixture.weights, options: JITProgramOptions(targetFeatures: "+\(missing)"))
    ) { error in XCTAssertTrue("\(error)".contains("+\(missing)"), "\(error)") }
    // Generating code for such a CPU is fine.
    var timings: [(phase: String, seconds: Double)] = []
    let assembly = try ProgramEmission.wholeModule(
      .assembly, program: fixture.program, options: JITProgramOptions(targetFeatures: "+\(missing)"), timings: &timings)
    XCTAssertTrue(assembly.text.contains("stunetc_k"), String(assembly.text.prefix(600)))
    if missing == "avx512f" { XCTAssertTrue(assembly.text.contains("zmm"), "AVX-512 code was generated") }
    // Without AVX the kernels still run (and agree), on SSE registers.
    let baseline = try JITProgram(program: fixture.program, weights: fixture.weights, options: JITProgramOptions(targetCPU: "x86-64"))
    let outputs = try baseline.run(inputs: fixture.inputs)
    for name in fixture.program.outputs {
      ProgramTestSupport.assertClose(outputs[name], fixture.reference[name], "baseline x86-64: \(name)")
    }
  }

  /// 1x1x1 convs with several output groups (computed together at each register tile), with
  /// statistics for an instance norm, a stride, and an NCDHW output with a tail block.
  func testPointwiseConvolutionsWithManyGroups() throws {
    let graph = try Parser.parse("""
      graph @pointwise {
        input %x : f32[1,12,6,10,20]
        param @a.weight : f32[40,12,1,1,1]
        param @n.weight : f32[40]
        param @n.bias : f32[40]
        param @b.weight : f32[24,40,1,1,1]
        param @b.bias : f32[24]
        param @n2.weight : f32[24]
        param @n2.bias : f32[24]
        param @h.weight : f32[21,24,1,1,1]
        param @h.bias : f32[21]
        %a = conv3d(%x, @a.weight) {padding = [0,0,0,0,0,0], stride = [1,1,1]} : f32[1,40,6,10,20]
        %an = instance_norm(%a, @n.weight, @n.bias) {eps = 1e-05} : f32[1,40,6,10,20]
        %aa = leaky_relu(%an) {slope = 0.01} : f32[1,40,6,10,20]
        %b = conv3d(%aa, @b.weight, @b.bias) {padding = [0,0,0,0,0,0], stride = [2,1,2]} : f32[1,24,3,10,10]
        %bn = instance_norm(%b, @n2.weight, @n2.bias) {eps = 1e-05} : f32[1,24,3,10,10]
        %ba = leaky_relu(%bn) {slope = 0.01} : f32[1,24,3,10,10]
        %h = conv3d(%ba, @h.weight, @h.bias) {padding = [0,0,0,0,0,0], stride = [1,1,1]} : f32[1,21,3,10,10]
        output %h
      }
      """)
    let weights = ProgramTestSupport.randomWeights(for: graph, seed: 71)
    let program = try ProgramTestSupport.plannedProgram(graph)
    let inputs = ["x": ProgramTestSupport.randomInput(graph.inputs[0].type.shape, seed: 72)]
    let reference = try KernelInterpreter(program: program, weights: weights).run(inputs: inputs)
    let fixture = Fixture(program: program, weights: weights, inputs: inputs, reference: reference)
    let jit = try check(fixture, options: JITProgramOptions(threads: 2))
    XCTAssertTrue(jit.kernels.allSatisfy { $0.interpretedBecause == nil })
    XCTAssertEqual(jit.kernels.filter { $0.kind == .conv3dPointwise }.count, 3)
  }
}
