// The register-blocked micro-kernel of the program's convolutions (the idea of classic direct
// convolution on SIMD CPUs). For one output row (n, od, oh) and a register tile of RW consecutive
// W positions x G output-channel blocks, RW*G <8 x float> accumulators stay in registers while
// the kernel walks input blocks, kd and kh (runtime bounds that clip the padding) and, unrolled,
// kw and the input lanes: G packed weight vectors are loaded, each input value is broadcast and
// FMA'd into G accumulators. The W axis is split statically into border tiles (taps that fall
// into the padding are not emitted), a loop of interior tiles, and a tail, so no masks are needed.
// Input channels are walked segment by segment (concatenated inputs) and in passes of a few
// blocks (weights of one pass stay in L2); the first pass starts from the bias, later passes
// reload the partial sums, and the last applies residual and LeakyReLU before storing.
import CLLVM

struct ConvolutionMicroKernel {
  let spec: ConvolutionKernelSpec
  let slots: [IRValue]

  /// Where the row goes: the real output, or a staged row [block][w][8] on the stack.
  enum Target {
    case output
    case staged(IRValue)
  }

  struct Row {
    let sample: IRValue
    let outputDepth: IRValue
    let outputRow: IRValue
    let firstBlock: IRValue
    let blocks: Int
    /// The group holding the last output block (its tail lanes are known here).
    let isLastGroup: Bool
  }

  /// Static or runtime truth of "first pass" / "last pass".
  enum Flag {
    case always, never
    case when(IRValue)
  }

  enum WidthSegment {
    case single(start: Int, width: Int)
    case loop(firstBlock: Int, blockCount: Int, width: Int)
  }

  private func isTapValid(outputW: Int, kw: Int) -> Bool {
    let inputW = outputW * spec.stride.width - spec.paddingBefore.width + kw
    return inputW >= 0 && inputW < spec.logicalInput.width
  }

  func widthSegments() -> [WidthSegment] {
    let width = spec.outputExtent.width
    let blockWidth = spec.tiling.registerWidth
    let fullBlocks = width / blockWidth
    func isInterior(_ block: Int) -> Bool {
      (0..<blockWidth).allSatisfy { r in (0..<spec.kernel.width).allSatisfy { isTapValid(outputW: block * blockWidth + r, kw: $0) } }
    }
    var segments: [WidthSegment] = []
    var block = 0
    while block < fullBlocks && !isInterior(block) {
      segments.append(.single(start: block * blockWidth, width: blockWidth))
      block += 1
    }
    let interiorStart = block
    while block < fullBlocks && isInterior(block) { block += 1 }
    if block - interiorStart == 1 {
      segments.append(.single(start: interiorStart * blockWidth, width: blockWidth))
    } else if block > interiorStart {
      segments.append(.loop(firstBlock: interiorStart, blockCount: block - interiorStart, width: blockWidth))
    }
    while block < fullBlocks {
      segments.append(.single(start: block * blockWidth, width: blockWidth))
      block += 1
    }
    if width % blockWidth != 0 { segments.append(.single(start: fullBlocks * blockWidth, width: width % blockWidth)) }
    return segments
  }

  /// Taps k with 0 <= o*stride - padding + k < size, as [low, high).
  private func tapRange(_ b: KernelFunctionBuilder, _ o: IRValue, stride: Int, padding: Int, kernel: Int, size: Int) -> (IRValue, IRValue) {
    let origin = b.multiply(o, stride)
    let low = b.maximum(b.constant(0), b.subtract(b.constant(padding), origin))
    let high = b.minimum(b.constant(kernel), b.subtract(b.constant(size + padding), origin))
    return (low, high)
  }

  /// Every input segment and pass of one output row, for the row's output blocks.
  func emitRow(_ b: KernelFunctionBuilder, _ row: Row, target: Target) {
    let logical = spec.logicalInput
    let kdRange = tapRange(b, row.outputDepth, stride: spec.stride.depth, padding: spec.paddingBefore.depth, kernel: spec.kernel.depth, size: logical.depth)
    let khRange = tapRange(b, row.outputRow, stride: spec.stride.height, padding: spec.paddingBefore.height, kernel: spec.kernel.height, size: logical.height)
    emitPasses(b, row, kdRange: kdRange, khRange: khRange) { pass in
      for segment in widthSegments() {
        switch segment {
        case .single(let start, let width):
          emitTile(b, row, pass, target: target, outputW: b.constant(start), staticStart: start, width: width)
        case .loop(let firstBlock, let blockCount, let width):
          b.forLoop(from: b.constant(firstBlock), to: b.constant(firstBlock + blockCount)) { tile in
            emitTile(b, row, pass, target: target, outputW: b.multiply(tile, width), staticStart: nil, width: width)
          }
        }
      }
    }
  }

