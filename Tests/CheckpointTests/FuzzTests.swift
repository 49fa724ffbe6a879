// Bounded in-process mutation fuzzing of the checkpoint loader: deterministic byte flips, bit flips,
// saturated fields, truncations, insertions, deletions and duplicated chunks applied to real
// checkpoints (torch zip, legacy, a small case file) and an nnU-Net plans pickle. Each input must
// either load or throw; a trap would end the test process, and the memory high-water mark and the
// slowest iteration are printed (and bounded) to catch runaway allocation or near-hangs.
import Archive
import Checkpoint
import Foundation
import XCTest

/// SplitMix64: a tiny deterministic generator, so every run mutates the same way.
struct SplitMix64 {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }
}

struct Mutator {
  var random: SplitMix64

  /// A position biased towards the structure-bearing parts: the head (pickle, local headers) and the
  /// tail (central directory, end records) of the file.
  mutating func position(in count: Int) -> Int {
    switch random.below(4) {
    case 0, 1: return random.below(min(count, 65536))
    case 2: return max(0, count - 1 - random.below(min(count, 4096)))
    default: return random.below(count)
    }
  }

  /// Same-length changes inside `range` only (e.g. a ZIP entry's payload, so the container stays
  /// intact and the pickle and tensor code behind it is exercised).
  mutating func mutate(_ input: [UInt8], within range: Range<Int>) -> [UInt8] {
    var bytes = input
    for _ in 0..<(1 + random.below(4)) {
      let at = range.lowerBound + random.below(range.count)
      switch random.below(3) {
      case 0: bytes[at] = UInt8(truncatingIfNeeded: random.next())
      case 1: bytes[at] ^= 1 << UInt8(random.below(8))
      default: bytes[at] = [0x00, 0xFF, 0x7F, 0x80, 0x28, 0x2E, 0x74][random.below(7)]
      }
    }
    return bytes
  }

  mutating func mutate(_ input: [UInt8]) -> [UInt8] {
    var bytes = input
    for _ in 0..<(1 + random.below(3)) {
      guard !bytes.isEmpty else { return bytes }
      let at = position(in: bytes.count)
      switch random.below(7) {
      case 0: bytes[at] = UInt8(truncatingIfNeeded: random.next())
      case 1: bytes[at] ^= 1 << UInt8(random.below(8))
      case 2:
        let value: [UInt8] = [0x00, 0xFF, 0x7F, 0x80][random.below(4)] == 0xFF ? [0xFF, 0xFF, 0xFF, 0xFF] : [0x00, 0x00, 0x00, 0x80]
        for offset in 0..<min(4, bytes.count - at) { bytes[at + offset] = value[offset] }
      case 3: bytes.removeSubrange(at...)
      case 4: bytes.insert(contentsOf: (0..<(1 + random.below(16))).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: at)
      case 5: bytes.removeSubrange(at..<min(bytes.count, at + 1 + random.below(64)))
      default:
        let length = min(bytes.count - at, 1 + random.below(256))
        bytes.insert(contentsOf: bytes[at..<at + length], at: min(bytes.count, at + length))
      }
    }
    return bytes
  }
}

final class FuzzTests: XCTestCase {
  private struct Tally: CustomStringConvertible {
    var iterations = 0
    var loaded = 0
    var failures: [String: Int] = [:]
    var slowest = 0.0
    var description: String {
      let kinds = failures.sorted { $0.value > $1.value }.prefix(6).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
      return "\(iterations) iterations, \(loaded) loaded, errors: \(kinds); slowest "
        + String(format: "%.3f s", slowest)
    }
  }

  private func errorKind(_ error: Error) -> String {
    let text = "\(error)"
    if let colon = text.firstIndex(of: ":") {
      let rest = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      return String(rest.prefix(28))
    }
    return String(text.prefix(28))
  }

  private func fuzz(
    _ seed: [UInt8], iterations: Int, seedValue: UInt64, focus: Range<Int>? = nil, body: ([UInt8]) throws -> Void
  ) -> Tally {
    var mutator = Mutator(random: SplitMix64(state: seedValue))
    var tally = Tally()
    for iteration in 0..<iterations {
      // With a focus range, every other input keeps the container intact and mutates only that range.
      let input = focus.map { iteration % 2 == 0 ? mutator.mutate(seed, within: $0) : mutator.mutate(seed) } ?? mutator.mutate(seed)
      let start = Date()
      do {
        try body(input)
        tally.loaded += 1
      } catch {
        tally.failures[errorKind(error), default: 0] += 1
      }
      tally.slowest = max(tally.slowest, Date().timeIntervalSince(start))
      tally.iterations += 1
    }
    return tally
  }

  /// `STUNETC_FUZZ_SCALE=N` multiplies the iteration budget and varies the seeds (default 1 in CI).
  private var scale: Int {
    max(1, ProcessInfo.processInfo.environment["STUNETC_FUZZ_SCALE"].flatMap { Int($0) } ?? 1)
  }

  func testMutatedCheckpointsOnlyLoadOrThrow() throws {
    let scale = self.scale
    let seedOffset = UInt64(scale == 1 ? 0 : scale * 7919)
    let seeds: [(String, Int)] = [
      ("golden/stunet_tiny_v1.model", 300),
      ("golden/stunet_tiny_legacy.model", 400),
      ("cases/files/weights/c35c_tiny_checkpoint_ok.model", 6000),
    ]
    let residentBefore = PeakMemory.statusBytes("VmRSS")
    let canMeasure = PeakMemory.resetHighWaterMark()
    var total = 0
    for (index, (path, iterations)) in seeds.enumerated() {
      let bytes = try [UInt8](Data(contentsOf: sharedFile(path)))
      // For torch zip files, focus half of the mutations on data.pkl.
      var focus: Range<Int>?
      if let archive = try? ZipArchive(source: MemoryBytes(bytes)),
        let entry = archive.entries.first(where: { $0.name.hasSuffix("/data.pkl") })
      {
        focus = try archive.storedRange(of: entry)
      }
      let tally = fuzz(
        bytes, iterations: iterations * scale, seedValue: 0x5EED + UInt64(index) + seedOffset, focus: focus
      ) { input in
        _ = try CheckpointLoader.load(source: MemoryBytes(input, name: "mutant"))
      }
      total += tally.iterations
      print("fuzz \(path): \(tally)")
      XCTAssertLessThan(tally.slowest, 10, "an iteration took \(tally.slowest) s")
    }
    let plans = try [UInt8](Data(contentsOf: sharedFile("golden/plans/small_ep4k.model.pkl")))
    let tally = fuzz(plans, iterations: 8000 * scale, seedValue: 0xB1A5 + seedOffset) { input in
      _ = try NNUNetPlans.decodeV1(PickleMachine.load(input), source: "mutant")
    }
    total += tally.iterations
    print("fuzz small_ep4k.model.pkl: \(tally)")
    print("fuzz: \(total) iterations in all, every one loaded or threw")
    if canMeasure, let before = residentBefore, let peak = PeakMemory.statusBytes("VmHWM") {
      print("fuzz: RSS \(before / 1_048_576) MiB before, high-water mark \(peak / 1_048_576) MiB")
      XCTAssertLessThan(peak - before, 512 * 1_048_576, "mutated inputs must not allocate without bound")
    }
  }
}
