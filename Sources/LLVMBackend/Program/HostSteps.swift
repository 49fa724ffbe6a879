// The small pieces of a program that run on the calling thread between kernels, in fp64:
// merging a convolution's per-slab statistics totals into the Kernel IR's statistics partials
// (f32 [N, C, P, 3]: count, mean, M2 per part), and turning partials into the per-(sample,
// channel) mean, scale and shift that a norm_act kernel applies. Both merge with Chan et al.'s
// pairwise formula, exactly as the kernel interpreter does (StatisticsPartials), so the JIT and
// the interpreter normalise with the same numbers up to the order of summation.

enum HostStep {
  case mergeStatistics(StatisticsFinalization)
  case normalizationCoefficients(NormalizationCoefficients)

  func run(_ resolve: (BufferLocation) -> UnsafeMutableRawPointer) {
    switch self {
    case .mergeStatistics(let step): step.run(resolve)
    case .normalizationCoefficients(let step): step.run(resolve)
    }
  }
}

/// Chan et al.'s merge of (count, mean, M2) sets; empty sets are skipped.
struct RunningMoments {
  var count = 0.0
  var mean = 0.0
  var m2 = 0.0

  mutating func merge(count partCount: Double, mean partMean: Double, m2 partM2: Double) {
    guard partCount > 0 else { return }
    let total = count + partCount
    let delta = partMean - mean
    mean += delta * partCount / total
    m2 += partM2 + delta * delta * count * partCount / total
    count = total
  }

  var variance: Double { count > 0 ? m2 / count : 0 }
}

/// Scratch [n][part * k + piece][block][count, mean, M2][8] (fp64) -> partials [n][c][part][3] (f32).
struct StatisticsFinalization {
  let scratch: BufferLocation
  let statistics: BufferLocation
  let batch: Int
  let channels: Int
  let parts: Int
  let slabsPerPart: Int

  func run(_ resolve: (BufferLocation) -> UnsafeMutableRawPointer) {
    let source = resolve(scratch).assumingMemoryBound(to: Double.self)
    let target = resolve(statistics).assumingMemoryBound(to: Float.self)
    let blocks = (channels + 7) / 8
    for n in 0..<batch {
      for channel in 0..<channels {
        for part in 0..<parts {
          var moments = RunningMoments()
          for piece in 0..<slabsPerPart {
            let slab = part * slabsPerPart + piece
            let base = ((n * parts * slabsPerPart + slab) * blocks + channel / 8) * 24 + channel % 8
            moments.merge(count: source[base], mean: source[base + 8], m2: source[base + 16])
          }
          let out = target + ((n * channels + channel) * parts + part) * 3
          out[0] = Float(moments.count)
          out[1] = Float(moments.mean)
          out[2] = Float(moments.m2)
        }
      }
    }
  }
}

/// Partials [n][c][P][3] -> coefficients [n][mean | scale | shift][paddedChannels] (f32), with
/// scale = gamma / sqrt(var + eps) and shift = beta; padding channels get zeros.
struct NormalizationCoefficients {
  let statistics: BufferLocation
  let gamma: BufferLocation?
  let beta: BufferLocation?
  let coefficients: BufferLocation
  let batch: Int
  let channels: Int
  let parts: Int
  let epsilon: Double

  var paddedChannels: Int { (channels + 7) / 8 * 8 }
  var floatCount: Int { batch * 3 * paddedChannels }

  func run(_ resolve: (BufferLocation) -> UnsafeMutableRawPointer) {
    let partials = resolve(statistics).assumingMemoryBound(to: Float.self)
    let gammas = gamma.map { resolve($0).assumingMemoryBound(to: Float.self) }
    let betas = beta.map { resolve($0).assumingMemoryBound(to: Float.self) }
    let out = resolve(coefficients).assumingMemoryBound(to: Float.self)
    out.initialize(repeating: 0, count: floatCount)
    for n in 0..<batch {
      let row = out + n * 3 * paddedChannels
      for channel in 0..<channels {
        var moments = RunningMoments()
        let part = partials + (n * channels + channel) * parts * 3
        for index in 0..<parts {
          moments.merge(count: Double(part[index * 3]), mean: Double(part[index * 3 + 1]), m2: Double(part[index * 3 + 2]))
        }
        row[channel] = Float(moments.mean)
        row[paddedChannels + channel] = Float(Double(gammas?[channel] ?? 1) / (moments.variance + epsilon).squareRoot())
        row[2 * paddedChannels + channel] = betas?[channel] ?? 0
      }
    }
  }
}
