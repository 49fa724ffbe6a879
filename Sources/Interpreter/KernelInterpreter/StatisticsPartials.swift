// Statistics partials for instance norm (the `stats` buffers, f32[N, C, P, 3]) and their merge.
// Part p of a channel covers indices [p*A/P, (p+1)*A/P) of the first spatial axis (A long). A
// part stores its count, mean and M2 (sum of squared deviations from its own mean), computed in
// fp64 with two passes. Parts merge with Chan et al.'s pairwise formula:
//   n = na + nb, d = mb - ma, mean = ma + d*nb/n, M2 = M2a + M2b + d^2*na*nb/n,
// which stays accurate where the fp32 one-pass E[x^2] - E[x]^2 fails (case C27).

enum StatisticsPartials {
  /// Partials of dense row-major `values` of `shape` [N, C, A, ...].
  static func compute(_ values: [Float], shape: [Int], parts: Int) -> [Float] {
    let batch = shape[0]
    let channels = shape[1]
    let axis = shape.count > 2 ? shape[2] : 1
    let inner = shape.dropFirst(3).reduce(1, *)
    let plane = axis * inner
    let parts = max(1, min(parts, axis))
    var result = [Float](repeating: 0, count: batch * channels * parts * 3)
    result.withUnsafeMutableBufferPointer { output in
      values.withUnsafeBufferPointer { input in
        guard let out = output.baseAddress, let base = input.baseAddress else { return }
        ParallelFor.run(batch * channels) { planes in
          for planeIndex in planes {
            let data = base + planeIndex * plane
            for part in 0..<parts {
              let start = part * axis / parts * inner
              let end = (part + 1) * axis / parts * inner
              var sum = 0.0
              for i in start..<end { sum += Double(data[i]) }
              let count = Double(end - start)
              let mean = count > 0 ? sum / count : 0
              var squares = 0.0
              for i in start..<end {
                let deviation = Double(data[i]) - mean
                squares += deviation * deviation
              }
              let target = out + (planeIndex * parts + part) * 3
              target[0] = Float(count)
              target[1] = Float(mean)
              target[2] = Float(squares)
            }
          }
        }
      }
    }
    return result
  }

  /// Merges the P partials of one channel: (count, mean, biased variance).
  static func merge(_ partials: UnsafePointer<Float>, parts: Int) -> (count: Double, mean: Double, variance: Double) {
    var count = 0.0
    var mean = 0.0
    var m2 = 0.0
    for part in 0..<parts {
      let partCount = Double(partials[part * 3])
      guard partCount > 0 else { continue }
      let partMean = Double(partials[part * 3 + 1])
      let partM2 = Double(partials[part * 3 + 2])
      let total = count + partCount
      let delta = partMean - mean
      mean += delta * partCount / total
      m2 += partM2 + delta * delta * count * partCount / total
      count = total
    }
    return (count, mean, count > 0 ? m2 / count : 0)
  }
}