  /// One output row with every output group computed at each register-tile position in turn, so
  /// the tile's input voxels are read from L1 by all groups.
  func emitRowGroupsInside(_ b: KernelFunctionBuilder, sample: IRValue, outputDepth: IRValue, outputRow: IRValue) {
    let logical = spec.logicalInput
    let kdRange = tapRange(b, outputDepth, stride: spec.stride.depth, padding: spec.paddingBefore.depth, kernel: spec.kernel.depth, size: logical.depth)
    let khRange = tapRange(b, outputRow, stride: spec.stride.height, padding: spec.paddingBefore.height, kernel: spec.kernel.height, size: logical.height)
    let full = spec.tiling.outputBlocksPerTile
    let emitPosition = { (outputW: IRValue, staticStart: Int?, width: Int) in
      let emitGroup = { (firstBlock: IRValue, blocks: Int, isLastGroup: Bool) in
        let row = Row(
          sample: sample, outputDepth: outputDepth, outputRow: outputRow, firstBlock: firstBlock, blocks: blocks,
          isLastGroup: isLastGroup)
        self.emitPasses(b, row, kdRange: kdRange, khRange: khRange) { pass in
          self.emitTile(b, row, pass, target: .output, outputW: outputW, staticStart: staticStart, width: width)
        }
      }
      if spec.groupCount > 1 {
        b.forLoop(count: spec.groupCount - 1) { group in emitGroup(b.multiply(group, full), full, false) }
      }
      emitGroup(b.constant((spec.groupCount - 1) * full), spec.lastGroupBlocks, true)
    }
    for segment in widthSegments() {
      switch segment {
      case .single(let start, let width):
        emitPosition(b.constant(start), start, width)
      case .loop(let firstBlock, let blockCount, let width):
        b.forLoop(from: b.constant(firstBlock), to: b.constant(firstBlock + blockCount)) { tile in
          emitPosition(b.multiply(tile, width), nil, width)
        }
      }
    }
  }

  /// Calls `body` for every input segment and pass of a row (first/last flags set).
  private func emitPasses(_ b: KernelFunctionBuilder, _ row: Row, kdRange: (IRValue, IRValue), khRange: (IRValue, IRValue), _ body: (Pass) -> Void) {
    let lastSegment = spec.segments.count - 1
    for index in spec.segments.indices {
      let (perPass, passCount) = spec.passes(ofSegment: index)
      let blocks = spec.segments[index].addressing.blocks
      b.forLoop(count: passCount) { pass in
        let runtimeFirst = passCount == 1 ? Flag.always : .when(b.isEqual(pass, b.constant(0)))
        let runtimeLast = passCount == 1 ? Flag.always : .when(b.isEqual(pass, b.constant(passCount - 1)))
        let blockStart = b.multiply(pass, perPass)
        let blockEnd = passCount == 1 ? b.constant(blocks) : b.minimum(b.add(blockStart, perPass), b.constant(blocks))
        body(Pass(
          segment: index, blockRange: (blockStart, blockEnd), kdRange: kdRange, khRange: khRange,
          first: index == 0 ? runtimeFirst : .never, last: index == lastSegment ? runtimeLast : .never))
      }
    }
  }

  struct Pass {
    let segment: Int
    let blockRange: (IRValue, IRValue)
    let kdRange: (IRValue, IRValue)
    let khRange: (IRValue, IRValue)
    let first: Flag
    let last: Flag
  }

  private func branch(_ b: KernelFunctionBuilder, _ flag: Flag, then: () -> Void, else otherwise: () -> Void) {
    switch flag {
    case .always: then()
    case .never: otherwise()
    case .when(let condition): b.ifThenElse(condition, then: then, else: otherwise)
    }
  }

  /// Output lanes that exist in block j of this row's group (all 8 except the very last block).
  private func validLanes(_ row: Row, block j: Int) -> Int {
    guard row.isLastGroup, j == row.blocks - 1 else { return 8 }
    return spec.outputChannels - (spec.outputBlocks - 1) * 8
  }

