// Everything the program's convolution generator needs to know about one conv3d_* kernel of the
// Kernel IR, as constants: input segments (one per concatenated input, each with its layout and
// where its channels start in the packed weight), weight layout, bias/residual/LeakyReLU epilogue,
// statistics, geometry (asymmetric padding, stride, nearest-upsampled input), output layout, the
// register tile, and how the work is cut into tiles.
//
// Packed weights are read exactly as the Kernel IR lays them out (WeightPacking):
// OIDHW8i8o [O/8][sum_j ceil(I_j/8)][kd][kh][kw][8i][8o], or OIDHW8o with unblocked input
// channels; the micro-kernel streams one output block's weights per register-tile column.

struct ConvolutionInputSegment: Hashable {
  var slot: Int
  var addressing: ActivationAddressing
  /// Index of this segment's first input block (or channel, unblocked) in the packed weight.
  var weightBlockStart: Int
}

struct ConvolutionKernelSpec {
  var name: String
  var segments: [ConvolutionInputSegment]
  var weightSlot: Int
  /// Input channels per packed weight block: 8 (blocked input) or 1 (NCDHW input).
  var weightLanes: Int
  var totalWeightBlocks: Int
  var biasSlot: Int?
  var residual: (slot: Int, addressing: ActivationAddressing)?
  var slope: Float?
  var output: (slot: Int, addressing: ActivationAddressing)
  /// Statistics scratch slot (fp64, see ConvolutionRowStatistics) and Kernel IR parts.
  var statisticsSlot: Int?
  var statisticsParts: Int
  var batch: Int
  var outputChannels: Int
  /// Stored input extent, the nearest-upsampling factor applied when reading it, kernel, stride,
  /// padding before each axis, and the output extent: as the micro-kernel sees them (a unit-stride
  /// 1x1x1 conv may view its volume as rows of H*W voxels).
  var storedInput: Extent3
  var upsample: Extent3
  var kernel: Extent3
  var stride: Extent3
  var paddingBefore: Extent3
  var outputExtent: Extent3
  var tiling: ConvolutionTiling
  /// The output shares bytes with an input or the residual: rows are computed for every output
  /// channel into a stack buffer first and copied out afterwards.
  var staged: Bool
  /// Every output-channel group is computed at each register-tile position before moving on (1x1x1
  /// convs: the tile's input voxels stay in L1 for all groups instead of being streamed from memory
  /// once per group; the head's 105 channels would re-read its input 14 times).
  var groupsInside: Bool
  /// Depth slabs per statistics part (per the whole depth when there are no statistics).
  var slabsPerPart: Int
  /// Input lanes fully unrolled in the micro-kernel (fastest code) or a loop over them (8x less
  /// code to optimise and compile).
  var unrolledLanes: Bool

  var inputBlocksPerSegment: [Int] { segments.map { $0.addressing.blocks } }
  var outputBlocks: Int { (outputChannels + 7) / 8 }
  var groupCount: Int { (outputBlocks + tiling.outputBlocksPerTile - 1) / tiling.outputBlocksPerTile }
  var lastGroupBlocks: Int { outputBlocks - (groupCount - 1) * tiling.outputBlocksPerTile }
  var kernelVolume: Int { kernel.voxelCount }
  var logicalInput: Extent3 {
    Extent3(storedInput.depth * upsample.depth, storedInput.height * upsample.height, storedInput.width * upsample.width)
  }
  var parts: Int { max(1, statisticsParts) }
  var slabCount: Int { parts * slabsPerPart }
  var tileCount: Int { staged || groupsInside ? batch * slabCount : batch * slabCount * groupCount }
  /// Floats of the statistics scratch.
  var statisticsScratchCount: Int { batch * slabCount * outputBlocks * 24 }
  /// Floats of a staged row.
  var stagedRowCount: Int { outputBlocks * outputExtent.width * 8 }

  /// Input-channel passes of segment `index`: blocks per pass and pass count.
  func passes(ofSegment index: Int) -> (blocksPerPass: Int, count: Int) {
    let blocks = segments[index].addressing.blocks
    let perPass = tiling.inputBlocksPerPass <= 0 ? blocks : min(blocks, tiling.inputBlocksPerPass)
    return (perPass, (blocks + perPass - 1) / perPass)
  }

  /// 2 FLOP per multiply-add over the real channels.
  var flopCount: Int {
    let inputChannels = segments.reduce(0) { $0 + $1.addressing.channels }
    return 2 * batch * outputExtent.voxelCount * outputChannels * inputChannels * kernelVolume
  }
}
