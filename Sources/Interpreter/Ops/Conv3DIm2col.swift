// The general convolution as im2col + GEMM, with bounded memory. The output voxels of each sample
// are cut into chunks of whole output rows (od, oh). A chunk's panel holds, for every reduction
// index r = ((ic * kd + z) * kh + y) * kw + x, the input values that weight column r meets at the
// chunk's output voxels (zero where the window lies in the padding). Then
//   out[oc, chunk] = W[oc, r] x panel[r, chunk]   (W is the weight tensor itself, [OC, IC*kd*kh*kw])
// is one GEMM. Threading: chunks are handed to all cores, each worker fills its own panel (about
// `panelBudgetBytes`, so it stays in cache for the GEMM's packing) and calls a single-threaded
// OpenBLAS GEMM. OpenBLAS's own threads are therefore set to 1 (openblas_set_num_threads) before
// every such convolution: its spinning worker threads would otherwise compete with ours.

import COpenBLAS
import TensorCore

enum Im2colConvolution {
  /// Target size of one im2col panel; at least one output row is always taken.
  static let panelBudgetBytes = 2 << 20

  /// How the output rows are cut into chunks.
  struct Chunking {
    let rowsPerChunk: Int
    let chunksPerSample: Int
    let totalRows: Int

    init(_ g: ConvolutionGeometry, elementSize: Int) {
      totalRows = g.output.d * g.output.h
      let rowBytes = max(g.reductionLength * g.output.w * elementSize, 1)
      let budgetRows = max(1, panelBudgetBytes / rowBytes)
      // At least two chunks per worker over the whole batch when there are enough rows.
      let wantedPerSample = (2 * ParallelFor.workerCount + g.batch - 1) / g.batch
      let balancedRows = max(1, totalRows / max(wantedPerSample, 1))
      rowsPerChunk = min(budgetRows, balancedRows, totalRows)
      chunksPerSample = (totalRows + rowsPerChunk - 1) / rowsPerChunk
    }

    func rows(ofChunk chunk: Int) -> Range<Int> {
      let first = chunk * rowsPerChunk
      return first..<min(first + rowsPerChunk, totalRows)
    }
  }

  /// fp32: cblas_sgemm accumulating onto the bias written into the output first.
  static func runFloat32(
    _ g: ConvolutionGeometry, input: UnsafeBufferPointer<Float>, weights: UnsafeBufferPointer<Float>,
    bias: UnsafeBufferPointer<Float>?, output: UnsafeMutableBufferPointer<Float>
  ) {
    guard let x = input.baseAddress, let w = weights.baseAddress, let out = output.baseAddress else { return }
    let chunking = Chunking(g, elementSize: MemoryLayout<Float>.stride)
    let panelCapacity = g.reductionLength * chunking.rowsPerChunk * g.output.w
    let workers = ParallelFor.workerCount
    let panels = UnsafeMutablePointer<Float>.allocate(capacity: panelCapacity * workers)
    defer { panels.deallocate() }
    let outputVoxels = g.outputVoxels
    openblas_set_num_threads(1)
    ParallelFor.dynamic(g.batch * chunking.chunksPerSample) { worker, item in
      let n = item / chunking.chunksPerSample
      let rows = chunking.rows(ofChunk: item % chunking.chunksPerSample)
      let columns = rows.count * g.output.w
      let panel = panels + worker * panelCapacity
      fillPanel(g, sample: x + n * g.inputChannels * g.inputVoxels, rows: rows, panel: panel)
      let chunkOutput = out + n * g.outputChannels * outputVoxels + rows.lowerBound * g.output.w
      for oc in 0..<g.outputChannels {
        (chunkOutput + oc * outputVoxels).update(repeating: bias?[oc] ?? 0, count: columns)
      }
      cblas_sgemm(
        CblasRowMajor, CblasNoTrans, CblasNoTrans,
        Int32(g.outputChannels), Int32(columns), Int32(g.reductionLength),
        1, w, Int32(g.reductionLength), panel, Int32(columns),
        1, chunkOutput, Int32(outputVoxels))
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
    let chunking = Chunking(g, elementSize: MemoryLayout<Double>.stride)
    let maxColumns = chunking.rowsPerChunk * g.output.w
    let panelCapacity = g.reductionLength * maxColumns
    let productCapacity = g.outputChannels * maxColumns
    let workers = ParallelFor.workerCount
    let panels = UnsafeMutablePointer<Double>.allocate(capacity: panelCapacity * workers)
    let products = UnsafeMutablePointer<Double>.allocate(capacity: productCapacity * workers)
    defer {
      panels.deallocate()
      products.deallocate()
    }
    let outputVoxels = g.outputVoxels
    openblas_set_num_threads(1)
    weights64.withUnsafeBufferPointer { w64 in
      guard let w = w64.baseAddress else { return }
      ParallelFor.dynamic(g.batch * chunking.chunksPerSample) { worker, item in
        let n = item / chunking.chunksPerSample
        let rows = chunking.rows(ofChunk: item % chunking.chunksPerSample)
        let columns = rows.count * g.output.w
        let panel = panels + worker * panelCapacity
        let product = products + worker * productCapacity
        fillPanel(g, sample: x + n * g.inputChannels * g.inputVoxels, rows: rows, panel: panel)
        cblas_dgemm(
          CblasRowMajor, CblasNoTrans, CblasNoTrans,
          Int32(g.outputChannels), Int32(columns), Int32(g.reductionLength),
          1, w, Int32(g.reductionLength), panel, Int32(columns),
          0, product, Int32(columns))
        let chunkOutput = out + n * g.outputChannels * outputVoxels + rows.lowerBound * g.output.w
        for oc in 0..<g.outputChannels {
          let biasValue = Double(bias?[oc] ?? 0)
          let source = product + oc * columns
          let destination = chunkOutput + oc * outputVoxels
          for i in 0..<columns { destination[i] = Float(source[i] + biasValue) }
        }
      }
    }
  }

  /// Fills panel[r][column] for the output rows `rows` (column = (row - rows.lowerBound) * OW + ow).
  static func fillPanel<Element: BinaryFloatingPoint>(
    _ g: ConvolutionGeometry, sample: UnsafePointer<Float>, rows: Range<Int>, panel: UnsafeMutablePointer<Element>
  ) {
    let columns = rows.count * g.output.w
    for r in 0..<g.reductionLength {
      fillPanelRow(g, sample: sample, reductionIndex: r, rows: rows, destination: panel + r * columns)
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
    let step = g.stride.w
    // Input column of output column `ow` is ow * step + columnOffset.
    let columnOffset = kx - g.padBefore.w
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
        let inputRow = channel + (iz * g.input.h + iy) * g.input.w
        if step == 1 {
          let source = inputRow + columnOffset
          if Element.self == Float.self {
            UnsafeMutableRawPointer(target + validX.lowerBound).copyMemory(
              from: source + validX.lowerBound, byteCount: validX.count * MemoryLayout<Float>.stride)
          } else {
            for ow in validX { target[ow] = Element(source[ow]) }
          }
        } else {
          for ow in validX { target[ow] = Element(inputRow[ow * step + columnOffset]) }
        }
        (target + validX.upperBound).update(repeating: 0, count: width - validX.upperBound)
      }
      target += width
    }
  }
}