  private func loadTarget(_ b: KernelFunctionBuilder, _ row: Row, _ target: Target, block j: Int, voxel: IRValue, w: IRValue) -> IRValue {
    let block = b.add(row.firstBlock, j)
    switch target {
    case .staged(let buffer):
      return b.loadVector(buffer, b.multiply(b.add(b.multiply(block, spec.outputExtent.width), w), 8))
    case .output:
      return spec.output.addressing.loadChannels(
        b, slots[spec.output.slot], sample: row.sample, block: block, voxel: voxel, validLanes: validLanes(row, block: j))
    }
  }

  private func storeTarget(_ b: KernelFunctionBuilder, _ value: IRValue, _ row: Row, _ target: Target, block j: Int, voxel: IRValue, w: IRValue) {
    let block = b.add(row.firstBlock, j)
    switch target {
    case .staged(let buffer):
      b.storeVector(value, buffer, b.multiply(b.add(b.multiply(block, spec.outputExtent.width), w), 8))
    case .output:
      spec.output.addressing.storeChannels(
        b, value, slots[spec.output.slot], sample: row.sample, block: block, voxel: voxel, validLanes: validLanes(row, block: j))
    }
  }

  /// One register tile: `width` outputs from `outputW` x `row.blocks` channel blocks.
  private func emitTile(
    _ b: KernelFunctionBuilder, _ row: Row, _ pass: Pass, target: Target, outputW: IRValue, staticStart: Int?, width: Int
  ) {
    let out = spec.outputExtent
    let segment = spec.segments[pass.segment]
    let input = segment.addressing
    let stored = spec.storedInput
    let lanes = spec.weightLanes
    let blocks = row.blocks
    let rowVoxel = b.multiply(b.add(b.multiply(row.outputDepth, out.height), row.outputRow), out.width)
    let positions = (0..<width).map { r in b.add(outputW, r) }
    let voxels = positions.map { b.add(rowVoxel, $0) }

    var accumulators: [[IRValue]] = []
    for _ in 0..<width { accumulators.append((0..<blocks).map { _ in b.variable(b.floatVectorType) }) }
    branch(b, pass.first, then: {
      for j in 0..<blocks {
        let start: IRValue
        if let bias = spec.biasSlot {
          start = b.loadVector(slots[bias], b.multiply(b.add(row.firstBlock, j), 8))
        } else {
          start = b.splat(Float(0))
        }
        for r in 0..<width { b.write(start, accumulators[r][j]) }
      }
    }, else: {
      for j in 0..<blocks {
        for r in 0..<width {
          b.write(loadTarget(b, row, target, block: j, voxel: voxels[r], w: positions[r]), accumulators[r][j])
        }
      }
    })

    let upsampledW = spec.upsample.width > 1
    let originW: IRValue = upsampledW
      ? b.divide(b.multiply(outputW, spec.stride.width), spec.upsample.width)
      : b.subtract(b.multiply(outputW, spec.stride.width), b.constant(spec.paddingBefore.width))
    let taps = spec.kernelVolume
    let weightVectorStride = lanes * 8
    let emitInputBlock = { (inputBlock: IRValue, usedLanes: Int) in
      let weightBlock = b.add(inputBlock, segment.weightBlockStart)
      b.forLoop(from: pass.kdRange.0, to: pass.kdRange.1) { kd in
        let logicalD = b.add(b.subtract(b.multiply(row.outputDepth, spec.stride.depth), b.constant(spec.paddingBefore.depth)), kd)
        let storedD = b.divide(logicalD, spec.upsample.depth)
        b.forLoop(from: pass.khRange.0, to: pass.khRange.1) { kh in
          let logicalH = b.add(b.subtract(b.multiply(row.outputRow, spec.stride.height), b.constant(spec.paddingBefore.height)), kh)
          let storedH = b.divide(logicalH, spec.upsample.height)
          let inputRowVoxel = b.multiply(b.add(b.multiply(storedD, stored.height), storedH), stored.width)
          let rowBase = b.add(
            input.blockStart(b, sample: row.sample, block: inputBlock),
            b.multiply(b.add(inputRowVoxel, originW), input.voxelStride))
          let tapIndex = b.multiply(b.add(b.multiply(kd, spec.kernel.height), kh), spec.kernel.width)
          let weightStarts = (0..<blocks).map { j -> IRValue in
            let outputBlock = b.add(row.firstBlock, j)
            let packedBlock = b.add(b.multiply(outputBlock, spec.totalWeightBlocks), weightBlock)
            return b.multiply(b.add(b.multiply(packedBlock, taps), tapIndex), weightVectorStride)
          }
          // One input lane: G weight vectors per kw, each input value broadcast into G accumulators.
          let emitLane = { (lane: IRValue, laneOffset: Int) in
            var values = accumulators.map { $0.map { b.read($0, b.floatVectorType) } }
            for kw in 0..<spec.kernel.width {
              let tapOffset = upsampledW ? 0 : kw * input.voxelStride
              let tapInput = b.launder(b.floatAddress(slots[segment.slot], b.add(b.add(rowBase, tapOffset), lane)))
              let weightVectors = (0..<blocks).map { j in
                b.loadVector(
                  slots[spec.weightSlot], b.add(b.add(weightStarts[j], b.multiply(lane, 8)), (kw * lanes + laneOffset) * 8))
              }
              for r in 0..<width {
                if let staticStart, !isTapValid(outputW: staticStart + r, kw: kw) { continue }
                let element = upsampledW
                  ? ((r * spec.stride.width + kw) / spec.upsample.width) * input.voxelStride + laneOffset
                  : r * spec.stride.width * input.voxelStride + laneOffset
                let x = b.broadcastLoad(tapInput, b.constant(element))
                for j in 0..<blocks { values[r][j] = b.fma(x, weightVectors[j], values[r][j]) }
              }
            }
            for r in 0..<width { for j in 0..<blocks { b.write(values[r][j], accumulators[r][j]) } }
          }
          if spec.unrolledLanes {
            for lane in 0..<usedLanes { emitLane(b.constant(0), lane) }
          } else {
            b.forLoop(count: usedLanes) { lane in emitLane(lane, 0) }
          }
        }
      }
    }
    // Whole blocks with all lanes, then a last block with only the lanes holding channels.
    let tailLanes = input.form == .blocked ? input.channels % 8 : 0
    let wholeBlocks = input.form == .blocked ? input.channels / 8 : input.channels
    b.forLoop(from: pass.blockRange.0, to: b.minimum(pass.blockRange.1, b.constant(wholeBlocks))) { inputBlock in
      emitInputBlock(inputBlock, lanes)
    }
    if tailLanes != 0 {
      b.ifThen(b.isLess(b.constant(wholeBlocks), pass.blockRange.1)) { emitInputBlock(b.constant(wholeBlocks), tailLanes) }
    }

    branch(b, pass.last, then: {
      var values: [[IRValue]] = []
      for r in 0..<width {
        values.append((0..<blocks).map { j in
          var value = b.read(accumulators[r][j], b.floatVectorType)
          if let residual = spec.residual {
            value = b.fadd(
              value,
              residual.addressing.loadChannels(
                b, slots[residual.slot], sample: row.sample, block: b.add(row.firstBlock, j), voxel: voxels[r],
                validLanes: validLanes(row, block: j)))
          }
          if let slope = spec.slope { value = b.leakyRelu(value, slope: slope) }
          return value
        })
      }
      storeTile(b, values, row, target, voxels: voxels, positions: positions)
    }, else: {
      let values = (0..<width).map { r in (0..<blocks).map { j in b.read(accumulators[r][j], b.floatVectorType) } }
      storeTile(b, values, row, target, voxels: voxels, positions: positions)
    })
  }

