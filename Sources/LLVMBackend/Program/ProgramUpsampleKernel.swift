// Generator for upsample_nearest (integer factors per spatial axis): out[d, h, w] =
// in[d / sd, h / sh, w / sw], for input and output in the same layout. Each input element of an
// output row is loaded once and stored sw times (a whole <8 x float> channel block per voxel in
// NCDHW8c, one float in NCDHW). Tiles: (sample, channel block or channel, output depth plane).

struct ProgramUpsampleKernel: KernelGenerator {
  let name: String
  let input: (slot: Int, addressing: ActivationAddressing)
  let output: (slot: Int, addressing: ActivationAddressing)
  let scale: Extent3
  let slotElementCounts: [Int]

  var kernelName: String { name }
  var groups: Int { output.addressing.blocks }
  var tileCount: Int { output.addressing.batch * groups * output.addressing.extent.depth }
  var flopCount: Int { 0 }
  var buffers: [KernelBufferDescriptor] {
    slotElementCounts.enumerated().map { KernelBufferDescriptor(name: "slot\($0)", elementCount: $1, access: .readWrite) }
  }

  func emitBody(_ b: KernelFunctionBuilder) throws {
    let source = input.addressing.extent
    let target = output.addressing.extent
    let blocked = output.addressing.form == .blocked
    let width = blocked ? 8 : 1
    let inputSlot = b.bufferArguments[input.slot]
    let outputSlot = b.bufferArguments[output.slot]
    b.forLoop(from: b.tileBegin, to: b.tileEnd) { tile in
      let od = b.remainder(tile, target.depth)
      let rest = b.divide(tile, target.depth)
      let group = b.remainder(rest, groups)
      let sample = b.divide(rest, groups)
      let inputPlane = input.addressing.blockStart(b, sample: sample, block: group)
      let outputPlane = output.addressing.blockStart(b, sample: sample, block: group)
      let id = b.divide(od, scale.depth)
      b.forLoop(count: target.height) { oh in
        let ih = b.divide(oh, scale.height)
        let inputRow = b.add(inputPlane, b.multiply(b.multiply(b.add(b.multiply(id, source.height), ih), source.width), width))
        let outputRow = b.add(outputPlane, b.multiply(b.multiply(b.add(b.multiply(od, target.height), oh), target.width), width))
        b.forLoop(count: source.width) { iw in
          let from = b.add(inputRow, b.multiply(iw, width))
          let value = blocked ? b.loadVector(inputSlot, from) : b.loadFloat(inputSlot, from)
          for copy in 0..<scale.width {
            let to = b.add(outputRow, b.multiply(b.add(b.multiply(iw, scale.width), copy), width))
            if blocked { b.storeVector(value, outputSlot, to) } else { b.storeFloat(value, outputSlot, to) }
          }
        }
      }
    }
  }
}
