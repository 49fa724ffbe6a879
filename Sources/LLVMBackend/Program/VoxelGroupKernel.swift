// What the per-voxel channel kernels (argmax, softmax over channels) share: tiles are (sample,
// chunk of voxels), and each tile walks its chunk in groups of 8 voxels, the volume's last partial
// group handled by the last chunk with fewer lanes.

protocol VoxelGroupKernel: KernelGenerator {
  var input: (slot: Int, addressing: ActivationAddressing) { get }
  /// Voxels per tile (a multiple of 8).
  var chunk: Int { get }
  var slotElementCounts: [Int] { get }
}

extension VoxelGroupKernel {
  var voxels: Int { input.addressing.voxels }
  var chunkCount: Int { (voxels + chunk - 1) / chunk }
  var tileCount: Int { input.addressing.batch * chunkCount }
  var buffers: [KernelBufferDescriptor] {
    slotElementCounts.enumerated().map { KernelBufferDescriptor(name: "slot\($0)", elementCount: $1, access: .readWrite) }
  }

  /// Emits the tile loop: `group(sample, first, lanes)` for every group of up to 8 voxels.
  func forEachVoxelGroup(_ b: KernelFunctionBuilder, _ group: (_ sample: IRValue, _ first: IRValue, _ lanes: Int) -> Void) {
    b.forLoop(from: b.tileBegin, to: b.tileEnd) { tile in
      let chunkIndex = b.remainder(tile, chunkCount)
      let sample = b.divide(tile, chunkCount)
      let start = b.multiply(chunkIndex, chunk)
      let fullEnd = b.minimum(b.add(start, chunk), b.constant(voxels / 8 * 8))
      b.forLoop(from: start, to: fullEnd, step: 8) { first in group(sample, first, 8) }
      if voxels % 8 != 0 {
        b.ifThen(b.isEqual(chunkIndex, b.constant(chunkCount - 1))) { group(sample, b.constant(voxels / 8 * 8), voxels % 8) }
      }
    }
  }
}
