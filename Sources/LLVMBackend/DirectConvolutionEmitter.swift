// The IR emitter behind every direct-convolution kernel (general kd x kh x kw, stride and padding
// per axis). Idea: register blocking as in classic direct convolution on SIMD CPUs. For one output
// row (od, oh) and a register tile of RW consecutive W positions x G output-channel blocks, the
// RW*G accumulators stay in ymm registers while the kernel walks input-channel blocks, kd, kh
// (runtime bounds that clip the padding) and, fully unrolled, kw and the 8 input lanes: G packed
// weight vectors are loaded, each input value is broadcast and FMA'd into G accumulators.
// The W axis is split statically into border blocks (taps that fall into the padding are simply
// not emitted), an interior loop of full blocks, and a tail block, so no masks are needed.
// Tiles are (depth slab, output-channel group), depth-major. The optional epilogue adds the bias
// (as the accumulator's initial value) and computes per-(tile, channel) statistics: per row the
// mean and M2 in two passes over the just-written row (it is in L1), merged into fp64 tile totals
// with Chan's formula; tiles are merged later (InstanceNormStatistics).
import CLLVM

struct DirectConvolutionEmitter {
  let geometry: ConvolutionGeometry

  /// A run of output W positions handled by one instantiation of the micro-kernel.
  enum WidthSegment {
    case single(start: Int, width: Int)
    case loop(firstBlock: Int, blockCount: Int, width: Int)
  }

  private func isTapValid(outputW: Int, kw: Int) -> Bool {
    let inputW = outputW * geometry.stride.width - geometry.padding.width + kw
    return inputW >= 0 && inputW < geometry.inputExtent.width
  }

  func widthSegments() -> [WidthSegment] {
    let width = geometry.outputExtent.width
    let blockWidth = geometry.tiling.registerWidth
    let fullBlocks = width / blockWidth
    func blockIsInterior(_ block: Int) -> Bool {
      (0..<blockWidth).allSatisfy { r in (0..<geometry.kernel.width).allSatisfy { isTapValid(outputW: block * blockWidth + r, kw: $0) } }
    }
    var segments: [WidthSegment] = []
    var block = 0
    while block < fullBlocks && !blockIsInterior(block) {
      segments.append(.single(start: block * blockWidth, width: blockWidth))
      block += 1
    }
    let interiorStart = block
    while block < fullBlocks && blockIsInterior(block) { block += 1 }
    if block > interiorStart {
      if block - interiorStart == 1 {
        segments.append(.single(start: interiorStart * blockWidth, width: blockWidth))
      } else {
        segments.append(.loop(firstBlock: interiorStart, blockCount: block - interiorStart, width: blockWidth))
      }
    }
    while block < fullBlocks {
      segments.append(.single(start: block * blockWidth, width: blockWidth))
      block += 1
    }
    if width % blockWidth != 0 { segments.append(.single(start: fullBlocks * blockWidth, width: width % blockWidth)) }
    return segments
  }

  func emit(_ b: KernelFunctionBuilder) throws {
    let g = geometry
    guard b.bufferArguments.count == g.bufferDescriptors.count else {
      throw BackendError.invalidSpec(kernel: g.kernelLabel, reason: "builder has \(b.bufferArguments.count) buffers, expected \(g.bufferDescriptors.count)")
    }
    // Order as in ConvolutionGeometry.bufferDescriptors: input, weights, [bias], output, [statistics].
    let arguments = b.bufferArguments
    let input = arguments[0]
    let weights = arguments[1]
    let bias = g.hasBias ? arguments[2] : nil
    let output = arguments[g.hasBias ? 3 : 2]
    let statistics = g.computesStatistics ? arguments[arguments.count - 1] : nil
    let buffers = Buffers(input: input, weights: weights, bias: bias, output: output, statistics: statistics)

    b.forLoop(from: b.tileBegin, to: b.tileEnd) { tile in
      let group = b.remainder(tile, g.groupCount)
      let depthTile = b.divide(tile, g.groupCount)
      if g.groupCount > 1 && g.lastGroupBlocks != g.tiling.outputBlocksPerTile {
        b.ifThenElse(
          b.isEqual(group, b.constant(g.groupCount - 1)),
          then: { emitTile(b, buffers, group: group, depthTile: depthTile, blocks: g.lastGroupBlocks) },
          else: { emitTile(b, buffers, group: group, depthTile: depthTile, blocks: g.tiling.outputBlocksPerTile) })
      } else {
        emitTile(b, buffers, group: group, depthTile: depthTile, blocks: g.lastGroupBlocks)
      }
    }
  }

