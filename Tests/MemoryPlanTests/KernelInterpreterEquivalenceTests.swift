// The Kernel IR interpreter, running lowered and memory-planned STU-Net programs in their arena,
// agrees with the graph interpreter on the unoptimised graph (the oracle) within the tolerance
// policy, for the tiny golden configuration and a custom variant, with and without the graph
// passes; and the arena run is bit-identical to a run with every buffer in its own allocation
// (case C31). The every-op graph of IR/kernels/graphs gets the same two checks.
import DSL
import GraphIR
import Interpreter
import KernelIR
import MemoryPlan
import Passes
import TensorCore
import XCTest

final class KernelInterpreterEquivalenceTests: XCTestCase {
  func check(
    _ configuration: STUNetConfiguration, input shape: [Int], target: TargetDescription, seed: UInt64,
    optimized: Bool, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let graph = try STUNet(configuration).graph(inputShape: shape).graph
    let weights = TestModels.randomWeights(for: graph, seed: seed)
    let input = TestModels.randomInput(shape, seed: seed + 1)
    let reference = try GraphInterpreter(graph: graph, parameters: weights).run(inputs: ["input": input])
    var program = try Lowering.lower(optimized ? try optimize(graph) : graph, target: target)
    let report = try MemoryPlanner.plan(&program)
    try PlanChecker.check(program)
    let interpreter = try KernelInterpreter(program: program, weights: weights)
    let planned = try interpreter.run(inputs: ["input": input], memory: .arena)
    let separate = try interpreter.run(inputs: ["input": input], memory: .separateAllocations)
    XCTAssertEqual(program.outputs, graph.outputs, file: file, line: line)
    for output in graph.outputs {
      let expected = try XCTUnwrap(reference[output], file: file, line: line)
      let actual = try XCTUnwrap(planned[output], file: file, line: line)
      XCTAssertEqual(actual.shape, expected.shape, file: file, line: line)
      let comparison = TensorComparison.compare(actual, expected)
      XCTAssertLessThanOrEqual(comparison.maxRelativeToScale, 1e-4, "\(output): \(comparison)", file: file, line: line)
      XCTAssertEqual(planned[output]?.data.map(\.bitPattern), separate[output]?.data.map(\.bitPattern),
        "arena and separate allocations differ for \(output)", file: file, line: line)
      print("\(graph.name) \(optimized ? "optimized" : "unoptimised") \(target.name): \(comparison); \(report.description.split(separator: "\n")[0])")
    }
  }

  func testTinyGoldenConfigurationMatchesGraphInterpreter() throws {
    try check(TestModels.tiny, input: TestModels.tinyInput, target: .avx2, seed: 7, optimized: false)
  }

  func testTinyGoldenConfigurationAfterPassesMatchesGraphInterpreter() throws {
    try check(TestModels.tiny, input: TestModels.tinyInput, target: .avx2, seed: 7, optimized: true)
  }

  func testCustomVariantMatchesGraphInterpreter() throws {
    try check(TestModels.custom, input: TestModels.customInput, target: .avx2, seed: 11, optimized: false)
  }

  func testCustomVariantAfterPassesMatchesGraphInterpreter() throws {
    try check(TestModels.custom, input: TestModels.customInput, target: .avx2, seed: 11, optimized: true)
  }

  func testEveryOpGraphPlannedInOneArena() throws {
    let url = TestModels.packageRoot.appendingPathComponent("IR/kernels/graphs/every_op.ir")
    let graph = try Parser.parse(try String(contentsOf: url, encoding: .utf8))
    var generator = SeededGenerator(seed: 9)
    var weights: [String: Tensor] = [:]
    for parameter in graph.parameters {
      let shape = parameter.type.shape
      weights[parameter.name] = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in 0.3 * generator.symmetric() })
    }
    let x = graph.inputs[0].type.shape
    let inputs = ["x": Tensor(shape: x, data: (0..<x.reduce(1, *)).map { _ in generator.symmetric() })]
    let reference = try GraphInterpreter(graph: graph, parameters: weights).run(inputs: inputs)
    var program = try Lowering.lower(graph, target: .avx2)
    try MemoryPlanner.plan(&program)
    try PlanChecker.check(program)
    let interpreter = try KernelInterpreter(program: program, weights: weights)
    let planned = try interpreter.run(inputs: inputs, memory: .arena)
    let separate = try interpreter.run(inputs: inputs, memory: .separateAllocations)
    for (output, name) in zip(graph.outputs, program.outputs) {
      let expected = try XCTUnwrap(reference[output])
      let actual = try XCTUnwrap(planned[name])
      XCTAssertLessThanOrEqual(TensorComparison.compare(actual, expected).maxRelativeToScale, 1e-4, output)
      XCTAssertEqual(actual.data.map(\.bitPattern), separate[name]?.data.map(\.bitPattern), output)
    }
  }
}
