// MACs before and after optimisation (`stunetc info --optimized`) and the graph-level liveness
// estimate, on STU-Net-S at 1x1x128^3 (no weights needed) and on small hand-made graphs.
import DSL
import GraphIR
import Passes
import XCTest

final class CostEstimateTests: XCTestCase {
  static let fullPatch = [1, 1, 128, 128, 128]
  static let mebibyte = 1 << 20

  func testOptimizedMACsOfSmallSaveAtLeastTheDeadHeadsAndTheCommutedUpsampleConvs() throws {
    let original = try STUNet(.small).graph(inputShape: Self.fullPatch).graph
    let optimized = try optimize(original)
    let statistics = GraphStatistics(original)
    XCTAssertEqual(MultiplyAccumulates.total(original), statistics.totalMACs, "same count as GraphStatistics")
    let deadHeads = statistics.ops.filter { ["seg_outputs.0", "seg_outputs.1", "seg_outputs.2", "seg_outputs.3"].contains($0.result) }
    XCTAssertEqual(deadHeads.count, 4)
    let headMACs = deadHeads.reduce(0) { $0 + $1.macs }
    // Each upsample conv runs at 1/(sd*sh*sw) of its original resolution.
    var commuteSavings = 0
    for (up, scale) in zip(0..<5, STUNetConfiguration.small.strides.reversed()) {
      let conv = try XCTUnwrap(statistics.ops.first { $0.result == "upsample_layers.\(up).conv" })
      commuteSavings += conv.macs - conv.macs / scale.reduce(1, *)
    }
    let report = MACReport(original: original, optimized: optimized)
    XCTAssertEqual(report.before, statistics.totalMACs)
    XCTAssertLessThanOrEqual(report.after, report.before - headMACs - commuteSavings, report.description)
    XCTAssertEqual(report.after, report.before - headMACs - commuteSavings, "fusion itself changes no MACs")
    // STUNET.md §5: 130.07 G with all heads, 128.90 G with only the final head.
    XCTAssertEqual(Double(report.before) / 130.07e9, 1, accuracy: 1e-3)
    XCTAssertEqual(Double(report.before - headMACs) / 128.90e9, 1, accuracy: 1e-3)
    XCTAssertTrue(report.description.contains("MACs before optimisation 130."), report.description)
  }

  func testLivenessOfAHandMadeGraphCountsOperandsResultsAndOutputs() throws {
    let text = """
      graph @chain {
        input %x : f32[1,1,4,4,4]
        param @w : f32[8,1,1,1,1]
        %a = conv3d(%x, @w) {padding = [0,0,0,0,0,0], stride = [1,1,1]} : f32[1,8,4,4,4]
        %b = leaky_relu(%a) {slope = 0.01} : f32[1,8,4,4,4]
        %c = softmax(%b) {axis = 1} : f32[1,8,4,4,4]
        output %c, %a
      }
      """
    let estimate = LivenessEstimate(try Parser.parse(text))
    let voxels = 64 * 4
    // %a is an output, so it stays live to the end: x+a, a+b, a+b+c.
    XCTAssertEqual(estimate.liveBytesPerStep, [9 * voxels, 16 * voxels, 24 * voxels])
    XCTAssertEqual(estimate.peakBytes, 24 * voxels)
    XCTAssertEqual(estimate.peakStep, 2)
    XCTAssertEqual(estimate.liveAtPeak, ["a", "b", "c"])
  }

  func testSchedulingLowersThePeakOfInterleavedChainsAndNeverRaisesIt() throws {
    let url = PassTextCase.root.appendingPathComponent("schedule-memory/two-chains.input.ir")
    var graph = try Parser.parse(try String(contentsOf: url, encoding: .utf8))
    let before = LivenessEstimate(graph).peakBytes
    try MemoryAwareScheduling().run(&graph)
    XCTAssertEqual(before, 17 * 64 * 4)
    XCTAssertEqual(LivenessEstimate(graph).peakBytes, 10 * 64 * 4)
    for configuration in [STUNetConfiguration.small, PassNumericalTests.customVariant] {
      var unfused = try STUNet(configuration).graph(inputShape: [1, 1, 64, 64, 64]).graph
      let peak = LivenessEstimate(unfused).peakBytes
      try MemoryAwareScheduling().run(&unfused)
      try Verifier.verify(unfused)
      XCTAssertLessThanOrEqual(LivenessEstimate(unfused).peakBytes, peak)
    }
  }

  func testOptimizedPeaksMatchTheLeanPlanOfSmallAndHuge() throws {
    // STUNET.md §6 (lean plan, 128^3): S needs 0.95 GiB, at the head: the last block output
    // (16 ch) and the 105-channel logits. H needs 3.00 GiB in decoder level 0: the upsampled
    // half and the skip (the folded concat) plus the two block temporaries, 4 x 96 channels.
    let channelBytes = 8 * Self.mebibyte
    let expectations: [(STUNetConfiguration, Int, [String])] = [
      (.small, (16 + 105) * channelBytes, ["conv_blocks_localization.4.0.act2", "seg_outputs.4"]),
      (
        .huge, 4 * 96 * channelBytes,
        [
          "conv_blocks_context.0.2.act2", "upsample_layers.4.upsample", "conv_blocks_localization.4.0.act1",
          "conv_blocks_localization.4.0.conv3",
        ]
      ),
    ]
    for (configuration, peak, live) in expectations {
      let original = try STUNet(configuration).graph(inputShape: Self.fullPatch).graph
      let after = LivenessEstimate(try optimize(original))
      XCTAssertEqual(after.peakBytes, peak, after.description)
      XCTAssertEqual(after.liveAtPeak, live)
      XCTAssertLessThanOrEqual(after.peakBytes, LivenessEstimate(original).peakBytes)
    }
  }
}