  struct Buffers {
    let input: IRValue
    let weights: IRValue
    let bias: IRValue?
    let output: IRValue
    let statistics: IRValue?
  }

  /// Per-row state passed to the micro-kernel.
  struct RowContext {
    let blocks: Int
    let firstOutputBlock: IRValue
    let weightGroupBase: IRValue
    let outputDepth: IRValue
    let outputRow: IRValue
    let kdRange: (IRValue, IRValue)
    let khRange: (IRValue, IRValue)
    let passInputBlocks: (IRValue, IRValue)
    /// nil when there is one pass (always first); else an i1 "this is the first pass".
    let isFirstPass: IRValue?
  }

  private func emitTile(_ b: KernelFunctionBuilder, _ buffers: Buffers, group: IRValue, depthTile: IRValue, blocks: Int) {
    let g = geometry
    let out = g.outputExtent
    let firstOutputBlock = b.multiply(group, g.tiling.outputBlocksPerTile)
    let weightGroupBase = b.multiply(group, g.inputBlocks * g.kernelVolume * g.lanesPerInputBlock * g.tiling.outputBlocksPerTile * 8)
    let statistics = buffers.statistics.map { _ in TileStatistics(b, blocks: blocks) }

    let depthStart = b.multiply(depthTile, g.tiling.depthPerTile)
    let depthEnd = b.minimum(b.add(depthStart, g.tiling.depthPerTile), b.constant(out.depth))
    b.forLoop(from: depthStart, to: depthEnd) { od in
      let kdRange = clippedTapRange(b, od, stride: g.stride.depth, padding: g.padding.depth, kernel: g.kernel.depth, inputSize: g.inputExtent.depth)
      b.forLoop(count: out.height) { oh in
        let khRange = clippedTapRange(b, oh, stride: g.stride.height, padding: g.padding.height, kernel: g.kernel.height, inputSize: g.inputExtent.height)
        let emitPass = { (passStart: IRValue, passEnd: IRValue, isFirst: IRValue?) in
          let row = RowContext(
            blocks: blocks, firstOutputBlock: firstOutputBlock, weightGroupBase: weightGroupBase, outputDepth: od,
            outputRow: oh, kdRange: kdRange, khRange: khRange, passInputBlocks: (passStart, passEnd), isFirstPass: isFirst)
          for segment in widthSegments() {
            switch segment {
            case .single(let start, let width):
              emitMicroKernel(b, buffers, row, outputW: b.constant(start), staticStart: start, width: width)
            case .loop(let firstBlock, let blockCount, let width):
              b.forLoop(from: b.constant(firstBlock), to: b.constant(firstBlock + blockCount)) { blockIndex in
                emitMicroKernel(b, buffers, row, outputW: b.multiply(blockIndex, width), staticStart: nil, width: width)
              }
            }
          }
        }
        if g.passCount == 1 {
          emitPass(b.constant(0), b.constant(g.inputBlocks), nil)
        } else {
          b.forLoop(count: g.passCount) { pass in
            let start = b.multiply(pass, g.inputBlocksPerPass)
            let end = b.minimum(b.add(start, g.inputBlocksPerPass), b.constant(g.inputBlocks))
            emitPass(start, end, b.isEqual(pass, b.constant(0)))
          }
        }
        statistics?.accumulateRow(b, geometry: g, output: buffers.output, firstOutputBlock: firstOutputBlock, od: od, oh: oh)
      }
    }
    if let statistics, let scratch = buffers.statistics {
      statistics.store(b, geometry: g, scratch: scratch, firstOutputBlock: firstOutputBlock, depthTile: depthTile)
    }
  }

  /// Taps k with 0 <= o*stride - padding + k < inputSize, as [low, high).
  private func clippedTapRange(_ b: KernelFunctionBuilder, _ o: IRValue, stride: Int, padding: Int, kernel: Int, inputSize: Int) -> (IRValue, IRValue) {
    let origin = b.multiply(o, stride)
    let low = b.maximum(b.constant(0), b.subtract(b.constant(padding), origin))
    let high = b.minimum(b.constant(kernel), b.subtract(b.constant(inputSize + padding), origin))
    return (low, high)
  }

