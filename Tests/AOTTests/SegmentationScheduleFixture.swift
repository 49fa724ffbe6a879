// A segmentation-shaped AOT schedule for the runner's `segment`: logits [1, 3, p, p, p] of a
// 3x3x3 convolution (1 -> 3 channels, bias) over the tile, converted back to NCDHW, and a
// TilePredictor that runs the same schedule through the JIT runtime for the reference labels.
import AOT
import AOTRuntime
import LLVMBackend
import Segmentation
import TensorCore

enum SegmentationScheduleFixture {
  static func make(patch: Int) throws -> AOTSchedule {
    var random = SeededRandom(seed: 11)
    let target = LLVMBackend.TargetDescription.detectedHost
    let extent = Extent3(uniform: patch)
    let conv = try FirstConvolutionKernel(
      FirstConvolutionSpec(name: "aot_segment_conv", outputChannels: 3, inputExtent: extent, hasBias: true), target: target)
    let unblock = try LayoutConversionKernel(
      LayoutConversionSpec(name: "aot_segment_unblock", channels: 3, extent: extent, direction: .fromBlocked))
    var weights = WeightsBlob()
    let convWeights = weights.append(try conv.packWeights(random.floats(3 * 27, scale: 0.5)), name: "conv.weight")
    let convBias = weights.append(try conv.packBias([0.1, -0.2, 0.05]), name: "conv.bias")
    var arena = ArenaLayout()
    let input = arena.place(extent.voxelCount * 4)
    let blocked = arena.place(conv.buffers[3].byteCount)
    let output = arena.place(unblock.buffers[1].byteCount)
    return AOTSchedule(
      name: "aot_segment", target: target,
      steps: [
        AOTStep(generator: conv, buffers: [input, convWeights, convBias, blocked], label: "logits"),
        AOTStep(generator: unblock, buffers: [blocked, output], label: "to NCDHW"),
      ],
      inputs: [AOTTensor(name: "input", shape: [1, 1, patch, patch, patch], scratchOffset: input.offset)],
      outputs: [AOTTensor(name: "logits", shape: [1, 3, patch, patch, patch], scratchOffset: output.offset)],
      scratchBytes: arena.size, weights: weights)
  }
}

/// The JIT runtime on a schedule, as a TilePredictor.
final class JITSchedulePredictor: TilePredictor {
  let classes: Int
  private let runner: JITReference

  init(_ schedule: AOTSchedule, threads: Int) throws {
    runner = try JITReference(schedule, threads: threads)
    classes = schedule.outputs[0].shape[1]
  }

  func predict(_ tile: Tensor) throws -> Tensor { try runner.run([tile])[0] }
}
