// Index structures over kernel positions 0..<kernelCount that keep offset packing near-linear
// (segment trees, the textbook idea):
// - `IntervalStabbingIndex`: intervals stored at their O(log K) canonical tree nodes; "which
//   members are live at kernel k" walks one leaf-to-root path. Removal is lazy (a member marked
//   absent is dropped from a node's list the next time that list is read).
// - `IntervalStartIndex`: members bucketed by first kernel, with per-node counts so "which members
//   start in lo...hi" visits only non-empty buckets. With the stabbing index it answers "which
//   members overlap [a, b]" = live at a, or starting in a+1...b.
// - `MaximumLoadTree`: bytes live per kernel with range add and "heaviest kernel, lowest index
//   first" in O(log K).
// Intervals are clamped to the kernel range (the planner's intervals always lie inside it).

struct KernelRange {
  /// Number of leaves: a power of two ≥ the kernel count (at least 1).
  let leaves: Int
  let kernelCount: Int

  init(kernelCount: Int) {
    self.kernelCount = max(kernelCount, 1)
    var leaves = 1
    while leaves < self.kernelCount { leaves *= 2 }
    self.leaves = leaves
  }

  /// `first...last` clamped to the kernels; nil when nothing of it is left.
  func clamp(_ first: Int, _ last: Int) -> ClosedRange<Int>? {
    let low = max(first, 0)
    let high = min(last, kernelCount - 1)
    return low <= high ? low...high : nil
  }
}

struct IntervalStabbingIndex {
  let range: KernelRange
  private var nodes: [[Int]]
  private var present: [Bool]

  init(kernelCount: Int, memberCount: Int) {
    range = KernelRange(kernelCount: kernelCount)
    nodes = [[Int]](repeating: [], count: 2 * range.leaves)
    present = [Bool](repeating: false, count: memberCount)
  }

  mutating func insert(_ member: Int, first: Int, last: Int) {
    guard let span = range.clamp(first, last) else { return }
    present[member] = true
    var low = span.lowerBound + range.leaves
    var high = span.upperBound + range.leaves + 1
    while low < high {
      if low & 1 == 1 {
        nodes[low].append(member)
        low += 1
      }
      if high & 1 == 1 {
        high -= 1
        nodes[high].append(member)
      }
      low >>= 1
      high >>= 1
    }
  }

  mutating func remove(_ member: Int) { present[member] = false }

  /// Present members whose interval contains `kernel`, in no particular order.
  mutating func members(liveAt kernel: Int) -> [Int] {
    guard kernel >= 0, kernel < range.kernelCount else { return [] }
    var found: [Int] = []
    var node = kernel + range.leaves
    while node >= 1 {
      if nodes[node].contains(where: { !present[$0] }) { nodes[node].removeAll { !present[$0] } }
      found += nodes[node]
      node >>= 1
    }
    return found
  }
}

struct IntervalStartIndex {
  let range: KernelRange
  private var buckets: [[Int]]
  private var counts: [Int]

  init(kernelCount: Int) {
    range = KernelRange(kernelCount: kernelCount)
    buckets = [[Int]](repeating: [], count: range.leaves)
    counts = [Int](repeating: 0, count: 2 * range.leaves)
  }

  mutating func insert(_ member: Int, first: Int) {
    let kernel = min(max(first, 0), range.kernelCount - 1)
    buckets[kernel].append(member)
    var node = kernel + range.leaves
    while node >= 1 {
      counts[node] += 1
      node >>= 1
    }
  }

  /// Members whose first kernel lies in `low...high`.
  func members(startingIn low: Int, _ high: Int) -> [Int] {
    var found: [Int] = []
    guard low <= high else { return found }
    func visit(_ node: Int, _ nodeLow: Int, _ nodeHigh: Int) {
      guard counts[node] > 0, nodeLow <= high, low <= nodeHigh else { return }
      if nodeLow == nodeHigh {
        found += buckets[nodeLow]
        return
      }
      let middle = (nodeLow + nodeHigh) / 2
      visit(2 * node, nodeLow, middle)
      visit(2 * node + 1, middle + 1, nodeHigh)
    }
    visit(1, 0, range.leaves - 1)
    return found
  }
}

struct MaximumLoadTree {
  let range: KernelRange
  /// Per node: the largest load below it, including this node's own pending addition.
  private var maximum: [Int]
  private var pending: [Int]

  /// `loads[k]` is the initial load of kernel k (missing kernels count 0).
  init(loads: [Int]) {
    range = KernelRange(kernelCount: loads.count)
    maximum = [Int](repeating: 0, count: 2 * range.leaves)
    pending = [Int](repeating: 0, count: 2 * range.leaves)
    for (kernel, load) in loads.enumerated() { maximum[range.leaves + kernel] = load }
    var node = range.leaves - 1
    while node >= 1 {
      maximum[node] = max(maximum[2 * node], maximum[2 * node + 1])
      node -= 1
    }
  }

  /// Adds `amount` to the load of every kernel in `first...last` (clamped).
  mutating func add(_ amount: Int, first: Int, last: Int) {
    guard let span = range.clamp(first, last) else { return }
    add(amount, span, node: 1, nodeLow: 0, nodeHigh: range.leaves - 1)
  }

  private mutating func add(_ amount: Int, _ span: ClosedRange<Int>, node: Int, nodeLow: Int, nodeHigh: Int) {
    guard nodeLow <= span.upperBound, span.lowerBound <= nodeHigh else { return }
    if span.lowerBound <= nodeLow && nodeHigh <= span.upperBound {
      maximum[node] += amount
      pending[node] += amount
      return
    }
    let middle = (nodeLow + nodeHigh) / 2
    add(amount, span, node: 2 * node, nodeLow: nodeLow, nodeHigh: middle)
    add(amount, span, node: 2 * node + 1, nodeLow: middle + 1, nodeHigh: nodeHigh)
    maximum[node] = max(maximum[2 * node], maximum[2 * node + 1]) + pending[node]
  }

  /// The kernel with the largest load; the lowest such kernel on ties.
  var heaviestKernel: Int {
    var node = 1
    while node < range.leaves {
      let target = maximum[node] - pending[node]
      node = maximum[2 * node] == target ? 2 * node : 2 * node + 1
    }
    return node - range.leaves
  }
}