  /// One register tile: `width` outputs starting at `outputW` x `row.blocks` channel blocks.
  /// `staticStart` is the start when known at generation time (border blocks: invalid taps skipped).
  private func emitMicroKernel(_ b: KernelFunctionBuilder, _ buffers: Buffers, _ row: RowContext, outputW: IRValue, staticStart: Int?, width: Int) {
    let g = geometry
    let out = g.outputExtent
    let input = g.inputExtent
    let lanes = g.lanesPerInputBlock
    let blocks = row.blocks

    // Output offsets of the register tile, per block j.
    var outputOffsets: [IRValue] = []
    for j in 0..<blocks {
      let block = b.add(row.firstOutputBlock, j)
      let rowStart = b.linearIndex([block, row.outputDepth, row.outputRow], sizes: [0, out.depth, out.height])
      outputOffsets.append(b.multiply(b.add(b.multiply(rowStart, out.width), outputW), 8))
    }
    // Accumulators, initialised to the bias (or zero), or reloaded on later input-channel passes.
    var accumulators: [[IRValue]] = []
    for _ in 0..<width { accumulators.append((0..<blocks).map { _ in b.variable(b.floatVectorType) }) }
    let initialise = {
      for j in 0..<blocks {
        let start: IRValue
        if let bias = buffers.bias {
          start = b.loadVector(bias, b.multiply(b.add(row.firstOutputBlock, j), 8))
        } else {
          start = b.splat(Float(0))
        }
        for r in 0..<width { b.write(start, accumulators[r][j]) }
      }
    }
    if let isFirst = row.isFirstPass {
      b.ifThenElse(isFirst, then: initialise, else: {
        for j in 0..<blocks {
          for r in 0..<width { b.write(b.loadVector(buffers.output, b.add(outputOffsets[j], r * 8)), accumulators[r][j]) }
        }
      })
    } else {
      initialise()
    }

    let inputWOrigin = b.subtract(b.multiply(outputW, g.stride.width), b.constant(g.padding.width))
    let emitInputBlock = { (inputBlock: IRValue, laneCount: Int) in
      b.forLoop(from: row.kdRange.0, to: row.kdRange.1) { kd in
        let id = b.add(b.subtract(b.multiply(row.outputDepth, g.stride.depth), b.constant(g.padding.depth)), kd)
        b.forLoop(from: row.khRange.0, to: row.khRange.1) { kh in
          let ih = b.add(b.subtract(b.multiply(row.outputRow, g.stride.height), b.constant(g.padding.height)), kh)
          let inputRow = b.linearIndex([inputBlock, id, ih], sizes: [0, input.depth, input.height])
          let inputRowStart = b.multiply(b.add(b.multiply(inputRow, input.width), inputWOrigin), lanes)
          let tapIndex = b.linearIndex([inputBlock, kd, kh], sizes: [0, g.kernel.depth, g.kernel.height])
          let weightStart = b.add(row.weightGroupBase, b.multiply(tapIndex, g.kernel.width * lanes * blocks * 8))
          var values = accumulators.map { $0.map { b.read($0, b.floatVectorType) } }
          for kw in 0..<g.kernel.width {
            let tapInput = b.launder(b.floatAddress(buffers.input, b.add(inputRowStart, kw * lanes)))
            for lane in 0..<laneCount {
              let weightVectors = (0..<blocks).map { j in
                b.loadVector(buffers.weights, b.add(weightStart, ((kw * lanes + lane) * blocks + j) * 8))
              }
              for r in 0..<width {
                if let staticStart, !isTapValid(outputW: staticStart + r, kw: kw) { continue }
                let x = b.broadcastLoad(tapInput, b.constant(r * g.stride.width * lanes + lane))
                for j in 0..<blocks { values[r][j] = b.fma(x, weightVectors[j], values[r][j]) }
              }
            }
          }
          for r in 0..<width { for j in 0..<blocks { b.write(values[r][j], accumulators[r][j]) } }
        }
      }
    }
    let fullEnd = b.minimum(row.passInputBlocks.1, b.constant(g.fullInputBlocks))
    b.forLoop(from: row.passInputBlocks.0, to: fullEnd) { inputBlock in emitInputBlock(inputBlock, lanes) }
    if g.inputIsBlocked && g.inputChannels % 8 != 0 {
      b.ifThen(b.isLess(b.constant(g.fullInputBlocks), row.passInputBlocks.1)) {
        emitInputBlock(b.constant(g.fullInputBlocks), g.inputChannels % 8)
      }
    }
    for j in 0..<blocks {
      for r in 0..<width {
        b.storeVector(
          b.read(accumulators[r][j], b.floatVectorType), buffers.output, b.add(outputOffsets[j], r * 8), streaming: g.streamingStores)
      }
    }
  }
}
