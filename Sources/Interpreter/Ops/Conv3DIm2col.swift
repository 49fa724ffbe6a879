// The general convolution as im2col + GEMM, with bounded memory. For each sample the output
// voxels are processed in chunks of whole output rows (od, oh); a chunk's panel holds, for every
// reduction index r = ((ic * kd + z) * kh + y) * kw + x, the input value each output voxel of the
// chunk multiplies with weight column r (zero where the window falls into the padding). Then
//   out[oc, chunk] = W[oc, r] x panel[r, chunk]   (W is the weight tensor itself, [OC, IC*kd*kh*kw])
// is one OpenBLAS GEMM. The panel is filled by all cores, then the GEMM runs on OpenBLAS's own
// threads, so the two phases never compete for cores. Panels stay around `panelBudgetBytes`.

import COpenBLAS
import TensorCore

enum Im2colConvolution {
  /// Target size of one im2col panel; at least one output row is always taken.
  static let panelBudgetBytes = 8 << 20

  /// Output rows (od, oh pairs) per chunk for this geometry and element size.
  static func rowsPerChunk(_ g: ConvolutionGeometry, elementSize: Int) -> Int {
    let rowBytes = g.reductionLength * g.output.w * elementSize
    return max(1, min(g.output.d * g.output.h, panelBudgetBytes / max(rowBytes, 1)))
  }

  /// fp32: cblas_sgemm accumulating onto the bias written into the output first.
  static func runFloat32(
    _ g: ConvolutionGeometry, input: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>,
    bias: UnsafeBufferPointer<Float>?, output: UnsafeMutableBufferPointer<Float>
  ) {
    guard let x = input.baseAddress, let w = weights.baseAddress, let out = output.baseAddress else { return }
    let rowsPerChunk = rowsPerChunk(g, elementSize: MemoryLayout<Float>.stride)
    let panel = UnsafeMutablePointer<Float>.allocate(capacity: g.reductionLength * rowsPerChunk * g.output.w)
    defer { panel.deallocate() }
    let totalRows = g.output.d * g.output.h
    let outputVoxels = g.outputVoxels
    for n in 0..<g.batch {
      let sample = x + n * g.inputChannels * g.inputVoxels
      let sampleOutput = out + n * g.outputChannels * outputVoxels
      var row = 0
      while row < totalRows {
        let rows = row..<min(row + rowsPerChunk, totalRows)
        let columns = rows.count * g.output.w
        fillPanel(g, sample: sample, rows: rows, panel: panel)
        let chunkOutput = sampleOutput + rows.lowerBound * g.output.w
        for oc in 0..<g.outputChannels {
          (chunkOutput + oc * outputVoxels).update(repeating: bias?[oc] ?? 0, count: columns)
        }
        cblas_sgemm(
          CblasRowMajor, CblasNoTrans, CblasNoTrans,
          Int32(g.outputChannels), Int32(columns), Int32(g.reductionLength),
          1, w, Int32(g.reductionLength), panel, Int32(columns),
          1, chunkOutput, Int32(outputVoxels))
        row = rows.upperBound
      }
    }
  }

