// Size arithmetic that cannot trap, for statistics, liveness estimates, schedulers and memory
// planners that may see unverified IR (verified IR keeps every tensor below
// `TensorType.maxByteCount`, so there these are exact). `SaturatingSize` clamps at Int.max;
// `ByteTally` is a running total of sizes that can also take back what it added, exact even after
// passing Int.max (it carries into a second word), read out clamped to 0...Int.max.

public enum SaturatingSize {
  /// `a + b`, or Int.max (Int.min) when the sum does not fit.
  public static func add(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    guard overflow else { return sum }
    return b > 0 ? Int.max : Int.min
  }

  /// `a - b`, or Int.max (Int.min) when the difference does not fit.
  public static func subtract(_ a: Int, _ b: Int) -> Int {
    let (difference, overflow) = a.subtractingReportingOverflow(b)
    guard overflow else { return difference }
    return b < 0 ? Int.max : Int.min
  }

  /// `a × b`, or Int.max (Int.min) when the product does not fit.
  public static func multiply(_ a: Int, _ b: Int) -> Int {
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    guard overflow else { return product }
    return (a < 0) == (b < 0) ? Int.max : Int.min
  }

  /// Sum of `values`, saturating.
  public static func sum<S: Sequence>(_ values: S) -> Int where S.Element == Int {
    var tally = ByteTally()
    for value in values { tally.add(value) }
    return tally.value
  }
}

/// A running total of non-negative sizes (negative arguments count as 0). `add` and `remove`
/// are exact over a 128-bit range; `value` clamps to 0...Int.max.
public struct ByteTally: Comparable, Sendable {
  private var high: Int = 0
  private var low: UInt = 0

  public init() {}

  public mutating func add(_ bytes: Int) {
    let (sum, carry) = low.addingReportingOverflow(UInt(max(bytes, 0)))
    low = sum
    if carry { high &+= 1 }
  }

  public mutating func remove(_ bytes: Int) {
    let (difference, borrow) = low.subtractingReportingOverflow(UInt(max(bytes, 0)))
    low = difference
    if borrow { high &-= 1 }
  }

  public mutating func add(_ other: ByteTally) {
    let (sum, carry) = low.addingReportingOverflow(other.low)
    low = sum
    high = high &+ other.high &+ (carry ? 1 : 0)
  }

  public mutating func remove(_ other: ByteTally) {
    let (difference, borrow) = low.subtractingReportingOverflow(other.low)
    low = difference
    high = high &- other.high &- (borrow ? 1 : 0)
  }

  /// True when the exact total is above Int.max.
  public var exceedsInt: Bool { high > 0 || (high == 0 && low > UInt(Int.max)) }

  /// The total, clamped to 0...Int.max.
  public var value: Int {
    if high < 0 { return 0 }
    return exceedsInt ? Int.max : Int(low)
  }

  public static func < (lhs: ByteTally, rhs: ByteTally) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }
}
