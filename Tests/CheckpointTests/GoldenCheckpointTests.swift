// The golden checkpoints written by PyTorch (../shared/golden) load, and every tensor equals the one
// in stunet_tiny_weights.npz: exactly for float32 files, within fp16 rounding for the fp16 file.
import Archive
import Checkpoint
import Foundation
import TensorCore
import XCTest

final class GoldenCheckpointTests: XCTestCase {
  private func assertMatchesGolden(
    _ checkpoint: LoadedCheckpoint, halfPrecision: Bool, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let golden = try goldenWeights()
    XCTAssertEqual(checkpoint.keyOrder, golden.names, "keys and their order", file: file, line: line)
    XCTAssertEqual(Set(checkpoint.tensors.keys), Set(golden.names), file: file, line: line)
    for name in golden.names {
      guard let loaded = checkpoint.tensors[name], let reference = golden.tensors[name] else { continue }
      XCTAssertEqual(loaded.shape, reference.shape, name, file: file, line: line)
      XCTAssertEqual(loaded.dtype, .f32, name, file: file, line: line)
      if halfPrecision {
        // Rounding a float32 to the nearest fp16 errs by at most half a unit in the last place:
        // 2^-11 relative for normal numbers, and 2^-25 absolute below fp16's normal range (2^-14).
        var worst: (excess: Float, index: Int) = (0, -1)
        for (index, (a, b)) in zip(loaded.data, reference.data).enumerated() {
          let excess = abs(a - b) - (0x1p-11 * abs(b) + 0x1p-25)
          if excess > worst.excess || excess.isNaN { worst = (excess.isNaN ? .infinity : excess, index) }
        }
        XCTAssertEqual(worst.index, -1, "\(name): element \(worst.index) exceeds the fp16 rounding bound", file: file, line: line)
        XCTAssertEqual(checkpoint.sourceDTypes[name], "float16", file: file, line: line)
      } else {
        XCTAssertEqual(loaded.data, reference.data, name, file: file, line: line)
        XCTAssertEqual(checkpoint.sourceDTypes[name], "float32", file: file, line: line)
      }
    }
  }

  private func assertTinySignature(_ checkpoint: LoadedCheckpoint) throws {
    let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: sharedFile("golden/stunet_tiny_meta.json")))
    let fields = try XCTUnwrap(meta as? [String: Any])
    let signature = try checkpoint.shapeSignature()
    XCTAssertEqual(signature.widths, fields["dims"] as? [Int])
    XCTAssertEqual(signature.depths, fields["depth"] as? [Int])
    XCTAssertEqual(signature.numClasses, fields["num_classes"] as? Int)
    XCTAssertEqual(signature.inputChannels, fields["input_channels"] as? Int)
    XCTAssertEqual(signature.kernelSizes, fields["conv_kernel_sizes"] as? [[Int]])
    XCTAssertEqual(signature.widths, [2, 4, 8, 16, 32, 32])
    XCTAssertEqual(signature.depths, [2, 2, 2, 2, 2, 2])
    XCTAssertEqual(signature.numClasses, 3)
  }

  func testV1Model() throws {
    let checkpoint = try CheckpointLoader.load(sharedFile("golden/stunet_tiny_v1.model"))
    XCTAssertEqual(checkpoint.format, "torch zip")
    XCTAssertEqual(checkpoint.layout, "nnU-Net v1 (state_dict)")
    try assertMatchesGolden(checkpoint, halfPrecision: false)
    try assertTinySignature(checkpoint)
    XCTAssertNil(checkpoint.plans, "no .model.pkl sits beside the tiny checkpoint")
    XCTAssertTrue(checkpoint.notes.contains { $0.contains("stunet_tiny_v1.model.pkl") }, "\(checkpoint.notes)")
  }

  func testV2Pth() throws {
    let checkpoint = try CheckpointLoader.load(sharedFile("golden/stunet_tiny_v2.pth"))
    XCTAssertEqual(checkpoint.format, "torch zip")
    XCTAssertEqual(checkpoint.layout, "nnU-Net v2 (network_weights)")
    try assertMatchesGolden(checkpoint, halfPrecision: false)
    try assertTinySignature(checkpoint)
    XCTAssertNil(checkpoint.plans, "the tiny file's init_args hold plans without configurations")
  }

  func testModulePrefixedHalfPrecision() throws {
    let checkpoint = try CheckpointLoader.load(sharedFile("golden/stunet_tiny_module_fp16.model"))
    XCTAssertEqual(checkpoint.layout, "nnU-Net v1 (state_dict), 'module.' prefix stripped")
    try assertMatchesGolden(checkpoint, halfPrecision: true)
    try assertTinySignature(checkpoint)
  }

  func testLegacyFormat() throws {
    let checkpoint = try CheckpointLoader.load(sharedFile("golden/stunet_tiny_legacy.model"))
    XCTAssertEqual(checkpoint.format, "torch legacy")
    XCTAssertEqual(checkpoint.layout, "nnU-Net v1 (state_dict)")
    try assertMatchesGolden(checkpoint, halfPrecision: false)
    try assertTinySignature(checkpoint)
  }

  func testWeightsNpz() throws {
    let checkpoint = try CheckpointLoader.load(sharedFile("golden/stunet_tiny_weights.npz"))
    XCTAssertEqual(checkpoint.format, "npz")
    XCTAssertEqual(checkpoint.layout, "bare state dict")
    try assertMatchesGolden(checkpoint, halfPrecision: false)
    try assertTinySignature(checkpoint)
  }

  /// STU-Net-S with random weights (58 MB): configuration, size, and the cost of loading it.
  func testSmallRandomCheckpointLoadCost() throws {
    let url = try sharedFile("golden/stunet_s_random.pth")
    let rusagePeakBefore = PeakMemory.residentSetPeakBytes()
    let residentBefore = PeakMemory.statusBytes("VmRSS")
    let canReset = PeakMemory.resetHighWaterMark()
    let start = Date()
    let checkpoint = try CheckpointLoader.load(url)
    let seconds = Date().timeIntervalSince(start)
    let highWater = PeakMemory.statusBytes("VmHWM")
    let rusagePeakAfter = PeakMemory.residentSetPeakBytes()
    let signature = try checkpoint.shapeSignature()
    XCTAssertEqual(signature.widths, [16, 32, 64, 128, 256, 256])
    XCTAssertEqual(signature.depths, [1, 1, 1, 1, 1, 1])
    XCTAssertEqual(signature.numClasses, 105)
    XCTAssertEqual(signature.inputChannels, 1)
    XCTAssertEqual(checkpoint.tensors.count, 130)
    XCTAssertEqual(checkpoint.parameterCount, 14_596_941)
    let mebibyte = 1_048_576.0
    func mib(_ bytes: Int?) -> String { bytes.map { String(format: "%.1f MiB", Double($0) / mebibyte) } ?? "n/a" }
    var report = "stunet_s_random.pth: \(checkpoint.tensors.count) tensors, "
    report += mib(checkpoint.parameterCount * 4) + " of fp32 weights, loaded in " + String(format: "%.3f s", seconds)
    report += "; getrusage peak RSS " + mib(rusagePeakBefore) + " before, " + mib(rusagePeakAfter) + " after"
    if canReset, let before = residentBefore, let peak = highWater {
      report += "; RSS " + mib(before) + " before, high-water mark during the load " + mib(peak)
      report += " (growth " + mib(peak - before) + ")"
    }
    print(report)
  }
}