  /// fp64: the weights and panels are converted to Double, cblas_dgemm multiplies them, and
  /// each output value (with its bias) is rounded to fp32 once.
  static func runFloat64(
    _ g: ConvolutionGeometry, input: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>,
    bias: UnsafeBufferPointer<Float>?, output: UnsafeMutableBufferPointer<Float>
  ) {
    guard let x = input.baseAddress, let out = output.baseAddress else { return }
    let weights64 = weights.map(Double.init)
    let rowsPerChunk = rowsPerChunk(g, elementSize: MemoryLayout<Double>.stride)
    let maxColumns = rowsPerChunk * g.output.w
    let panel = UnsafeMutablePointer<Double>.allocate(capacity: g.reductionLength * maxColumns)
    let product = UnsafeMutablePointer<Double>.allocate(capacity: g.outputChannels * maxColumns)
    defer {
      panel.deallocate()
      product.deallocate()
    }
    let totalRows = g.output.d * g.output.h
    let outputVoxels = g.outputVoxels
    weights64.withUnsafeBufferPointer { w64 in
      guard let w = w64.baseAddress else { return }
      for n in 0..<g.batch {
        let sample = x + n * g.inputChannels * g.inputVoxels
        let sampleOutput = out + n * g.outputChannels * outputVoxels
        var row = 0
        while row < totalRows {
          let rows = row..<min(row + rowsPerChunk, totalRows)
          let columns = rows.count * g.output.w
          fillPanel(g, sample: sample, rows: rows, panel: panel)
          cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans,
            Int32(g.outputChannels), Int32(columns), Int32(g.reductionLength),
            1, w, Int32(g.reductionLength), panel, Int32(columns),
            0, product, Int32(columns))
          let chunkOutput = sampleOutput + rows.lowerBound * g.output.w
          ParallelFor.run(g.outputChannels) { channels in
            for oc in channels {
              let biasValue = Double(bias?[oc] ?? 0)
              let source = product + oc * columns
              let destination = chunkOutput + oc * outputVoxels
              for i in 0..<columns { destination[i] = Float(source[i] + biasValue) }
            }
          }
          row = rows.upperBound
        }
      }
    }
  }

  /// Fills panel[r][column] for the output rows `rows` (column = (row - rows.lowerBound) * OW + ow),
  /// in parallel over reduction indices (and over rows when there are few reduction indices).
  static func fillPanel<Element: BinaryFloatingPoint>(
    _ g: ConvolutionGeometry, sample: UnsafePointer<Float>, rows: Range<Int>, panel: UnsafeMutablePointer<Element>
  ) {
    let columns = rows.count * g.output.w
    let reduction = g.reductionLength
    let rowSplits = max(1, min(rows.count, (ParallelFor.workerCount * 8 + reduction - 1) / reduction))
    ParallelFor.run(reduction * rowSplits) { items in
      for item in items {
        let r = item / rowSplits
        let split = item % rowSplits
        let first = rows.lowerBound + rows.count * split / rowSplits
        let last = rows.lowerBound + rows.count * (split + 1) / rowSplits
        let destination = panel + r * columns + (first - rows.lowerBound) * g.output.w
        fillPanelRow(g, sample: sample, reductionIndex: r, rows: first..<last, destination: destination)
      }
    }
  }

  /// One panel row: the input values that weight column `reductionIndex` meets, for `rows`.
  private static func fillPanelRow<Element: BinaryFloatingPoint>(
    _ g: ConvolutionGeometry, sample: UnsafePointer<Float>, reductionIndex r: Int, rows: Range<Int>,
    destination: UnsafeMutablePointer<Element>
  ) {
    let kx = r % g.kernel.w
    let ky = (r / g.kernel.w) % g.kernel.h
    let kz = (r / (g.kernel.w * g.kernel.h)) % g.kernel.d
    let ic = r / g.kernelVolume
    let width = g.output.w
    let validX = ConvolutionGeometry.validOutputRange(
      kernelOffset: kx, stride: g.stride.w, padBefore: g.padBefore.w, inputSize: g.input.w, outputSize: width)
    let channel = sample + ic * g.inputVoxels
    var target = destination
    for row in rows {
      let od = row / g.output.h
      let oh = row % g.output.h
      let iz = od * g.stride.d - g.padBefore.d + kz
      let iy = oh * g.stride.h - g.padBefore.h + ky
      if iz < 0 || iz >= g.input.d || iy < 0 || iy >= g.input.h || validX.isEmpty {
        target.update(repeating: 0, count: width)
      } else {
        target.update(repeating: 0, count: validX.lowerBound)
        let source = channel + (iz * g.input.h + iy) * g.input.w - g.padBefore.w + kx
        let step = g.stride.w
        for ow in validX {
          target[ow] = Element(source[ow * step])
        }
        (target + validX.upperBound).update(repeating: 0, count: width - validX.upperBound)
      }
      target += width
    }
  }
}
