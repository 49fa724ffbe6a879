// Case C34 (CPU inference 7x slower on denormal activations): a conv + instance norm + LeakyReLU
// block whose activations fall to 1e-39..1e-41 (half its channels have gamma 1e-37, so their
// negative side, times the 0.01 slope, is denormal), fed a denormal-heavy input (the background
// of the volume holds 1e-39..1e-41 instead of 0), then a second block and a 1x1 head. The JIT runs
// every kernel with flush-to-zero and denormals-are-zero: its labels must equal the interpreter's
// (which computes with the denormals), and its output must not depend on whether the background
// is 0 or denormal. The runtime ratio denormal/normal input is printed, not asserted.
import Foundation
import GraphIR
import Interpreter
import KernelIR
import LLVMBackend
import TensorCore
import XCTest

final class ProgramDenormalTests: XCTestCase {
  static let graphText = """
    graph @c34 {
      input %x : f32[1,1,32,32,32]
      param @c1.weight : f32[8,1,3,3,3]
      param @n1.weight : f32[8]
      param @n1.bias : f32[8]
      param @c2.weight : f32[8,8,3,3,3]
      param @n2.weight : f32[8]
      param @n2.bias : f32[8]
      param @head.weight : f32[3,8,1,1,1]
      param @head.bias : f32[3]
      %c1 = conv3d(%x, @c1.weight) {padding = [1,1,1,1,1,1], stride = [1,1,1]} : f32[1,8,32,32,32]
      %n1 = instance_norm(%c1, @n1.weight, @n1.bias) {eps = 1e-05} : f32[1,8,32,32,32]
      %a1 = leaky_relu(%n1) {slope = 0.01} : f32[1,8,32,32,32]
      %c2 = conv3d(%a1, @c2.weight) {padding = [1,1,1,1,1,1], stride = [1,1,1]} : f32[1,8,32,32,32]
      %n2 = instance_norm(%c2, @n2.weight, @n2.bias) {eps = 1e-05} : f32[1,8,32,32,32]
      %a2 = leaky_relu(%n2) {slope = 0.01} : f32[1,8,32,32,32]
      %logits = conv3d(%a2, @head.weight, @head.bias) {padding = [0,0,0,0,0,0], stride = [1,1,1]} : f32[1,3,32,32,32]
      output %logits
    }
    """

  func testDenormalActivationsKeepLabelsAndSpeed() throws {
    let graph = try Parser.parse(Self.graphText)
    var weights = ProgramTestSupport.randomWeights(for: graph, seed: 61)
    var gamma = [Float](repeating: 1, count: 8)
    for channel in 4..<8 { gamma[channel] = 1e-37 }
    weights["n1.weight"] = Tensor(shape: [8], data: gamma)
    weights["n1.bias"] = Tensor(zeros: [8])

    // Foreground: a smooth pattern in the inner half; background: 0 (normal) or denormal.
    var generator = SeededGenerator(seed: 62)
    let count = 32 * 32 * 32
    var normal = [Float](repeating: 0, count: count)
    var denormal = [Float](repeating: 0, count: count)
    for index in 0..<count {
      let (d, h, w) = (index / 1024, index / 32 % 32, index % 32)
      let inside = (8..<24).contains(d) && (8..<24).contains(h) && (4..<28).contains(w)
      if inside {
        let value = sin(Float(d) * 0.4) + cos(Float(h) * 0.3) + 0.5 * Float(w) / 32 + 0.1 * generator.floats(1)[0]
        normal[index] = value
        denormal[index] = value
      } else {
        denormal[index] = Float.random(in: 1e-41...1e-39, using: &generator)
      }
    }
    XCTAssertTrue(denormal.contains { $0 != 0 && $0.isSubnormal })
    let normalInput = Tensor(shape: [1, 1, 32, 32, 32], data: normal)
    let denormalInput = Tensor(shape: [1, 1, 32, 32, 32], data: denormal)

    // The block's activations really fall into the denormal range (interpreter, no flushing).
    let interpreter = try GraphInterpreter(graph: graph, parameters: weights)
    let reference = try interpreter.run(inputs: ["x": denormalInput], keep: ["a1"])
    let activations = try XCTUnwrap(reference["a1"])
    let tiny = activations.data.filter { $0 != 0 && abs($0) < 1.2e-38 && abs($0) >= 1e-42 }.count
    XCTAssertGreaterThan(Double(tiny) / Double(activations.count), 0.15, "activations in 1e-42..1.2e-38")

    let program = try ProgramTestSupport.plannedProgram(graph)
    let jit = try JITProgram(program: program, weights: weights, options: JITProgramOptions(threads: 2))
    let logits = try jit.run(denormalInput)
    let expected = try XCTUnwrap(reference["logits"])
    let labels = try ReferenceOps.argmax(logits, axis: 1)
    let expectedLabels = try ReferenceOps.argmax(expected, axis: 1)
    let (agreement, counted) = ProgramTestSupport.argmaxAgreement(logits, expected)
    XCTAssertGreaterThanOrEqual(agreement, 0.999, "over \(counted) decided voxels")
    let equalLabels = zip(labels.data, expectedLabels.data).filter { $0 == $1 }.count
    XCTAssertEqual(equalLabels, labels.count, "labels with flush-to-zero equal the interpreter's")
    // Denormals are read as zero: a denormal background is the zero background.
    XCTAssertEqual(try jit.run(normalInput).data.map(\.bitPattern), logits.data.map(\.bitPattern))

    func median(_ input: Tensor, _ run: (Tensor) throws -> Void) rethrows -> Double {
      var times: [Double] = []
      for _ in 0..<5 {
        let start = DispatchTime.now().uptimeNanoseconds
        try run(input)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
      }
      return times.sorted()[2]
    }
    let jitNormal = try median(normalInput) { _ = try jit.run($0) }
    let jitDenormal = try median(denormalInput) { _ = try jit.run($0) }
    let interpretedNormal = try median(normalInput) { _ = try interpreter.run(inputs: ["x": $0]) }
    let interpretedDenormal = try median(denormalInput) { _ = try interpreter.run(inputs: ["x": $0]) }
    print(String(
      format: "C34: JIT %.4f s normal, %.4f s denormal input: ratio %.2f (interpreter, no flushing: ratio %.2f)",
      jitNormal, jitDenormal, jitDenormal / jitNormal, interpretedDenormal / interpretedNormal))
  }
}
