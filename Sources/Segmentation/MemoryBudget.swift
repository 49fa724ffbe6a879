// Checks, before anything large is allocated, that a segmentation fits in this machine's memory:
// the resampled (padded) volume, a few volume-sized work arrays of the resampling and export, and
// the aggregation band ((classes + 1) x patch rows x plane, SlabAggregator). A fine --spacing or a
// huge scan then gets an error that names the sizes and what to change, instead of an allocation
// failure deep inside a step.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum MemoryBudget {
  /// Volume-sized float arrays alive at once at the worst point (resampling input and output,
  /// the padded copy), besides the band.
  static let volumeCopies = 3

  /// Bytes of physical memory (nil when the system does not say).
  public static var physicalBytes: Int? {
    let pages = sysconf(Int32(_SC_PHYS_PAGES))
    let size = sysconf(Int32(_SC_PAGESIZE))
    guard pages > 0, size > 0 else { return nil }
    let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
    return overflow ? Int.max : bytes
  }

  /// Estimated peak bytes of the pipeline's own arrays (saturating), for the padded grid
  /// `paddedShape` (k, j, i), the patch and the class count.
  public static func estimate(paddedShape: [Int], patch: [Int], classes: Int) -> Int {
    func product(_ values: [Int]) -> Int {
      values.reduce(1) { total, value in
        let (result, overflow) = total.multipliedReportingOverflow(by: max(value, 0))
        return overflow ? Int.max : result
      }
    }
    let volume = product(paddedShape + [4, volumeCopies])
    let bandRows = min(patch.first ?? 0, paddedShape.first ?? 0)
    let band = product([classes + 1, bandRows] + Array(paddedShape.dropFirst()) + [4])
    let (sum, overflow) = volume.addingReportingOverflow(band)
    return overflow ? Int.max : sum
  }

  /// Throws when the estimate exceeds the physical memory (`available` overrides it in tests).
  public static func check(
    paddedShape: [Int], resampledShape: [Int], patch: [Int], classes: Int, targetSpacing: [Double], available: Int? = nil
  ) throws {
    guard let available = available ?? physicalBytes else { return }
    let needed = estimate(paddedShape: paddedShape, patch: patch, classes: classes)
    guard needed > available else { return }
    let gib = { (bytes: Int) in bytes == Int.max ? "more than 8 EiB" : "\(Double(bytes) / Double(1 << 30)) GiB" }
    throw SegmentationError.invalidParameter(
      step: "memory check", name: "target spacing",
      value: "\(targetSpacing) mm (the image resamples to \(resampledShape) voxels)",
      expected: "a grid that fits: about \(gib(needed)) would be needed, this machine has \(gib(available)); "
        + "use a coarser --spacing (the checkpoint's plans give the spacing it was trained at) or crop the scan")
  }
}
