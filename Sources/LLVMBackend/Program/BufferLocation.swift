// Where the bytes of a program buffer live at run time, and the per-kernel tables of addresses
// the generated kernels receive. Four storages: the activation arena (allocated once), the packed
// weights (packed once at compile time), per-kernel scratch (statistics partials, normalisation
// coefficients; allocated once), and graph outputs that the kernels write straight into the
// caller's result arrays (bound anew on every run). A kernel's operands are deduplicated by
// location, so an output planned in place over an input is one slot, one pointer: the kernels'
// `noalias` promise then holds.
import Runtime

enum StorageKind: Hashable {
  case arena
  case weights
  case scratch
  /// The caller's array for program output number `index`.
  case output(Int)
}

struct BufferLocation: Hashable {
  var storage: StorageKind
  var byteOffset: Int
}

/// The distinct locations one kernel touches, in slot order.
struct SlotAssignment {
  private(set) var locations: [BufferLocation] = []
  private(set) var elementCounts: [Int] = []

  /// The slot of `location`, adding it if new; `elements` is how many floats the kernel may touch.
  mutating func slot(_ location: BufferLocation, elements: Int) -> Int {
    if let index = locations.firstIndex(of: location) {
      elementCounts[index] = max(elementCounts[index], elements)
      return index
    }
    locations.append(location)
    elementCounts.append(elements)
    return locations.count - 1
  }
}

/// A table of kernel arguments (one raw pointer per slot) that lives as long as the program.
final class AddressTable {
  let pointer: UnsafeMutablePointer<UnsafeMutableRawPointer?>
  let locations: [BufferLocation]

  init(locations: [BufferLocation], resolve: (BufferLocation) -> UnsafeMutableRawPointer?) {
    self.locations = locations
    pointer = .allocate(capacity: max(1, locations.count))
    pointer.initialize(repeating: nil, count: max(1, locations.count))
    for (index, location) in locations.enumerated() { pointer[index] = resolve(location) }
  }

  deinit { pointer.deallocate() }

  /// Points the slots that live in output arrays at this run's arrays.
  func bindOutputs(_ outputs: [UnsafeMutableRawPointer?]) {
    for (index, location) in locations.enumerated() {
      if case .output(let number) = location.storage, let base = outputs[number] {
        pointer[index] = base + location.byteOffset
      }
    }
  }
}
