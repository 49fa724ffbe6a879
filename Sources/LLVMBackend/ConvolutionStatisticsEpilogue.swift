// Instance-norm statistics computed in a convolution's epilogue, per (thread tile, channel).
// Idea: never E[x^2] - E[x]^2 in fp32 (case C27). Each output row of W values (just stored, still
// in L1) gets its mean and M2 = sum (x - mean)^2 in two fp32 passes with four partial sums each;
// rows are merged into fp64 tile totals with Chan et al.'s pairwise update
//   n = nA + nB, delta = meanB - meanA, mean = meanA + delta * nB / n,
//   M2 = M2A + M2B + delta^2 * nA * nB / n.
// Tile totals go to the scratch array [outputBlock][depthTile][count, mean, M2][8] (fp64), which
// InstanceNormStatistics merges across tiles with the same formula.
import CLLVM

struct TileStatistics {
  let count: IRValue
  let means: [IRValue]
  let squaredDeviations: [IRValue]

  init(_ b: KernelFunctionBuilder, blocks: Int) {
    count = b.variable(b.doubleType, initial: b.doubleConstant(0))
    means = (0..<blocks).map { _ in b.variable(b.doubleVectorType, initial: b.splatDouble(0)) }
    squaredDeviations = (0..<blocks).map { _ in b.variable(b.doubleVectorType, initial: b.splatDouble(0)) }
  }

  /// Folds output row (od, oh) of every block of the tile into the tile totals.
  func accumulateRow(
    _ b: KernelFunctionBuilder, geometry: ConvolutionGeometry, output: IRValue, firstOutputBlock: IRValue,
    od: IRValue, oh: IRValue
  ) {
    let out = geometry.outputExtent
    let width = out.width
    let previousCount = b.read(count, b.doubleType)
    let total = b.fadd(previousCount, b.doubleConstant(Double(width)))
    let weightOfRow = b.splat(b.fdiv(b.doubleConstant(Double(width)), total))
    let weightOfProduct = b.splat(b.fdiv(b.fmul(previousCount, b.doubleConstant(Double(width))), total))
    for j in 0..<means.count {
      let block = b.add(firstOutputBlock, j)
      let rowStart = b.multiply(b.linearIndex([block, od, oh], sizes: [0, out.depth, out.height]), width * 8)
      let sum = TileStatistics.sumOverRow(b, count: width) { w in b.loadVector(output, b.add(rowStart, b.multiply(w, 8))) }
      let rowMean = b.fmul(sum, b.splat(Float(1) / Float(width)))
      let rowSquares = TileStatistics.sumOverRow(b, count: width) { w in
        let deviation = b.fsub(b.loadVector(output, b.add(rowStart, b.multiply(w, 8))), rowMean)
        return b.fmul(deviation, deviation)
      }
      let meanA = b.read(means[j], b.doubleVectorType)
      let delta = b.fsub(b.toDouble(rowMean), meanA)
      b.write(b.fadd(meanA, b.fmul(delta, weightOfRow)), means[j])
      let squaresA = b.read(squaredDeviations[j], b.doubleVectorType)
      let merged = b.fadd(b.fadd(squaresA, b.toDouble(rowSquares)), b.fmul(b.fmul(delta, delta), weightOfProduct))
      b.write(merged, squaredDeviations[j])
    }
    b.write(total, count)
  }

  /// Writes the tile totals to the scratch array.
  func store(_ b: KernelFunctionBuilder, geometry: ConvolutionGeometry, scratch: IRValue, firstOutputBlock: IRValue, depthTile: IRValue) {
    let countVector = b.splat(b.read(count, b.doubleType))
    for j in 0..<means.count {
      let block = b.add(firstOutputBlock, j)
      let base = b.multiply(b.add(b.multiply(block, geometry.depthTiles), depthTile), 24)
      b.storeDoubleVector(countVector, scratch, base)
      b.storeDoubleVector(b.read(means[j], b.doubleVectorType), scratch, b.add(base, 8))
      b.storeDoubleVector(b.read(squaredDeviations[j], b.doubleVectorType), scratch, b.add(base, 16))
    }
  }

  /// Sum of `term(i)` for i in 0..<count as <8 x float>, with four independent partial sums.
  static func sumOverRow(_ b: KernelFunctionBuilder, count: Int, _ term: (IRValue) -> IRValue) -> IRValue {
    let partials = (0..<4).map { _ in b.variable(b.floatVectorType, initial: b.splat(Float(0))) }
    b.forLoop(count: count / 4) { step in
      let base = b.multiply(step, 4)
      for k in 0..<4 { b.write(b.fadd(b.read(partials[k], b.floatVectorType), term(b.add(base, k))), partials[k]) }
    }
    for k in 0..<(count % 4) {
      b.write(b.fadd(b.read(partials[k], b.floatVectorType), term(b.constant(count / 4 * 4 + k))), partials[k])
    }
    let values = partials.map { b.read($0, b.floatVectorType) }
    return b.fadd(b.fadd(values[0], values[1]), b.fadd(values[2], values[3]))
  }
}
