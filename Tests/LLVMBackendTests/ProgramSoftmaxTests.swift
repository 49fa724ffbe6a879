// The JIT's channel softmax (ChannelSoftmaxKernel) against the interpreter's fp64 softmax: logits
// spread over +-120 (so exp's range reduction, its underflow to 0 and the 2^n scaling are all
// exercised), 21 channels (a partial 8-channel block), a volume that is not a multiple of 8 voxels,
// NCDHW input (a graph input) and NCDHW8c intermediate, and the probabilities summing to 1.
import GraphIR
import Interpreter
import KernelIR
import LLVMBackend
import MemoryPlan
import TensorCore
import XCTest

final class ProgramSoftmaxTests: XCTestCase {
  func testChannelSoftmaxMatchesTheReferenceOverAWideRange() throws {
    let text = """
      graph @softmax_check {
        input %x : f32[2,21,5,3,7]
        %p = softmax(%x) {axis = 1} : f32[2,21,5,3,7]
        %y = leaky_relu(%x) {slope = 0.5} : f32[2,21,5,3,7]
        %q = softmax(%y) {axis = 1} : f32[2,21,5,3,7]
        %z = add(%q, %p) : f32[2,21,5,3,7]
        output %p, %z
      }
      """
    let graph = try Parser.parse(text)
    var program = try Lowering.lower(graph, target: .avx2)
    try MemoryPlanner.plan(&program)
    var generator = SeededGenerator(seed: 5)
    let x = Tensor(shape: [2, 21, 5, 3, 7], data: generator.floats(2 * 21 * 105).map { $0 * 120 })
    let reference = try KernelInterpreter(program: program, weights: [:]).run(inputs: ["x": x])
    let jit = try JITProgram(program: program, weights: [:], options: JITProgramOptions(threads: 2))
    XCTAssertEqual(jit.kernels.filter { $0.kind == .softmax }.map(\.interpretedBecause), [nil, nil], "both softmaxes generated")
    let outputs = try jit.run(inputs: ["x": x])
    for name in program.outputs {
      ProgramTestSupport.assertClose(outputs[name], reference[name], name, tolerance: 1e-5)
    }
    let probabilities = try XCTUnwrap(outputs[program.outputs[0]])
    for sample in 0..<2 {
      for voxel in 0..<105 {
        let sum = (0..<21).reduce(Float(0)) { $0 + probabilities.data[(sample * 21 + $1) * 105 + voxel] }
        XCTAssertEqual(sum, 1, accuracy: 1e-5)
      }
    }
    XCTAssertTrue(probabilities.data.contains(0), "logits 200 below the maximum underflow to exactly 0")
  }
}
