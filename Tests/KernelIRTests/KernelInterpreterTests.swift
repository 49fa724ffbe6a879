// The Kernel IR interpreter against the graph interpreter (the oracle) on hand-made graphs that
// exercise every kernel kind and lowering path, with and without fusion, blocked and row-major;
// the statistics partials and their Chan merge on case C27's data; conv geometry of cases
// C29/C30 (asymmetric padding on non-cubic inputs, stride 2 on odd sizes).
import DSL
import GraphIR
import Interpreter
import KernelIR
import TensorCore
import XCTest

final class KernelInterpreterTests: XCTestCase {
  func compare(
    _ graph: Graph, target: TargetDescription, options: LoweringOptions = LoweringOptions(), tolerance: Double = 1e-4,
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let weights = KernelTestSupport.randomWeights(for: graph, seed: 3)
    let inputs = KernelTestSupport.randomInputs(for: graph, seed: 4)
    let expected = try GraphInterpreter(graph: graph, parameters: weights).run(inputs: inputs)
    let program = try Lowering.lower(graph, target: target, options: options)
    let actual = try KernelInterpreter.run(program, inputs: inputs, weights: weights, memory: .separateAllocations)
    for (output, name) in zip(graph.outputs, program.outputs) {
      let reference = try XCTUnwrap(expected[output], file: file, line: line)
      let result = try XCTUnwrap(actual[name], file: file, line: line)
      XCTAssertEqual(result.shape, reference.shape, output, file: file, line: line)
      XCTAssertEqual(result.dtype, reference.dtype, output, file: file, line: line)
      let comparison = TensorComparison.compare(result, reference)
      XCTAssertLessThanOrEqual(comparison.maxRelativeToScale, tolerance, "\(output): \(comparison)", file: file, line: line)
    }
  }

  func everyOpGraph() throws -> Graph {
    try Parser.parse(String(contentsOf: KernelTestSupport.irFile("kernels/graphs/every_op.ir"), encoding: .utf8))
  }

  func testEveryOpGraphBlocked() throws { try compare(try everyOpGraph(), target: .avx2) }
  func testEveryOpGraphRowMajor() throws { try compare(try everyOpGraph(), target: .scalar) }
  func testEveryOpGraphUnfused() throws {
    try compare(try everyOpGraph(), target: .avx2, options: LoweringOptions(fuse: false))
  }
  func testEveryOpGraphWithFourLaneBlocks() throws {
    try compare(try everyOpGraph(), target: TargetDescription(name: "sse", vectorWidth: 4, threads: 3))
  }

  func testBatchOfTwoThroughTinySTUNet() throws {
    let tiny = STUNetConfiguration(
      widths: [3, 5, 8, 9], depths: [1, 2, 1, 1], strides: [[2, 2, 2], [2, 1, 2], [1, 2, 2]], numClasses: 4)
    try compare(try STUNet(tiny).graph(inputShape: [2, 1, 8, 12, 16], deepSupervision: true).graph, target: .avx2)
  }

  /// Case C29/C30: asymmetric padding on a non-cubic input; stride 2 with pad 1 on sizes 1, 5, 6, 7.
  func testConvolutionGeometryCases() throws {
    let builder = GraphBuilder(name: "geometry")
    let x = builder.input("x", TensorType(.f32, [1, 2, 20, 9, 7]))
    let a = try builder.conv3d(x, outChannels: 3, kernel: [16, 5, 5], padding: [7, 8, 2, 2, 2, 2], name: "a")
    let odd = builder.input("odd", TensorType(.f32, [1, 2, 5, 6, 7]))
    let b = try builder.conv3d(odd, outChannels: 9, kernel: [3, 3, 3], stride: [2, 2, 2], name: "b")
    let one = builder.input("one", TensorType(.f32, [1, 9, 1, 1, 1]))
    let c = try builder.conv3d(one, outChannels: 2, kernel: [3, 3, 3], stride: [2, 2, 2], name: "c")
    builder.output(a, b, c)
    XCTAssertEqual(builder.graph.nodes[1].resultType?.shape, [1, 9, 3, 3, 4])
    XCTAssertEqual(builder.graph.nodes[2].resultType?.shape, [1, 2, 1, 1, 1])
    try compare(builder.graph, target: .avx2)
  }

