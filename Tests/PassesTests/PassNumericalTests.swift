// Numerical checks of every pass: the interpreter on the graph before a pass versus after it, with
// seeded random weights, on every text case and, pass by pass through the default pipeline, on
// the tiny golden configuration and on a custom variant. Exact passes must be bit-identical (the
// interpreter evaluates fused ops as their composition and its 1x1 conv does not depend on a
// voxel's position); drop-bias-before-norm is exact only in real arithmetic and is held to the
// 1e-4 relative policy.
import DSL
import GraphIR
import Passes
import TensorCore
import XCTest

final class PassNumericalTests: XCTestCase {
  /// Passes whose fp32 results may differ from their input's by rounding.
  static let toleranced: Set<String> = ["drop-bias-before-norm", "pipeline"]

  static let tinyGolden = STUNetConfiguration(
    widths: [2, 4, 8, 16, 32, 32], depths: [2, 2, 2, 2, 2, 2], numClasses: 3)
  static let customVariant = STUNetConfiguration(
    widths: [8, 16, 32, 64, 96, 96], depths: [1, 2, 1, 2, 1, 1], strides: Array(repeating: [2, 2, 2], count: 5),
    numClasses: 14)

  func testEveryTextCaseKeepsItsResults() throws {
    for (number, testCase) in try PassTextCase.all().enumerated() {
      let (input, output) = try testCase.run()
      let parameters = SeededTensors.parameters(for: input, seed: 100 + UInt64(number))
      let inputs = SeededTensors.inputs(for: input, seed: 200 + UInt64(number))
      let before = try NumericalAgreement.run(input, parameters: parameters, inputs: inputs).outputs
      let after = try NumericalAgreement.run(output, parameters: parameters, inputs: inputs).outputs
      XCTAssertEqual(before.count, after.count, testCase.label)
      let agreement: Agreement = Self.toleranced.contains(testCase.folder) ? .policy : .bitExact
      for (index, (optimized, reference)) in zip(after, before).enumerated() {
        NumericalAgreement.check(optimized, reference, agreement, "\(testCase.label) output \(index)")
      }
    }
  }

  /// Negative controls: rewrites that look plausible but are wrong change the results far beyond
  /// the policy, so the checks above would catch them.
  func testTheNumericalChecksCatchWrongRewrites() throws {
    func load(_ path: String) throws -> Graph {
      try Parser.parse(try String(contentsOf: PassTextCase.root.appendingPathComponent(path), encoding: .utf8))
    }
    func difference(_ original: Graph, _ broken: Graph) throws -> Double {
      let parameters = SeededTensors.parameters(for: original, seed: 5)
      let inputs = SeededTensors.inputs(for: original, seed: 6)
      let reference = try NumericalAgreement.run(original, parameters: parameters, inputs: inputs).outputs[0]
      let actual = try NumericalAgreement.run(broken, parameters: parameters, inputs: inputs).outputs[0]
      return TensorComparison.compare(actual, reference).maxRelativeToScale
    }
    // Dropping the bias of the shortcut conv, which feeds an add rather than a norm.
    let block = try load("fuse-conv-norm-residual-act/residual-block.input.ir")
    var withoutShortcutBias = block
    let shortcut = try XCTUnwrap(withoutShortcutBias.nodes.firstIndex { $0.result == "b.conv3" })
    withoutShortcutBias.nodes[shortcut].operands.removeLast()
    XCTAssertGreaterThan(try difference(block, withoutShortcutBias), 1e-3)
    // Folding a concat with its parts in the wrong order.
    let decoder = try load("fold-concat-into-conv/decoder-block.input.ir")
    var folded = decoder
    try FoldConcatIntoConvolution().run(&folded)
    let conv1 = try XCTUnwrap(folded.nodes.firstIndex { $0.result == "b.act1" })
    folded.nodes[conv1].operands.swapAt(0, 1)
    XCTAssertGreaterThan(try difference(decoder, folded), 1e-3)
  }

  func testEveryPassKeepsTheTinyGoldenConfigurationsResults() throws {
    try checkPipelinePassByPass(Self.tinyGolden, inputShape: [1, 1, 32, 32, 64], seed: 7)
  }

  func testEveryPassKeepsTheCustomVariantsResults() throws {
    try checkPipelinePassByPass(Self.customVariant, inputShape: [1, 1, 32, 32, 32], seed: 11)
  }

  /// Runs the default pipeline one pass at a time; after each pass the logits and the stage
  /// outputs (enc0.., dec0..) must equal those before it (bit for bit, or within the policy),
  /// and the final logits must match the unoptimised graph's within the policy.
  func checkPipelinePassByPass(_ configuration: STUNetConfiguration, inputShape: [Int], seed: UInt64) throws {
    let built = try STUNet(configuration).graph(inputShape: inputShape)
    let parameters = SeededTensors.parameters(for: built.graph, seed: seed)
    let inputs = SeededTensors.inputs(for: built.graph, seed: seed + 1)
    let stageValues = Set(built.stageOutputs.values)
    let original = try NumericalAgreement.run(built.graph, parameters: parameters, inputs: inputs, keep: stageValues)
    var graph = built.graph
    var previous = original
    /// Passes that leave STU-Net as it is (no duplicates; the fused order is already the best).
    let noOpOnSTUNet: Set<String> = ["cse", "schedule-memory"]
    for pass in optimizationPipeline() {
      let before = graph
      try pass.run(&graph)
      try Verifier.verify(graph)
      if noOpOnSTUNet.contains(pass.name) {
        XCTAssertEqual(graph, before, "\(pass.name) changed STU-Net")
      } else {
        XCTAssertNotEqual(graph, before, "\(pass.name) found nothing to do on STU-Net")
      }
      let current = try NumericalAgreement.run(graph, parameters: parameters, inputs: inputs, keep: stageValues)
      let agreement: Agreement = Self.toleranced.contains(pass.name) ? .policy : .bitExact
      NumericalAgreement.check(current.outputs[0], previous.outputs[0], agreement, "logits after \(pass.name)")
      XCTAssertEqual(Set(current.kept.keys), stageValues, "\(pass.name) lost a stage output value")
      for (name, value) in current.kept.sorted(by: { $0.key < $1.key }) {
        guard let reference = previous.kept[name] else { continue }
        NumericalAgreement.check(value, reference, agreement, "%\(name) after \(pass.name)")
      }
      previous = current
    }
    NumericalAgreement.check(previous.outputs[0], original.outputs[0], .policy, "logits, whole pipeline")
    XCTAssertFalse(graph.nodes.contains { $0.kind == .conv3d || $0.kind == .concat || $0.kind == .instanceNorm })
  }
}
