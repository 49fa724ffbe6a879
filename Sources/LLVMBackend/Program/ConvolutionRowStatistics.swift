// Instance-norm statistics of a convolution's output, gathered in the epilogue while each output
// row is still in L1 (DESIGN.md §3.5; never fp32 E[x^2] - E[x]^2, case C27). Per row of W values
// and channel lane: mean and M2 = sum (x - mean)^2 in two fp32 passes with four partial sums;
// rows merge into fp64 tile totals with Chan et al.'s pairwise update
//   n = nA + nB, delta = meanB - meanA, mean = meanA + delta * nB / n, M2 = M2A + M2B + delta^2 nA nB / n.
// A tile's totals go to a scratch array [sample][slab][output block][count, mean, M2][8] (fp64),
// which `StatisticsFinalization` merges into the Kernel IR's per-part partials.

struct ConvolutionRowStatistics {
  let count: IRValue
  let means: [IRValue]
  let squaredDeviations: [IRValue]

  init(_ b: KernelFunctionBuilder, blocks: Int) {
    count = b.variable(b.doubleType, initial: b.doubleConstant(0))
    means = (0..<blocks).map { _ in b.variable(b.doubleVectorType, initial: b.splatDouble(0)) }
    squaredDeviations = (0..<blocks).map { _ in b.variable(b.doubleVectorType, initial: b.splatDouble(0)) }
  }

  /// Folds one output row of `width` voxels into the totals; `rowStart(j)` is the offset of the
  /// row of block j in `output` (blocked layout: the row's vectors are consecutive).
  func accumulateRow(_ b: KernelFunctionBuilder, output: IRValue, width: Int, rowStart: (Int) -> IRValue) {
    let previousCount = b.read(count, b.doubleType)
    let total = b.fadd(previousCount, b.doubleConstant(Double(width)))
    let weightOfRow = b.splat(b.fdiv(b.doubleConstant(Double(width)), total))
    let weightOfProduct = b.splat(b.fdiv(b.fmul(previousCount, b.doubleConstant(Double(width))), total))
    for j in 0..<means.count {
      let start = rowStart(j)
      let sum = ConvolutionRowStatistics.sumOverRow(b, count: width) { w in b.loadVector(output, b.add(start, b.multiply(w, 8))) }
      let rowMean = b.fmul(sum, b.splat(Float(1) / Float(width)))
      let rowSquares = ConvolutionRowStatistics.sumOverRow(b, count: width) { w in
        let deviation = b.fsub(b.loadVector(output, b.add(start, b.multiply(w, 8))), rowMean)
        return b.fmul(deviation, deviation)
      }
      let meanA = b.read(means[j], b.doubleVectorType)
      let delta = b.fsub(b.toDouble(rowMean), meanA)
      b.write(b.fadd(meanA, b.fmul(delta, weightOfRow)), means[j])
      let squaresA = b.read(squaredDeviations[j], b.doubleVectorType)
      b.write(b.fadd(b.fadd(squaresA, b.toDouble(rowSquares)), b.fmul(b.fmul(delta, delta), weightOfProduct)), squaredDeviations[j])
    }
    b.write(total, count)
  }

  /// Writes the totals of block j to `scratch` at `base(j)` (24 doubles: count, mean, M2 lanes).
  func store(_ b: KernelFunctionBuilder, scratch: IRValue, base: (Int) -> IRValue) {
    let countVector = b.splat(b.read(count, b.doubleType))
    for j in 0..<means.count {
      let start = base(j)
      b.storeDoubleVector(countVector, scratch, start)
      b.storeDoubleVector(b.read(means[j], b.doubleVectorType), scratch, b.add(start, 8))
      b.storeDoubleVector(b.read(squaredDeviations[j], b.doubleVectorType), scratch, b.add(start, 16))
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
