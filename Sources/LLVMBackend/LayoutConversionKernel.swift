// Generator for layout conversion at the graph boundary: NCDHW (N = 1) <-> NCDHW8c (see
// BlockedLayout.swift). Idea: per (channel block, d, h) row, groups of 8 W positions x 8 channels
// are moved as an 8x8 transpose of <8 x float> registers (unpack, 64-bit shuffle, 128-bit lane
// permute), the W tail element by element. To blocked: channels beyond C are written as zeros.
// From blocked: only the C real channels are written.
//
// Buffers: source, destination. Tiles: CB channel blocks x D depth planes.

public struct LayoutConversionSpec: Hashable, Sendable {
  public enum Direction: String, Hashable, Sendable { case toBlocked, fromBlocked }

  public var name: String
  public var channels: Int
  public var extent: Extent3
  public var direction: Direction

  public init(name: String, channels: Int, extent: Extent3, direction: Direction) {
    self.name = name
    self.channels = channels
    self.extent = extent
    self.direction = direction
  }
}

public struct LayoutConversionKernel: KernelGenerator {
  public let spec: LayoutConversionSpec

  public init(_ spec: LayoutConversionSpec) throws {
    guard spec.channels > 0, spec.channels < 1 << 24, spec.extent.allPositive,
      spec.extent.checkedVoxelCount(times: BlockedLayout.channelBlocks(spec.channels) * 32) != nil
    else {
      throw BackendError.invalidSpec(kernel: "layout '\(spec.name)'", reason: "channels and extent must be positive and fit in memory")
    }
    self.spec = spec
  }

  var channelBlocks: Int { BlockedLayout.channelBlocks(spec.channels) }
  var plainCount: Int { spec.channels * spec.extent.voxelCount }
  var blockedCount: Int { BlockedLayout.elementCount(channels: spec.channels, extent: spec.extent) }

  public var kernelName: String { spec.name }
  public var tileCount: Int { channelBlocks * spec.extent.depth }
  public var flopCount: Int { 0 }
  public var buffers: [KernelBufferDescriptor] {
    let toBlocked = spec.direction == .toBlocked
    return [
      KernelBufferDescriptor(name: "source", elementCount: toBlocked ? plainCount : blockedCount, access: .read),
      KernelBufferDescriptor(name: "destination", elementCount: toBlocked ? blockedCount : plainCount, access: .write),
    ]
  }

  /// Transposes 8 rows of 8 floats: result[j][i] = rows[i][j].
  static func transpose(_ b: KernelFunctionBuilder, _ rows: [IRValue]) -> [IRValue] {
    var t: [IRValue] = []
    for pair in stride(from: 0, to: 8, by: 2) {
      t.append(b.shuffle(rows[pair], rows[pair + 1], [0, 8, 1, 9, 4, 12, 5, 13]))
      t.append(b.shuffle(rows[pair], rows[pair + 1], [2, 10, 3, 11, 6, 14, 7, 15]))
    }
    // t = [lo01, hi01, lo23, hi23, lo45, hi45, lo67, hi67]
    let low: [Int] = [0, 1, 8, 9, 4, 5, 12, 13]
    let high: [Int] = [2, 3, 10, 11, 6, 7, 14, 15]
    let u = [
      b.shuffle(t[0], t[2], low), b.shuffle(t[0], t[2], high), b.shuffle(t[1], t[3], low), b.shuffle(t[1], t[3], high),
      b.shuffle(t[4], t[6], low), b.shuffle(t[4], t[6], high), b.shuffle(t[5], t[7], low), b.shuffle(t[5], t[7], high),
    ]
    var columns = [IRValue](repeating: u[0], count: 8)
    for k in 0..<4 {
      columns[k] = b.shuffle(u[k], u[k + 4], [0, 1, 2, 3, 8, 9, 10, 11])
      columns[k + 4] = b.shuffle(u[k], u[k + 4], [4, 5, 6, 7, 12, 13, 14, 15])
    }
    return columns
  }

  public func emitBody(_ b: KernelFunctionBuilder) throws {
    let source = b.bufferArguments[0]
    let destination = b.bufferArguments[1]
    let extent = spec.extent
    let voxels = extent.voxelCount
    let width = extent.width
    let toBlocked = spec.direction == .toBlocked
    b.forLoop(from: b.tileBegin, to: b.tileEnd) { tile in
      let block = b.divide(tile, extent.depth)
      let depth = b.remainder(tile, extent.depth)
      let emitForLanes = { (lanes: Int) in
        b.forLoop(count: extent.height) { h in
          let voxelRow = b.multiply(b.add(b.multiply(depth, extent.height), h), width)
          // Plain offset of (channel block*8 + lane, voxelRow + w); blocked offset of (block, voxelRow + w).
          let plainRow = { (lane: Int) in b.add(b.multiply(b.add(b.multiply(block, 8), lane), voxels), voxelRow) }
          let blockedRow = b.multiply(b.add(b.multiply(block, voxels), voxelRow), 8)
          b.forLoop(count: width / 8) { group in
            let w = b.multiply(group, 8)
            if toBlocked {
              let rows = (0..<8).map { lane in lane < lanes ? b.loadVector(source, b.add(plainRow(lane), w), alignment: 4) : b.splat(Float(0)) }
              for (k, column) in LayoutConversionKernel.transpose(b, rows).enumerated() {
                b.storeVector(column, destination, b.add(blockedRow, b.add(b.multiply(w, 8), k * 8)))
              }
            } else {
              let rows = (0..<8).map { k in b.loadVector(source, b.add(blockedRow, b.add(b.multiply(w, 8), k * 8))) }
              for (lane, column) in LayoutConversionKernel.transpose(b, rows).enumerated() where lane < lanes {
                b.storeVector(column, destination, b.add(plainRow(lane), w), alignment: 4)
              }
            }
          }
          for w in (width / 8 * 8)..<width {
            for lane in 0..<8 {
              let blockedOffset = b.add(blockedRow, w * 8 + lane)
              if toBlocked {
                let value = lane < lanes ? b.loadFloat(source, b.add(plainRow(lane), w)) : b.floatConstant(0)
                b.storeFloat(value, destination, blockedOffset)
              } else if lane < lanes {
                b.storeFloat(b.loadFloat(source, blockedOffset), destination, b.add(plainRow(lane), w))
              }
            }
          }
        }
      }
      let tailLanes = spec.channels % 8
      if tailLanes != 0 {
        b.ifThenElse(b.isEqual(block, b.constant(channelBlocks - 1)), then: { emitForLanes(tailLanes) }, else: { emitForLanes(8) })
      } else {
        emitForLanes(8)
      }
    }
  }
}
