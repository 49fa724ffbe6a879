// `stunet-model segment` on a small segmentation-shaped model: a synthetic CT phantom through the
// whole pipeline (several tiles, Gaussian weighting, normal mode) gives exactly the labels of the
// same pipeline with the JIT runtime as the predictor; the in-process AOTTilePredictor's row
// slabs equal whole tiles; preprocessing comes from the compile-time metadata.
import AOT
import AOTRuntime
import Foundation
import NIfTI
import Segmentation
import TensorCore
import XCTest

final class AOTSegmentTests: XCTestCase {
  static let spacing = [2.0, 2.0, 2.5]
  static let shapeIJK = [24, 20, 16]

  func writePhantom(to url: URL) throws -> NIfTIImage {
    var phantom = SyntheticPhantom.make(shapeIJK: Self.shapeIJK, spacingIJK: Self.spacing, seed: 3)
    phantom.voxels.data = phantom.voxels.data.map { $0.rounded() }
    var affine = (0..<4).map { row in (0..<4).map { column in row == column ? 1.0 : 0.0 } }
    for axis in 0..<3 { affine[axis][axis] = Self.spacing[axis] }
    let header = try NIfTIHeader.make(shapeIJK: Self.shapeIJK, affine: affine, datatype: .int16)
    try NIfTIWriter.write(phantom.voxels, as: .int16, like: header, to: url, description: "test phantom")
    return try NIfTIReader.read(url)
  }

  func testSegmentEqualsJITPipeline() throws {
    let schedule = try SegmentationScheduleFixture.make(patch: 16)
    let directory = try TestTools.temporaryDirectory("segment")
    let bundle = try AOTBundleWriter.write(
      schedule, to: directory.appendingPathComponent("bundle"),
      options: AOTBundleOptions(
        compiler: "stunetc test",
        metadata: [("target_spacing", "2,2,2"), ("normalization", "zscore"), ("plans", "test plans: 2 mm, z-score")]))
    let executable = try XCTUnwrap(bundle.executable)
    let input = directory.appendingPathComponent("ct.nii.gz")
    let image = try writePhantom(to: input)
    let output = directory.appendingPathComponent("labels.nii.gz")
    let log = try TestTools.run([
      executable.path, "segment", input.path, "-o", output.path, "--threads", "2", "--progress", "lines",
    ])
    XCTAssertTrue(log.contains("segmented \(input.path) -> \(output.path)"), log)
    XCTAssertTrue(log.contains("aot backend"), log)
    XCTAssertTrue(log.contains("plans: test plans: 2 mm, z-score"), log)
    XCTAssertTrue(log.contains("tile 8/8"), log)

    let configuration = SegmentationConfiguration(targetSpacing: [2, 2, 2], patchSize: [16, 16, 16], threads: 2)
    let reference = try SegmentationPipeline(
      configuration: configuration, predictor: try JITSchedulePredictor(schedule, threads: 2)
    ).run(image: image.voxelsKJI, spacing: image.spacingKJI)
    XCTAssertEqual(reference.report.tileCount, 8)
    let labels = try NIfTIReader.read(output)
    XCTAssertEqual(labels.voxelsKJI.shape, image.voxelsKJI.shape)
    XCTAssertEqual(labels.voxelsKJI.data, reference.labels.data)
    XCTAssertEqual(Set(reference.labels.data).count, 3, "every class occurs, so the comparison means something")

    // --spacing overrides the recorded plans; a wrong normalisation request is refused.
    let (status, text) = try ProcessRunner.run([
      executable.path, "segment", input.path, "-o", output.path, "--normalization", "CT",
    ])
    XCTAssertEqual(status, 2, text)
    XCTAssertTrue(text.contains("--normalization accepts zscore"), text)
  }

  func testPredictorSlabsEqualWholeTiles() throws {
    let schedule = try SegmentationScheduleFixture.make(patch: 16)
    let directory = try TestTools.temporaryDirectory("slabs")
    let bundle = try AOTBundleWriter.write(
      schedule, to: directory, options: AOTBundleOptions(compiler: "stunetc test", linkExecutable: false))
    let model = try AOTModel(
      entryPoints: try ModelEntryPoints.library(at: try TestTools.sharedLibrary(for: bundle).path),
      weightsPath: bundle.weightsFile.path, threads: 2)
    let predictor = try AOTTilePredictor(model: model)
    XCTAssertEqual(predictor.classes, 3)
    XCTAssertEqual(predictor.patch, [16, 16, 16])
    var random = SeededRandom(seed: 5)
    let tile = Tensor(shape: [1, 1, 16, 16, 16], data: random.floats(4096, scale: 2))
    let whole = try predictor.predict(tile)
    var collected = [Float](repeating: .nan, count: whole.count)
    try predictor.predictRowSlabs(tile, maximumRows: 5) { slab, rows in
      XCTAssertEqual(slab.shape, [3, rows.count, 16, 16])
      for channel in 0..<3 {
        for index in 0..<(rows.count * 256) {
          collected[channel * 4096 + rows.lowerBound * 256 + index] = slab.data[channel * rows.count * 256 + index]
        }
      }
    }
    XCTAssertEqual(collected.map(\.bitPattern), whole.data.map(\.bitPattern))
    XCTAssertThrowsError(try AOTTilePredictor(model: try AOTModel(
      entryPoints: try ModelEntryPoints.library(at: try TestTools.sharedLibrary(for: try FixtureBundle.get().bundle).path),
      weightsPath: try FixtureBundle.get().bundle.weightsFile.path, threads: 1)))
  }
}
