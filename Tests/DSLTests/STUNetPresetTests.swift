// The four official presets: parameter counts, MACs (STUNET.md §1, §5) and checkpoint key names.
import DSL
import Foundation
import GraphIR
import TensorCore
import XCTest

final class STUNetPresetTests: XCTestCase {
  let fullPatch = [1, 1, 128, 128, 128]

  func statistics(_ configuration: STUNetConfiguration) throws -> GraphStatistics {
    GraphStatistics(try STUNet(configuration).graph(inputShape: fullPatch).graph)
  }

  func testParameterCountsMatchTheOfficialModels() throws {
    let expected: [(STUNetConfiguration, Int)] = [
      (.small, 14_596_941), (.base, 58_262_669), (.large, 440_302_605), (.huge, 1_457_326_221),
    ]
    for (configuration, count) in expected {
      XCTAssertEqual(try statistics(configuration).parameterCount, count, "\(configuration)")
    }
  }

  func testMACsWithAllHeadsMatchTheReferenceWithinPointOnePercent() throws {
    let expected: [(STUNetConfiguration, Double)] = [
      (.small, 130.07e9), (.base, 509.01e9), (.large, 3825.5e9), (.huge, 12667.2e9),
    ]
    for (configuration, macs) in expected {
      let measured = Double(try statistics(configuration).totalMACs)
      XCTAssertEqual(measured / macs, 1, accuracy: 1e-3, "\(configuration): \(measured)")
    }
  }

  func testParameterNamesAndShapesEqualTheOfficialStateDictKeys() throws {
    for (letter, configuration) in STUNetConfiguration.presets {
      guard let url = SharedResources.file(
        "stunet_keys/STUNet_\(letter).tsv", packageRoot: SharedResources.packageRoot(fromTestFile: #filePath))
      else { throw XCTSkip("needs ../shared/stunet_keys (absent): skipped") }
      let rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
      let official: [(String, [Int])] = rows.map { row in
        let columns = row.split(separator: "\t")
        let shape = columns[1].filter { "0123456789,".contains($0) }.split(separator: ",").compactMap { Int($0) }
        return (String(columns[0]), shape)
      }
      let graph = try STUNet(configuration).graph(inputShape: fullPatch).graph
      XCTAssertEqual(graph.parameters.map(\.name), official.map(\.0), "STU-Net-\(letter) key order")
      XCTAssertEqual(graph.parameters.map(\.type.shape), official.map(\.1), "STU-Net-\(letter) shapes")
    }
  }

  func testPresetsAreFoundByLetterAndName() {
    XCTAssertEqual(STUNetConfiguration.preset(named: "s"), .small)
    XCTAssertEqual(STUNetConfiguration.preset(named: "huge"), .huge)
    XCTAssertNil(STUNetConfiguration.preset(named: "XL"))
    XCTAssertEqual(STUNetConfiguration.base.presetName, "B")
  }

  func testInvalidConfigurationsAreRejectedWithAReason() {
    var configuration = STUNetConfiguration.small
    configuration.depths = [1, 1]
    XCTAssertThrowsError(try configuration.validate()) { error in
      XCTAssertTrue("\(error)".contains("depths"), "\(error)")
    }
    XCTAssertThrowsError(try STUNet(.small).graph(inputShape: [1, 1, 128, 128, 100])) { error in
      XCTAssertTrue("\(error)".contains("divisible"), "\(error)")
    }
    XCTAssertThrowsError(try STUNet(.small).graph(inputShape: [1, 2, 128, 128, 128])) { error in
      XCTAssertTrue("\(error)".contains("input channel"), "\(error)")
    }
  }

  func testCustomVariantBuildsAndVerifies() throws {
    let custom = STUNetConfiguration(
      widths: [8, 16, 32, 64, 96, 96], depths: [1, 2, 1, 2, 1, 1], strides: Array(repeating: [2, 2, 2], count: 5),
      numClasses: 14)
    let graph = try STUNet(custom).graph(inputShape: [1, 1, 32, 32, 32]).graph
    try Verifier.verify(graph)
    XCTAssertEqual(graph.valueTypes[graph.outputs[0]]?.shape, [1, 14, 32, 32, 32])
    XCTAssertTrue(graph.parameters.contains { $0.name == "conv_blocks_context.3.1.conv2.weight" })
    XCTAssertFalse(graph.parameters.contains { $0.name == "conv_blocks_context.3.1.conv3.weight" })
  }
}
