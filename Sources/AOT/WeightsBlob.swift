// The packed weights of a model as one byte blob: each weight appended at the next 64-byte
// boundary (so every kernel reads aligned vectors), named, with its region for the schedule.
// Written to weights.bin after the header (WeightsFileHeader).
import AOTRuntime

public struct WeightsBlob: Sendable {
  public static let alignment = 64
  public private(set) var bytes: [UInt8] = []
  public private(set) var entries: [WeightsFileHeader.Entry] = []

  public init() {}

  /// A blob packed elsewhere, with its named regions (checked to lie inside it).
  public init(bytes: [UInt8], entries: [WeightsFileHeader.Entry]) throws {
    for entry in entries {
      guard entry.offset >= 0, entry.byteCount >= 0, entry.offset <= bytes.count, entry.byteCount <= bytes.count - entry.offset
      else { throw AOTError.invalidSchedule("weight '\(entry.name)' at \(entry.offset) (+\(entry.byteCount)) lies outside the blob") }
    }
    self.bytes = bytes
    self.entries = entries
  }

  public var byteCount: Int { bytes.count }

  /// Appends `values` (already in the kernel's layout) and returns where they lie.
  public mutating func append(_ values: [Float], name: String) -> AOTRegion {
    let offset = (bytes.count + WeightsBlob.alignment - 1) / WeightsBlob.alignment * WeightsBlob.alignment
    bytes += [UInt8](repeating: 0, count: offset - bytes.count)
    #if _endian(little)
      values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    #else
      for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    #endif
    entries.append(WeightsFileHeader.Entry(name: name, offset: offset, byteCount: values.count * 4))
    return AOTRegion(.weights, offset: offset, byteCount: values.count * 4)
  }

  /// The region of an entry appended before, by name.
  public func region(named name: String) -> AOTRegion? {
    entries.first { $0.name == name }.map { AOTRegion(.weights, offset: $0.offset, byteCount: $0.byteCount) }
  }

  public var checksum: UInt64 { bytes.withUnsafeBytes { FNV1a.hash($0) } }
}
