// Generator for every convolution kernel of a program (conv3d_first, conv3d_direct, conv3d_1x1):
// direct convolution (no im2col) with register blocking, as in ConvolutionMicroKernel.swift, over
// any number of concatenated inputs in NCDHW8c or NCDHW, writing NCDHW8c or NCDHW, with the
// Kernel IR's epilogue (bias, residual, LeakyReLU) and statistics.
//
// Tiles: (sample, depth slab, output-channel group), group fastest, so consecutive tiles share an
// input slab. With statistics, each Kernel IR part (depth range [p*D/P, (p+1)*D/P)) is cut into
// `slabsPerPart` slabs whose totals StatisticsFinalization merges. A staged kernel (output in place
// over an input) has tiles (sample, slab) and computes each output row for all groups first; a
// 1x1x1 conv has tiles (sample, slab) too and computes all groups at each register-tile position.

struct ConvolutionKernel: KernelGenerator {
  let spec: ConvolutionKernelSpec
  let slotElementCounts: [Int]

  var kernelName: String { spec.name }
  var tileCount: Int { spec.tileCount }
  var flopCount: Int { spec.flopCount }
  var buffers: [KernelBufferDescriptor] {
    slotElementCounts.enumerated().map { index, count in
      KernelBufferDescriptor(name: "slot\(index)", elementCount: count, access: .readWrite)
    }
  }

  func emitBody(_ b: KernelFunctionBuilder) throws {
    let emitter = ConvolutionMicroKernel(spec: spec, slots: b.bufferArguments)
    b.forLoop(from: b.tileBegin, to: b.tileEnd) { tile in
      if spec.staged || spec.groupsInside {
        let slab = b.remainder(tile, spec.slabCount)
        let sample = b.divide(tile, spec.slabCount)
        if spec.staged {
          emitStagedTile(b, emitter, sample: sample, slab: slab)
        } else {
          emitGroupsInsideTile(b, emitter, sample: sample, slab: slab)
        }
        return
      }
      let group = b.remainder(tile, spec.groupCount)
      let rest = b.divide(tile, spec.groupCount)
      let slab = b.remainder(rest, spec.slabCount)
      let sample = b.divide(rest, spec.slabCount)
      let full = spec.tiling.outputBlocksPerTile
      if spec.groupCount > 1 {
        b.ifThenElse(
          b.isEqual(group, b.constant(spec.groupCount - 1)),
          then: { emitTile(b, emitter, sample: sample, slab: slab, group: group, blocks: spec.lastGroupBlocks, isLastGroup: true) },
          else: { emitTile(b, emitter, sample: sample, slab: slab, group: group, blocks: full, isLastGroup: false) })
      } else {
        emitTile(b, emitter, sample: sample, slab: slab, group: group, blocks: spec.lastGroupBlocks, isLastGroup: true)
      }
    }
  }

  /// Output depth range [start, end) of slab `slab`: part p = slab / k, piece slab % k of it.
  private func slabRange(_ b: KernelFunctionBuilder, _ slab: IRValue) -> (IRValue, IRValue) {
    let depth = spec.outputExtent.depth
    let part = b.divide(slab, spec.slabsPerPart)
    let piece = b.remainder(slab, spec.slabsPerPart)
    let partStart = b.divide(b.multiply(part, depth), spec.parts)
    let partEnd = b.divide(b.multiply(b.add(part, 1), depth), spec.parts)
    let length = b.subtract(partEnd, partStart)
    let start = b.add(partStart, b.divide(b.multiply(piece, length), spec.slabsPerPart))
    let end = b.add(partStart, b.divide(b.multiply(b.add(piece, 1), length), spec.slabsPerPart))
    return (start, end)
  }

