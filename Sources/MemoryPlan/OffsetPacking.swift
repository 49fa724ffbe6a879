// Offset packing of storage groups into one arena (Glow's strategy, extended): take the groups in
// some order and give each the lowest offset (or the tightest gap) that does not overlap any
// already placed group whose live interval overlaps its own. Orders tried:
// - peaks first: repeatedly find the kernel where the still unplaced groups need the most bytes
//   and place the groups live there, largest first (Glow);
// - largest first; earliest start first; longest lived first; most byte-kernels first.
// Each order with first fit (lowest offset) and best fit (smallest gap that holds it); the
// smallest arena wins. Offsets are multiples of the alignment (group sizes are rounded up to it).

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
        let placement = place(groups, order: order, bestFit: bestFit)
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
    return [
      ("peaks first, largest first", peaksFirst(groups, kernelCount: kernelCount)),
      ("largest first", all.sorted { (groups[$0].bytes, -groups[$0].interval.first, -$0) > (groups[$1].bytes, -groups[$1].interval.first, -$1) }),
      ("earliest first", all.sorted { (groups[$0].interval.first, -groups[$0].bytes, $0) < (groups[$1].interval.first, -groups[$1].bytes, $1) }),
      ("longest lived first", all.sorted { (length(groups[$0]), groups[$0].bytes, -$0) > (length(groups[$1]), groups[$1].bytes, -$1) }),
      ("most byte-kernels first", all.sorted { (groups[$0].bytes * length(groups[$0]), -$0) > (groups[$1].bytes * length(groups[$1]), -$1) }),
    ]
  }

  /// Glow's order: the groups live at the heaviest kernel (counting unplaced groups only), largest
  /// first, then the next heaviest kernel, until every group is ordered.
  static func peaksFirst(_ groups: [StorageGroup], kernelCount: Int) -> [Int] {
    var placed = [Bool](repeating: false, count: groups.count)
    var order: [Int] = []
    let kernels = max(kernelCount, 1)
    while order.count < groups.count {
      var load = [Int](repeating: 0, count: kernels)
      for (index, group) in groups.enumerated() where !placed[index] {
        for kernel in max(group.interval.first, 0)...min(group.interval.last, kernels - 1) { load[kernel] += group.bytes }
      }
      guard let peak = load.indices.max(by: { load[$0] < load[$1] || (load[$0] == load[$1] && $0 > $1) }) else { break }
      let live = groups.indices.filter { !placed[$0] && groups[$0].interval.contains(peak) }
        .sorted { (groups[$0].bytes, -$0) > (groups[$1].bytes, -$1) }
      guard !live.isEmpty else {
        order += groups.indices.filter { !placed[$0] }
        break
      }
      for index in live {
        placed[index] = true
        order.append(index)
      }
    }
    return order
  }

  static func place(_ groups: [StorageGroup], order: [Int], bestFit: Bool) -> (offsets: [Int], arenaBytes: Int) {
    var offsets = [Int](repeating: -1, count: groups.count)
    var placed: [Int] = []
    var arena = 0
    for index in order {
      let group = groups[index]
      let conflicts = placed.filter { groups[$0].interval.overlaps(group.interval) }
        .map { (start: offsets[$0], end: offsets[$0] + groups[$0].bytes) }
        .sorted { $0.start < $1.start }
      var candidate = 0
      var chosen: Int?
      var chosenGap = Int.max
      for conflict in conflicts {
        if conflict.start >= candidate + group.bytes {
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
      placed.append(index)
      arena = max(arena, offset + group.bytes)
    }
    return (offsets, arena)
  }
}