  /// Stores a register tile [r][j]. Into an NCDHW output, runs of 8 positions are transposed so
  /// that each channel gets one vector store of 8 consecutive voxels; the rest is scattered.
  private func storeTile(_ b: KernelFunctionBuilder, _ values: [[IRValue]], _ row: Row, _ target: Target, voxels: [IRValue], positions: [IRValue]) {
    let width = values.count
    let transposedRuns: Int
    if case .output = target, spec.output.addressing.form == .plain { transposedRuns = width / 8 } else { transposedRuns = 0 }
    let addressing = spec.output.addressing
    for j in 0..<row.blocks {
      for run in 0..<transposedRuns {
        let columns = LayoutConversionKernel.transpose(b, (0..<8).map { values[run * 8 + $0][j] })
        let channelBase = b.multiply(b.add(row.firstBlock, j), 8)
        for lane in 0..<validLanes(row, block: j) {
          let plane = addressing.blockStart(b, sample: row.sample, block: b.add(channelBase, lane))
          b.storeVector(columns[lane], slots[spec.output.slot], b.add(plane, voxels[run * 8]), alignment: 4)
        }
      }
      for r in (transposedRuns * 8)..<width {
        storeTarget(b, values[r][j], row, target, block: j, voxel: voxels[r], w: positions[r])
      }
    }
  }
}