  /// Case C27: instance norm of 1x2x128^3 values ~ N(1000, 1) and ~ 1e-3 N(0, 1), statistics from
  /// a conv epilogue (channel 0) and from channel_stats (the graph input): max abs error <= 1e-4
  /// against an fp64 two-pass reference; the one-pass fp32 formula fails the same bound.
  func testInstanceNormStatisticsOnLargeVolumes() throws {
    let shape = [1, 2, 128, 128, 128]
    let voxels = 128 * 128 * 128
    var generator = SeededGenerator(seed: 27)
    var data = [Float](repeating: 0, count: 2 * voxels)
    for i in 0..<voxels { data[i] = Float(1000 + generator.normal()) }
    for i in voxels..<(2 * voxels) { data[i] = Float(1e-3 * generator.normal()) }
    let input = Tensor(shape: shape, data: data)
    let text = """
      graph @c27 {
        input %x : f32[1,2,128,128,128]
        param @identity : f32[2,2,1,1,1]
        %y = conv3d(%x, @identity) {padding = [0,0,0,0,0,0], stride = [1,1,1]} : f32[1,2,128,128,128]
        %a = instance_norm(%y) {eps = 1e-05} : f32[1,2,128,128,128]
        %b = instance_norm(%x) {eps = 1e-05} : f32[1,2,128,128,128]
        output %a, %b
      }
      """
    let graph = try Parser.parse(text)
    let program = try Lowering.lower(graph, target: .avx2)
    XCTAssertNotNil(program.kernels.first { $0.output("stats") != nil && $0.kind.isConvolution })
    XCTAssertNotNil(program.kernels.first { $0.kind == .channelStats })
    let identity = Tensor(shape: [2, 2, 1, 1, 1], data: [1, 0, 0, 1])
    let outputs = try KernelInterpreter.run(
      program, inputs: ["x": input], weights: ["identity": identity], memory: .separateAllocations)
    let reference = Self.instanceNormFloat64(data, channels: 2, voxels: voxels, eps: 1e-5)
    for name in ["a", "b"] {
      let result = try XCTUnwrap(outputs[name])
      let error = TensorComparison.compare(result.data, reference).maxAbsError
      XCTAssertLessThanOrEqual(error, 1e-4, "\(name)")
    }
    let naive = try ReferenceOps.instanceNormOnePassFP32Naive(input, gamma: nil, beta: nil, eps: 1e-5)
    XCTAssertGreaterThan(TensorComparison.compare(naive.data, reference).maxAbsError, 1e-4, "negative control")
  }

  static func instanceNormFloat64(_ data: [Float], channels: Int, voxels: Int, eps: Double) -> [Float] {
    var result = [Float](repeating: 0, count: data.count)
    for channel in 0..<channels {
      let range = (channel * voxels)..<((channel + 1) * voxels)
      let mean = range.reduce(0.0) { $0 + Double(data[$1]) } / Double(voxels)
      let variance = range.reduce(0.0) { $0 + (Double(data[$1]) - mean) * (Double(data[$1]) - mean) } / Double(voxels)
      let inverse = 1 / (variance + eps).squareRoot()
      for i in range { result[i] = Float((Double(data[i]) - mean) * inverse) }
    }
    return result
  }

  func testMissingWeightsAndInputsAreReported() throws {
    let program = try Lowering.lower(try everyOpGraph(), target: .avx2)
    XCTAssertThrowsError(try KernelInterpreter(program: program, weights: [:])) { error in
      XCTAssertTrue("\(error)".contains("no weights for @"), "\(error)")
    }
    let interpreter = try KernelInterpreter(program: program, weights: KernelTestSupport.randomWeights(for: try everyOpGraph(), seed: 1))
    XCTAssertThrowsError(try interpreter.run(inputs: [:], memory: .separateAllocations)) { error in
      XCTAssertTrue("\(error)".contains("no value given for input %x"), "\(error)")
    }
    XCTAssertThrowsError(try interpreter.run(inputs: [:], memory: .arena)) { error in
      XCTAssertTrue("\(error)".contains("run MemoryPlanner.plan first"), "\(error)")
    }
  }
}
