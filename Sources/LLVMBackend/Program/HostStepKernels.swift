// The program's host steps (HostSteps.swift) as generated kernels, for code that has no Swift
// host to run them on: an ahead-of-time model runs every step of the schedule as machine code.
// They compute exactly what the Swift steps compute, operation for operation in fp64 (Chan et
// al.'s merge with the same expression order, IEEE division and square root, the same roundings
// to f32), so both give the same bits. One tile per sample; channels and parts are loops with
// constant bounds inside it.

/// StatisticsFinalization: fp64 slab totals -> f32 partials [N, C, P, 3].
struct StatisticsMergeKernel: KernelGenerator {
  let name: String
  let step: StatisticsFinalization
  /// Slots: 0 the fp64 scratch, 1 the f32 partials.
  var kernelName: String { name }
  var tileCount: Int { step.batch }
  var flopCount: Int { step.batch * step.channels * step.parts * step.slabsPerPart * 10 }
  var blocks: Int { (step.channels + 7) / 8 }
  var scratchDoubles: Int { step.batch * step.parts * step.slabsPerPart * blocks * 24 }
  var buffers: [KernelBufferDescriptor] {
    [
      KernelBufferDescriptor(name: "scratch", elementType: .float64, elementCount: scratchDoubles, access: .read),
      KernelBufferDescriptor(name: "statistics", elementCount: step.batch * step.channels * step.parts * 3, access: .write),
    ]
  }

  func emitBody(_ b: KernelFunctionBuilder) throws {
    let source = b.bufferArguments[0]
    let target = b.bufferArguments[1]
    b.forLoop(from: b.tileBegin, to: b.tileEnd) { n in
      b.forLoop(count: step.channels) { channel in
        b.forLoop(count: step.parts) { part in
          let moments = HostMoments(b)
          b.forLoop(count: step.slabsPerPart) { piece in
            let slab = b.add(b.multiply(part, step.slabsPerPart), piece)
            let row = b.add(b.multiply(n, step.parts * step.slabsPerPart), slab)
            let base = b.add(
              b.multiply(b.add(b.multiply(row, blocks), b.divide(channel, 8)), 24), b.remainder(channel, 8))
            moments.merge(
              count: b.loadDouble(source, base), mean: b.loadDouble(source, b.add(base, 8)),
              m2: b.loadDouble(source, b.add(base, 16)))
          }
          let out = b.multiply(b.add(b.multiply(b.add(b.multiply(n, step.channels), channel), step.parts), part), 3)
          b.storeFloat(b.doubleToFloat(moments.count), target, out)
          b.storeFloat(b.doubleToFloat(moments.mean), target, b.add(out, 1))
          b.storeFloat(b.doubleToFloat(moments.m2), target, b.add(out, 2))
        }
      }
    }
  }
}

/// NormalizationCoefficients: partials -> [N][mean | scale | shift][paddedChannels] (f32).
struct NormalizationCoefficientsKernel: KernelGenerator {
  let name: String
  let step: NormalizationCoefficients
  var kernelName: String { name }
  var tileCount: Int { step.batch }
  var flopCount: Int { step.batch * step.channels * (step.parts * 10 + 4) }
  /// Slots: statistics, gamma (if any), beta (if any), coefficients.
  var buffers: [KernelBufferDescriptor] {
    var list = [KernelBufferDescriptor(name: "statistics", elementCount: step.batch * step.channels * step.parts * 3, access: .read)]
    if step.gamma != nil { list.append(KernelBufferDescriptor(name: "gamma", elementCount: step.channels, access: .read)) }
    if step.beta != nil { list.append(KernelBufferDescriptor(name: "beta", elementCount: step.channels, access: .read)) }
    list.append(KernelBufferDescriptor(name: "coefficients", elementCount: step.floatCount, access: .write))
    return list
  }

  func emitBody(_ b: KernelFunctionBuilder) throws {
    let partials = b.bufferArguments[0]
    var next = 1
    let gamma = step.gamma.map { _ in defer { next += 1 }; return b.bufferArguments[next] }
    let beta = step.beta.map { _ in defer { next += 1 }; return b.bufferArguments[next] }
    let out = b.bufferArguments[next]
    let padded = step.paddedChannels
    b.forLoop(from: b.tileBegin, to: b.tileEnd) { n in
      let row = b.multiply(n, 3 * padded)
      b.forLoop(count: 3 * padded) { index in b.storeFloat(b.floatConstant(0), out, b.add(row, index)) }
      b.forLoop(count: step.channels) { channel in
        let moments = HostMoments(b)
        let first = b.multiply(b.add(b.multiply(n, step.channels), channel), step.parts * 3)
        b.forLoop(count: step.parts) { index in
          let at = b.add(first, b.multiply(index, 3))
          moments.merge(
            count: b.floatToDouble(b.loadFloat(partials, at)), mean: b.floatToDouble(b.loadFloat(partials, b.add(at, 1))),
            m2: b.floatToDouble(b.loadFloat(partials, b.add(at, 2))))
        }
        b.storeFloat(b.doubleToFloat(moments.mean), out, b.add(row, channel))
        let numerator = gamma.map { b.floatToDouble(b.loadFloat($0, channel)) } ?? b.doubleConstant(1)
        let root = b.callIntrinsic(
          "llvm.sqrt", overloadedOn: b.doubleType, arguments: [b.fadd(moments.variance, b.doubleConstant(step.epsilon))])
        b.storeFloat(b.doubleToFloat(b.fdiv(numerator, root)), out, b.add(row, b.add(channel, padded)))
        b.storeFloat(beta.map { b.loadFloat($0, channel) } ?? b.floatConstant(0), out, b.add(row, b.add(channel, 2 * padded)))
      }
    }
  }
}

/// RunningMoments in IR: three fp64 variables and Chan's merge with HostSteps.swift's expression
/// order; a set with a count that is not > 0 (or NaN) is skipped, as the Swift guard does.
struct HostMoments {
  let b: KernelFunctionBuilder
  let countSlot: IRValue
  let meanSlot: IRValue
  let m2Slot: IRValue

  init(_ b: KernelFunctionBuilder) {
    self.b = b
    countSlot = b.variable(b.doubleType, initial: b.doubleConstant(0))
    meanSlot = b.variable(b.doubleType, initial: b.doubleConstant(0))
    m2Slot = b.variable(b.doubleType, initial: b.doubleConstant(0))
  }

  var count: IRValue { b.read(countSlot, b.doubleType) }
  var mean: IRValue { b.read(meanSlot, b.doubleType) }
  var m2: IRValue { b.read(m2Slot, b.doubleType) }
  /// m2 / count, or 0 for an empty set.
  var variance: IRValue {
    let count = self.count
    return b.select(b.isGreater(count, b.doubleConstant(0)), b.fdiv(m2, count), b.doubleConstant(0))
  }

  func merge(count partCount: IRValue, mean partMean: IRValue, m2 partM2: IRValue) {
    let count = self.count
    let mean = self.mean
    let m2 = self.m2
    let total = b.fadd(count, partCount)
    let delta = b.fsub(partMean, mean)
    let newMean = b.fadd(mean, b.fdiv(b.fmul(delta, partCount), total))
    let newM2 = b.fadd(m2, b.fadd(partM2, b.fdiv(b.fmul(b.fmul(b.fmul(delta, delta), count), partCount), total)))
    let use = b.isGreater(partCount, b.doubleConstant(0))
    b.write(b.select(use, total, count), countSlot)
    b.write(b.select(use, newMean, mean), meanSlot)
    b.write(b.select(use, newM2, m2), m2Slot)
  }
}
