// The safetensors format: an 8-byte little-endian header length N, N bytes of JSON mapping each
// tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the data
// section after the header), and an optional "__metadata__" entry. Tensors are kept in data order.
import Archive
import Foundation
import TensorCore

enum SafetensorsReader {
  static let maxHeaderLength = 100 << 20

  struct Entry {
    var name: String
    var kind: ElementKind
    var shape: [Int]
    var range: Range<Int>
  }

  static func entries(_ source: RandomAccessBytes) throws -> (entries: [Entry], dataStart: Int) {
    let file = source.name
    func invalid(_ reason: String) -> CheckpointError { .invalidSafetensors(file: file, reason: reason) }
    guard source.count >= 8 else { throw invalid("shorter than its 8-byte header length") }
    var reader = ByteReader(try source.bytes(at: 0, count: 8, context: "the header length")) { _, _ in
      invalid("shorter than its 8-byte header length")
    }
    let length = try reader.u64()
    guard length <= UInt64(min(maxHeaderLength, source.count - 8)) else {
      throw invalid("the header claims \(length) bytes but the file holds \(source.count - 8) after the length")
    }
    let header = try source.bytes(at: 8, count: Int(length), context: "the JSON header")
    let json: Any
    do {
      json = try JSONSerialization.jsonObject(with: Data(header))
    } catch {
      throw invalid("the header is not valid JSON")
    }
    guard let table = json as? [String: Any] else { throw invalid("the header is not a JSON object") }
    let dataStart = 8 + Int(length)
    let dataLength = source.count - dataStart
    var entries: [Entry] = []
    for (name, value) in table where name != "__metadata__" {
      guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String,
        let shapeValues = fields["shape"] as? [Any], let offsetValues = fields["data_offsets"] as? [Any],
        offsetValues.count == 2
      else { throw invalid("entry '\(name)' lacks dtype, shape or data_offsets") }
      guard let kind = kinds[dtype] else { throw invalid("entry '\(name)' has unsupported dtype \(dtype)") }
      let shape = shapeValues.compactMap(jsonInt)
      let offsets = offsetValues.compactMap(jsonInt)
      guard shape.count == shapeValues.count, shape.allSatisfy({ $0 >= 0 }), offsets.count == 2 else {
        throw invalid("entry '\(name)' has a malformed shape or offsets")
      }
      guard let count = Tensor.checkedElementCount(shape) else { throw invalid("entry '\(name)' has an overflowing shape") }
      let (bytes, overflow) = count.multipliedReportingOverflow(by: kind.byteSize)
      guard !overflow, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength,
        offsets[1] - offsets[0] == bytes
      else {
        throw invalid(
          "entry '\(name)' (\(dtype) \(shape)) spans bytes \(offsets[0])..<\(offsets[1]) of a \(dataLength)-byte data section")
      }
      entries.append(Entry(name: name, kind: kind, shape: shape, range: offsets[0]..<offsets[1]))
    }
    entries.sort { ($0.range.lowerBound, $0.name) < ($1.range.lowerBound, $1.name) }
    return (entries, dataStart)
  }

  static let kinds: [String: ElementKind] = [
    "F32": .float32, "F16": .float16, "BF16": .bfloat16, "F64": .float64, "I64": .int64, "I32": .int32,
    "I16": .int16, "I8": .int8, "U8": .uint8, "BOOL": .bool,
  ]

  static func jsonInt(_ value: Any) -> Int? {
    if let number = value as? Int { return number }
    if let number = value as? NSNumber, number.doubleValue == number.doubleValue.rounded(),
      abs(number.doubleValue) < 0x1p62
    {
      return number.intValue
    }
    return nil
  }

  static func readTensor(_ entry: Entry, from source: RandomAccessBytes, dataStart: Int) throws -> Tensor {
    let count = entry.range.count / max(entry.kind.byteSize, 1)
    let dtype: DType = [.float32, .float64, .float16, .bfloat16].contains(entry.kind) ? .f32 : entry.kind.tensorDType
    let data = try [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      try NumpyFile.readElements(
        from: source, at: dataStart + entry.range.lowerBound, kind: entry.kind, bigEndian: false, into: buffer)
      initialized = count
    }
    return try Tensor(validatingShape: entry.shape, data: data, dtype: dtype)
  }
}
