// Turns a ZIP archive without its end records into "truncated zip archive: N of at least M bytes".
// PyTorch writes entry sizes only in data descriptors after each entry, so when the file ends inside
// an entry its size comes from the checkpoint's own pickle: data.pkl (written first) names every
// storage with its element count, from which each data/<key> entry's size follows.
import Archive

enum TruncatedZipDiagnosis {
  static func explain(_ source: RandomAccessBytes) throws -> CheckpointError {
    let first = try ZipTruncationScan.scan(source, expectedEntrySize: { _ in nil })
    var expectedSizes: [String: Int] = [:]
    if let pickleEntry = first.entries.first(where: { $0.name.hasSuffix("data.pkl") && $0.isComplete && $0.method == 0 }),
      let range = pickleEntry.dataRange
    {
      let root = String(pickleEntry.name.dropLast("data.pkl".count))
      let pickle = SliceBytes(base: source, range: range, name: source.name + "[" + pickleEntry.name + "]")
      if let document = try? PickleMachine.load(pickle) {
        for node in document.nodes {
          guard case .storage(let storage) = node, let kind = storage.kind else { continue }
          let (bytes, overflow) = storage.elementCount.multipliedReportingOverflow(by: kind.byteSize)
          if !overflow { expectedSizes[root + "data/" + storage.key] = bytes }
        }
      }
    }
    let scan = expectedSizes.isEmpty ? first : try ZipTruncationScan.scan(source, expectedEntrySize: { expectedSizes[$0] })
    return .truncatedZip(
      file: source.name, presentBytes: source.count, expectedAtLeast: scan.minimumTotalSize, detail: scan.summary)
  }
}
