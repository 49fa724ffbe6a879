// A synthetic CT-like phantom with plausible Hounsfield units, generated from a seed: air around
// an elliptical body (fat rim, soft tissue), two lungs, a liver, two kidneys, a spine and a marker
// sphere in the +i,+j,+k octant (so any flip shows). It is the embedded default input of the demo;
// no real scan is shipped with the project.
import TensorCore

public struct SyntheticPhantom: Sendable {
  /// Volume in (k, j, i) order and its spacing in mm, same order.
  public var voxels: Tensor
  public var spacingKJI: [Double]

  public static func make(shapeIJK: [Int] = [96, 80, 64], spacingIJK: [Double] = [2.0, 2.0, 2.5], seed: UInt64 = 1)
    -> SyntheticPhantom
  {
    let (ni, nj, nk) = (shapeIJK[0], shapeIJK[1], shapeIJK[2])
    var data = [Float](repeating: -1000, count: ni * nj * nk)
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    func noise() -> Float {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return Float(state >> 40) / Float(1 << 24) - 0.5
    }
    // Normalised coordinates in [-1, 1] per axis.
    for k in 0..<nk {
      let z = 2 * (Double(k) + 0.5) / Double(nk) - 1
      for j in 0..<nj {
        let y = 2 * (Double(j) + 0.5) / Double(nj) - 1
        for i in 0..<ni {
          let x = 2 * (Double(i) + 0.5) / Double(ni) - 1
          let body = (x / 0.85) * (x / 0.85) + (y / 0.7) * (y / 0.7)
          var value: Double = -1000
          if body < 1 {
            value = body > 0.8 ? -100 : 40  // fat rim, soft tissue
            let lung = { (cx: Double) -> Double in
              ((x - cx) / 0.3) * ((x - cx) / 0.3) + ((y + 0.05) / 0.45) * ((y + 0.05) / 0.45)
                + ((z - 0.55) / 0.5) * ((z - 0.55) / 0.5)
            }
            if lung(-0.4) < 1 || lung(0.4) < 1 { value = -850 }
            let liver = ((x + 0.35) / 0.35) * ((x + 0.35) / 0.35) + (y / 0.4) * (y / 0.4) + ((z + 0.05) / 0.3) * ((z + 0.05) / 0.3)
            if liver < 1 { value = 60 }
            let kidney = { (cx: Double) -> Double in
              ((x - cx) / 0.12) * ((x - cx) / 0.12) + ((y - 0.35) / 0.15) * ((y - 0.35) / 0.15)
                + ((z + 0.35) / 0.2) * ((z + 0.35) / 0.2)
            }
            if kidney(-0.3) < 1 || kidney(0.3) < 1 { value = 30 }
            let spine = (x / 0.1) * (x / 0.1) + ((y - 0.5) / 0.1) * ((y - 0.5) / 0.1)
            if spine < 1 { value = spine < 0.5 ? 250 : 700 }
            let marker = ((x - 0.5) / 0.1) * ((x - 0.5) / 0.1) + ((y - 0.3) / 0.1) * ((y - 0.3) / 0.1)
              + ((z - 0.6) / 0.12) * ((z - 0.6) / 0.12)
            if marker < 1 { value = 1000 }
          }
          data[(k * nj + j) * ni + i] = Float(value) + 20 * noise()
        }
      }
    }
    return SyntheticPhantom(
      voxels: Tensor(shape: [nk, nj, ni], data: data), spacingKJI: [spacingIJK[2], spacingIJK[1], spacingIJK[0]])
  }
}
