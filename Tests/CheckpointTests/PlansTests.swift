// The official nnU-Net v1 plans shipped with the STU-Net TotalSegmentator checkpoints decode with the
// pickle machine: strides [2,2,2]x4 then [1,1,2], patch 128^3, spacing 1.5 mm, 'nonCT', 105 outputs.
import Archive
import Checkpoint
import Foundation
import XCTest

final class PlansTests: XCTestCase {
  func testOfficialTrainerPlans() throws {
    let trainers = ["small": "STUNetTrainer_small", "base": "STUNetTrainer_base", "large": "STUNetTrainer_large", "huge": "STUNetTrainer_huge"]
    for (size, trainer) in trainers {
      let url = try sharedFile("golden/plans/\(size)_ep4k.model.pkl")
      let plans = try NNUNetPlans.load(v1PlansFile: url)
      XCTAssertEqual(plans.trainerName, trainer)
      XCTAssertEqual(plans.strides, [[2, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2], [1, 1, 2]], size)
      XCTAssertEqual(plans.patchSize, [128, 128, 128], size)
      XCTAssertEqual(plans.targetSpacing, [1.5, 1.5, 1.5], size)
      XCTAssertEqual(plans.normalizationSchemes, ["nonCT"], size)
      XCTAssertEqual(plans.numClasses, 105, "104 foreground classes + background")
      XCTAssertEqual(plans.source, url.path)
    }
  }

  func testTrainerPlansPickleAsData() throws {
    let url = try sharedFile("golden/plans/base_ep4k.model.pkl")
    let document = try PickleMachine.load(FileBytes(url: url))
    let initArguments = try XCTUnwrap(document.value("init", in: document.root).flatMap(document.items))
    XCTAssertEqual(initArguments.count, 9)
    XCTAssertEqual(initArguments.last, .bool(true), "fp16 flag of the trainer")
    let plans = try XCTUnwrap(document.value("plans", in: document.root))
    XCTAssertEqual(document.value("num_classes", in: plans), .int(104))
    XCTAssertEqual(document.value("conv_per_stage", in: plans), .int(2))
    let stage = try XCTUnwrap(document.value("plans_per_stage", in: plans).flatMap(document.dictionary)?.value(for: .int(0)))
    XCTAssertEqual(document.value("num_pool_per_axis", in: stage).flatMap(document.ints), [4, 4, 5])
    XCTAssertEqual(document.value("median_patient_size_in_voxels", in: stage).flatMap(document.ints), [228, 228, 240])
    XCTAssertEqual(document.value("do_dummy_2D_data_aug", in: stage).flatMap(document.int), 0, "a numpy bool scalar")
    // transpose_forward mixes a numpy int64 scalar and plain ints.
    XCTAssertEqual(document.value("transpose_forward", in: plans).flatMap(document.ints), [0, 1, 2])
  }

  func testSharedPlansFileHasNoStagePlans() throws {
    let url = try sharedFile("golden/plans/plans.pkl")
    let document = try PickleMachine.load(FileBytes(url: url))
    XCTAssertEqual(document.value("num_classes", in: document.root), .int(104))
    XCTAssertEqual(document.value("base_num_features", in: document.root), .int(32))
    let schemes = try XCTUnwrap(document.value("normalization_schemes", in: document.root).flatMap(document.dictionary))
    XCTAssertEqual(schemes.value(for: .int(0)), .string("nonCT"))
    XCTAssertThrowsError(try NNUNetPlans.load(v1PlansFile: url)) { error in
      XCTAssertEqual(error as? PlansError, .missingField(source: url.path, path: "plans['plans_per_stage']"))
    }
  }

  func testPlansBesideAV1CheckpointAreAttached() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let model = folder.appendingPathComponent("model_final_checkpoint.model")
    try FileManager.default.copyItem(at: sharedFile("golden/stunet_tiny_v1.model"), to: model)
    try FileManager.default.copyItem(
      at: sharedFile("golden/plans/small_ep4k.model.pkl"), to: URL(fileURLWithPath: model.path + ".pkl"))
    let checkpoint = try CheckpointLoader.load(model)
    let plans = try XCTUnwrap(checkpoint.plans)
    XCTAssertEqual(plans.trainerName, "STUNetTrainer_small")
    XCTAssertEqual(plans.strides.last, [1, 1, 2])
    XCTAssertEqual(plans.source, model.path + ".pkl")
  }
}
