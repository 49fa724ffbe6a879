// Where element (sample n, channel c, voxel v) of an activation operand lies, relative to the
// address the kernel receives for it (its slot), for the two activation layouts of the Kernel IR:
//
//   NCDHW8c (blocked): n * sampleStride + (c / 8) * voxels * 8 + v * 8 + c % 8
//   NCDHW  (plain):    n * sampleStride + c * voxels + v
//
// A view's slot already points at its first channel; its sample stride is its base's (the base
// holds more channels), which is why the stride is kept apart from the operand's own channels.
// Padding lanes of a blocked buffer (channels >= C in the last block) belong to whoever writes the
// storage's last channel (`ownsPadding`); they always hold zeros.
import GraphIR
import KernelIR
import TensorCore

struct ActivationAddressing: Hashable {
  enum Form: Hashable { case blocked, plain }

  var form: Form
  var batch: Int
  var channels: Int
  /// Spatial extent (D, H, W); rank-3/4 tensors are viewed with leading 1s.
  var extent: Extent3
  var sampleStride: Int
  var ownsPadding: Bool
  var dtype: DType

  var voxels: Int { extent.voxelCount }
  var blocks: Int { form == .blocked ? (channels + 7) / 8 : channels }
  /// Floats between consecutive channel blocks (blocked) or channels (plain).
  var blockStride: Int { form == .blocked ? voxels * 8 : voxels }
  var voxelStride: Int { form == .blocked ? 8 : 1 }

  /// The addressing of `buffer` in `program`, or nil when its layout or rank is not one the JIT
  /// kernels read (blocks other than 8, ranks below 2 or above 5).
  init?(_ buffer: KernelBuffer, in program: KernelProgram) {
    let shape = buffer.type.shape
    guard shape.count >= 2, shape.count <= 5 else { return nil }
    switch buffer.layout {
    case .rowMajor: form = .plain
    case .channelBlocked(8): form = .blocked
    default: return nil
    }
    batch = shape[0]
    channels = shape[1]
    let spatial = Array(shape.dropFirst(2))
    let padded = [Int](repeating: 1, count: 3 - spatial.count) + spatial
    extent = Extent3(padded[0], padded[1], padded[2])
    dtype = buffer.type.dtype
    var storageChannels = channels
    var channelOffset = 0
    if case .view(let baseName, let offset) = buffer.kind, let base = program.buffer(named: baseName) {
      storageChannels = base.type.shape[1]
      channelOffset = offset
    }
    let voxelCount = padded.reduce(1, *)
    let storagePadded = form == .blocked ? (storageChannels + 7) / 8 * 8 : storageChannels
    sampleStride = storagePadded * voxelCount
    ownsPadding = channelOffset + channels == storageChannels
  }

  /// Offset of the first element of channel block (or plain channel) `block` of sample `n`.
  func blockStart(_ b: KernelFunctionBuilder, sample n: IRValue, block: IRValue) -> IRValue {
    b.add(b.multiply(n, sampleStride), b.multiply(block, blockStride))
  }

  /// Offsets of the 8 channels `block * 8 + lane` at voxel `voxel` for a plain operand; nil for
  /// lanes beyond the channel count when `validLanes` says so.
  func plainLaneOffsets(_ b: KernelFunctionBuilder, sample n: IRValue, block: IRValue, voxel: IRValue, validLanes: Int)
    -> [IRValue?]
  {
    let first = b.add(b.add(b.multiply(n, sampleStride), b.multiply(b.multiply(block, 8), voxels)), voxel)
    return (0..<8).map { lane in lane < validLanes ? b.add(first, lane * voxels) : nil }
  }

  /// The 8 channels of channel block `block` at `voxel` as one vector (lanes >= validLanes are 0).
  func loadChannels(_ b: KernelFunctionBuilder, _ slot: IRValue, sample n: IRValue, block: IRValue, voxel: IRValue, validLanes: Int)
    -> IRValue
  {
    switch form {
    case .blocked:
      return b.loadVector(slot, b.add(blockStart(b, sample: n, block: block), b.multiply(voxel, 8)))
    case .plain:
      return b.gather(slot, plainLaneOffsets(b, sample: n, block: block, voxel: voxel, validLanes: validLanes))
    }
  }

  /// Stores the 8 channels of `block` at `voxel` (plain: only the first `validLanes`).
  func storeChannels(_ b: KernelFunctionBuilder, _ value: IRValue, _ slot: IRValue, sample n: IRValue, block: IRValue, voxel: IRValue, validLanes: Int) {
    switch form {
    case .blocked:
      b.storeVector(value, slot, b.add(blockStart(b, sample: n, block: block), b.multiply(voxel, 8)))
    case .plain:
      b.scatter(value, slot, plainLaneOffsets(b, sample: n, block: block, voxel: voxel, validLanes: validLanes))
    }
  }
}
