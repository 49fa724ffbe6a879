// Offset packing of storage groups into one arena (Glow's strategy, extended): take the groups in
// some order and give each the lowest offset (or the tightest gap) that does not overlap any
// already placed group whose live interval overlaps its own. Orders tried:
// - peaks first: repeatedly find the kernel where the still unplaced groups need the most bytes
//   and place the groups live there, largest first (Glow);
// - largest first; earliest start first; longest lived first; most byte-kernels first.
// Each order with first fit (lowest offset) and best fit (smallest gap that holds it); the
// smallest arena wins. Offsets are multiples of the alignment (group sizes are rounded up to it).
// Overlap queries and peak loads go through KernelIntervalIndex (near-linear in the kernels);
// sums saturate (the planner rejects programs whose buffers total more than Int.max bytes first).

import GraphIR
import KernelIR

struct Placement {
  var offsets: [Int]
  var arenaBytes: Int
  var name: String
}

enum OffsetPacking {
  static func best(_ groups: [StorageGroup], kernelCount: Int) -> Placement {
    var best: Placement?
    for (orderName, order) in orders(groups, kernelCount: kernelCount) {
      for bestFit in [false, true] {
        let placement = place(groups, order: order, bestFit: bestFit, kernelCount: kernelCount)
        let name = "\(orderName) / \(bestFit ? "tightest gap" : "lowest offset")"
        if best == nil || placement.arenaBytes < best?.arenaBytes ?? .max {
          best = Placement(offsets: placement.offsets, arenaBytes: placement.arenaBytes, name: name)
        }
      }
    }
    return best ?? Placement(offsets: [], arenaBytes: 0, name: "empty")
  }

  static func orders(_ groups: [StorageGroup], kernelCount: Int) -> [(String, [Int])] {
    let all = Array(groups.indices)
    func length(_ group: StorageGroup) -> Int { group.interval.last - group.interval.first + 1 }
    func byteKernels(_ group: StorageGroup) -> Int { SaturatingSize.multiply(group.bytes, length(group)) }
    return [
      ("peaks first, largest first", peaksFirst(groups, kernelCount: kernelCount)),
      ("largest first", all.sorted { (groups[$0].bytes, -groups[$0].interval.first, -$0) > (groups[$1].bytes, -groups[$1].interval.first, -$1) }),
      ("earliest first", all.sorted { (groups[$0].interval.first, -groups[$0].bytes, $0) < (groups[$1].interval.first, -groups[$1].bytes, $1) }),
      ("longest lived first", all.sorted { (length(groups[$0]), groups[$0].bytes, -$0) > (length(groups[$1]), groups[$1].bytes, -$1) }),
      ("most byte-kernels first", all.sorted { (byteKernels(groups[$0]), -$0) > (byteKernels(groups[$1]), -$1) }),
    ]
  }

  /// Glow's order: the groups live at the heaviest kernel (counting unplaced groups only), largest
  /// first, then the next heaviest kernel, until every group is ordered. The loads live in a
  /// segment tree and the groups in a stabbing index, so this is O((G + K) log K).
  static func peaksFirst(_ groups: [StorageGroup], kernelCount: Int) -> [Int] {
    let kernels = max(kernelCount, 1)
    var loadChanges = [Int](repeating: 0, count: kernels + 1)
    var unplaced = IntervalStabbingIndex(kernelCount: kernels, memberCount: groups.count)
    for (index, group) in groups.enumerated() {
      unplaced.insert(index, first: group.interval.first, last: group.interval.last)
      guard let span = unplaced.range.clamp(group.interval.first, group.interval.last) else { continue }
      loadChanges[span.lowerBound] = SaturatingSize.add(loadChanges[span.lowerBound], group.bytes)
      loadChanges[span.upperBound + 1] = SaturatingSize.subtract(loadChanges[span.upperBound + 1], group.bytes)
    }
    var loads: [Int] = []
    var running = 0
    for kernel in 0..<kernels {
      running = SaturatingSize.add(running, loadChanges[kernel])
      loads.append(running)
    }
    var load = MaximumLoadTree(loads: loads)
    var placed = [Bool](repeating: false, count: groups.count)
    var order: [Int] = []
    while order.count < groups.count {
      let peak = load.heaviestKernel
      let live = unplaced.members(liveAt: peak).sorted { (groups[$0].bytes, -$0) > (groups[$1].bytes, -$1) }
      guard !live.isEmpty else {
        order += groups.indices.filter { !placed[$0] }
        break
      }
      for index in live {
        placed[index] = true
        order.append(index)
        unplaced.remove(index)
        load.add(-groups[index].bytes, first: groups[index].interval.first, last: groups[index].interval.last)
      }
    }
    return order
  }

  /// Places the groups in `order`, each at the lowest offset (or in the tightest gap) clear of the
  /// already placed groups whose intervals overlap its own, found through interval indexes.
  static func place(_ groups: [StorageGroup], order: [Int], bestFit: Bool, kernelCount: Int)
    -> (offsets: [Int], arenaBytes: Int)
  {
    var offsets = [Int](repeating: -1, count: groups.count)
    var placementRank = [Int](repeating: 0, count: groups.count)
    var liveIndex = IntervalStabbingIndex(kernelCount: kernelCount, memberCount: groups.count)
    var startIndex = IntervalStartIndex(kernelCount: kernelCount)
    var arena = 0
    for (rank, index) in order.enumerated() {
      let group = groups[index]
      var overlapping: [Int] = []
      if let span = liveIndex.range.clamp(group.interval.first, group.interval.last) {
        overlapping = liveIndex.members(liveAt: span.lowerBound)
          + startIndex.members(startingIn: span.lowerBound + 1, span.upperBound)
      }
      // Sorted by offset, ties in placement order.
      let conflicts = overlapping.map { (start: offsets[$0], end: SaturatingSize.add(offsets[$0], groups[$0].bytes), rank: placementRank[$0]) }
        .sorted { ($0.start, $0.rank) < ($1.start, $1.rank) }
      var candidate = 0
      var chosen: Int?
      var chosenGap = Int.max
      for conflict in conflicts {
        if conflict.start >= SaturatingSize.add(candidate, group.bytes) {
          let gap = conflict.start - candidate
          if !bestFit {
            chosen = candidate
            break
          }
          if gap < chosenGap {
            chosen = candidate
            chosenGap = gap
          }
        }
        candidate = max(candidate, conflict.end)
      }
      // The space above every conflict is unbounded: a fallback, or the only choice.
      let offset = chosen ?? candidate
      offsets[index] = offset
      placementRank[index] = rank
      liveIndex.insert(index, first: group.interval.first, last: group.interval.last)
      startIndex.insert(index, first: liveIndex.range.clamp(group.interval.first, group.interval.last)?.lowerBound ?? 0)
      arena = max(arena, SaturatingSize.add(offset, group.bytes))
    }
    return (offsets, arena)
  }
}
