// The JIT program against the kernel interpreter, op by op: the every-op graph (IR/kernels/graphs)
// lowers to every kernel kind (first/direct/1x1 convs with asymmetric padding, strides, upsampled
// input, concatenated inputs, residual and LeakyReLU epilogues, NCDHW and NCDHW8c outputs;
// norm_act over mixed layouts; channel_stats; add; leaky_relu; copy between layouts;
// upsample_nearest; concat; softmax along two axes; argmax), and every output must match the
// interpreter within the tolerance policy, labels exactly. Mixed execution: softmax and concat
// have no generator and run in the interpreter transparently; forcing other kinds to the
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
      .argmax,
    ]
    XCTAssertEqual(generated, lowered, "\(jit.kernels.map { "\($0.kind.rawValue): \($0.interpretedBecause ?? "jit")" })")
    XCTAssertEqual(interpreted, [.softmax, .concat])
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
}
