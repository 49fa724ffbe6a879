// The cubic B-spline prefilter (the direct B-spline transform of Unser, Aldroubi and Eden, 1991):
// a causal and an anti-causal first-order recursive filter with pole z = sqrt(3) - 2 and gain
// (1 - z)(1 - 1/z), so that the spline through the resulting coefficients interpolates the samples.
// The boundary start values are the half-sample-symmetric ones scipy.ndimage uses for its
// 'nearest' mode (which it applies to a line already padded with 12 edge copies on each side).
// Works on a block of `columns` independent lines stored row-major as [rows][columns], so the
// recursion runs across rows and every row operation is a contiguous, vectorisable loop.

enum CubicSplinePrefilter {
  static let pole = 3.0.squareRoot() - 2.0
  /// Edge copies scipy adds on each side before filtering in 'nearest' mode.
  static let edgePadding = 12
  /// Terms of the causal start sum below this weight are dropped (far below double precision).
  private static let negligibleWeight = 1e-22

  /// Filters each column of `data` ([rows][columns], row-major) in place. `startValues` is
  /// scratch space for `columns` doubles.
  static func filterColumns(
    _ data: UnsafeMutablePointer<Double>, rows: Int, columns: Int, startValues: UnsafeMutablePointer<Double>
  ) {
    let z = pole
    let gain = (1 - z) * (1 - 1 / z)
    for element in 0..<(rows * columns) { data[element] *= gain }
    guard rows > 1 else { return }

    // Causal start value for a half-sample-symmetric extension of the line.
    let zPowerRows = pow(z, rows)
    let last = data + (rows - 1) * columns
    for column in 0..<columns { startValues[column] = data[column] + zPowerRows * last[column] }
    var zPower = z
    var row = 1
    while row < rows && abs(zPower) >= negligibleWeight {
      let forward = data + row * columns
      let mirrored = data + (rows - 1 - row) * columns
      for column in 0..<columns {
        startValues[column] += zPower * (forward[column] + zPowerRows * mirrored[column])
      }
      zPower *= z
      row += 1
    }
    let startScale = z / (1 - zPowerRows * zPowerRows)
    for column in 0..<columns { data[column] += startValues[column] * startScale }

    // Causal recursion.
    for row in 1..<rows {
      let current = data + row * columns
      let previous = current - columns
      for column in 0..<columns { current[column] += z * previous[column] }
    }
    // Anti-causal start value and recursion.
    let endScale = z / (z - 1)
    for column in 0..<columns { last[column] *= endScale }
    var row2 = rows - 2
    while row2 >= 0 {
      let current = data + row2 * columns
      let next = current + columns
      for column in 0..<columns { current[column] = z * (next[column] - current[column]) }
      row2 -= 1
    }
  }

  /// z^n by repeated squaring: exact enough and independent of the platform's pow.
  private static func pow(_ base: Double, _ exponent: Int) -> Double {
    var result = 1.0
    var factor = base
    var remaining = exponent
    while remaining > 0 {
      if remaining & 1 == 1 { result *= factor }
      factor *= factor
      remaining >>= 1
    }
    return result
  }
}