  private func emitTile(
    _ b: KernelFunctionBuilder, _ emitter: ConvolutionMicroKernel, sample: IRValue, slab: IRValue, group: IRValue,
    blocks: Int, isLastGroup: Bool
  ) {
    let out = spec.outputExtent
    let firstBlock = b.multiply(group, spec.tiling.outputBlocksPerTile)
    let statistics = spec.statisticsSlot.map { _ in ConvolutionRowStatistics(b, blocks: blocks) }
    let (start, end) = slabRange(b, slab)
    let target = ConvolutionMicroKernel.Target.output
    b.forLoop(from: start, to: end) { od in
      b.forLoop(count: out.height) { oh in
        let row = ConvolutionMicroKernel.Row(
          sample: sample, outputDepth: od, outputRow: oh, firstBlock: firstBlock, blocks: blocks, isLastGroup: isLastGroup)
        emitter.emitRow(b, row, target: target)
        if let statistics {
          let addressing = spec.output.addressing
          statistics.accumulateRow(b, output: b.bufferArguments[spec.output.slot], width: out.width) { j in
            let block = b.add(firstBlock, j)
            let voxel = b.multiply(b.add(b.multiply(od, out.height), oh), out.width)
            return b.add(addressing.blockStart(b, sample: sample, block: block), b.multiply(voxel, 8))
          }
        }
      }
    }
    if let statistics, let slot = spec.statisticsSlot {
      let scratch = b.bufferArguments[slot]
      statistics.store(b, scratch: scratch) { j in
        let entry = b.add(b.multiply(b.add(b.multiply(sample, spec.slabCount), slab), spec.outputBlocks), b.add(firstBlock, j))
        return b.multiply(entry, 24)
      }
    }
  }

  /// Rows whose register-tile positions each compute every output group (1x1x1 convs).
  private func emitGroupsInsideTile(_ b: KernelFunctionBuilder, _ emitter: ConvolutionMicroKernel, sample: IRValue, slab: IRValue) {
    let out = spec.outputExtent
    let statistics = spec.statisticsSlot.map { _ in ConvolutionRowStatistics(b, blocks: spec.outputBlocks) }
    let (start, end) = slabRange(b, slab)
    b.forLoop(from: start, to: end) { od in
      b.forLoop(count: out.height) { oh in
        emitter.emitRowGroupsInside(b, sample: sample, outputDepth: od, outputRow: oh)
        if let statistics {
          let addressing = spec.output.addressing
          statistics.accumulateRow(b, output: b.bufferArguments[spec.output.slot], width: out.width) { j in
            let voxel = b.multiply(b.add(b.multiply(od, out.height), oh), out.width)
            return b.add(addressing.blockStart(b, sample: sample, block: b.constant(j)), b.multiply(voxel, 8))
          }
        }
      }
    }
    if let statistics, let slot = spec.statisticsSlot {
      statistics.store(b, scratch: b.bufferArguments[slot]) { j in
        let entry = b.add(b.multiply(b.add(b.multiply(sample, spec.slabCount), slab), spec.outputBlocks), j)
        return b.multiply(entry, 24)
      }
    }
  }

  /// All output blocks of each row go to a stack row first, then to the output (in-place safe).
  private func emitStagedTile(_ b: KernelFunctionBuilder, _ emitter: ConvolutionMicroKernel, sample: IRValue, slab: IRValue) {
    let out = spec.outputExtent
    let rowBuffer = b.stackFloats(spec.stagedRowCount)
    let (start, end) = slabRange(b, slab)
    let full = spec.tiling.outputBlocksPerTile
    b.forLoop(from: start, to: end) { od in
      b.forLoop(count: out.height) { oh in
        let target = ConvolutionMicroKernel.Target.staged(rowBuffer)
        if spec.groupCount > 1 {
          b.forLoop(count: spec.groupCount - 1) { group in
            let row = ConvolutionMicroKernel.Row(
              sample: sample, outputDepth: od, outputRow: oh, firstBlock: b.multiply(group, full), blocks: full,
              isLastGroup: false)
            emitter.emitRow(b, row, target: target)
          }
        }
        let lastRow = ConvolutionMicroKernel.Row(
          sample: sample, outputDepth: od, outputRow: oh, firstBlock: b.constant((spec.groupCount - 1) * full),
          blocks: spec.lastGroupBlocks, isLastGroup: true)
        emitter.emitRow(b, lastRow, target: target)
        let rowVoxel = b.multiply(b.add(b.multiply(od, out.height), oh), out.width)
        let copyBlock = { (block: IRValue, validLanes: Int) in
          b.forLoop(count: out.width) { w in
            let value = b.loadVector(rowBuffer, b.multiply(b.add(b.multiply(block, out.width), w), 8))
            spec.output.addressing.storeChannels(
              b, value, b.bufferArguments[spec.output.slot], sample: sample, block: block, voxel: b.add(rowVoxel, w),
              validLanes: validLanes)
          }
        }
        let blocks = spec.outputBlocks
        if blocks > 1 { b.forLoop(count: blocks - 1) { block in copyBlock(block, 8) } }
        copyBlock(b.constant(blocks - 1), spec.outputChannels - (blocks - 1) * 8)
      }
    }
  }
}
