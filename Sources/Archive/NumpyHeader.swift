// The .npy header (NumPy format v1/v2/v3): magic "\x93NUMPY", version, header length, then a
// Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
// spaces to a multiple of 64 bytes. Parsing accepts only that small literal grammar.

public struct NumpyHeader: Equatable, Sendable {
  public var kind: ElementKind
  public var bigEndian: Bool
  public var fortranOrder: Bool
  public var shape: [Int]
  /// Offset of the array data from the start of the file.
  public var dataOffset: Int

  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
  static let maxHeaderLength = 1 << 20

  /// Parses the header from the first bytes of `source`.
  public static func read(from source: RandomAccessBytes) throws -> NumpyHeader {
    func invalid(_ reason: String) -> ArchiveError { .invalidNumpyFile(file: source.name, reason: reason) }
    guard source.count >= 10 else { throw invalid("\(source.count) bytes are too few for a header") }
    let prefix = try source.bytes(at: 0, count: 12 <= source.count ? 12 : 10, context: "the .npy preamble")
    guard Array(prefix[0..<6]) == magic else { throw invalid("the magic string \\x93NUMPY is missing") }
    let major = prefix[6]
    let lengthWidth: Int
    switch major {
    case 1: lengthWidth = 2
    case 2, 3: lengthWidth = 4
    default: throw invalid("format version \(major).\(prefix[7]) is unknown")
    }
    guard prefix.count >= 8 + lengthWidth else { throw invalid("the header length is cut off") }
    let headerLength = Int(littleEndianValue(prefix, at: 8, width: lengthWidth))
    let headerStart = 8 + lengthWidth
    guard headerLength <= maxHeaderLength, headerLength <= source.count - headerStart else {
      throw invalid("the header claims \(headerLength) bytes but the file has \(source.count - headerStart) left")
    }
    let text = try source.bytes(at: headerStart, count: headerLength, context: "the .npy header")
    var parser = PythonLiteralParser(text)
    let literal: PythonLiteral
    do {
      literal = try parser.parseValue()
    } catch let error as PythonLiteralParser.SyntaxError {
      throw ArchiveError.malformedNumpyHeader(file: source.name, offset: headerStart + error.offset, reason: error.message)
    }
    guard case .dictionary(let fields) = literal, parser.isAtEndIgnoringSpace else {
      throw invalid("the header is not a Python dict literal")
    }
    func field(_ key: String) throws -> PythonLiteral {
      guard let value = fields.first(where: { $0.0 == .string(key) })?.1 else { throw invalid("no '\(key)' in the header") }
      return value
    }
    guard case .string(let descr) = try field("descr") else {
      throw ArchiveError.unsupportedNumpyDType(file: source.name, descr: "(structured dtype)")
    }
    guard case .bool(let fortran) = try field("fortran_order") else { throw invalid("'fortran_order' is not a bool") }
    guard case .tuple(let dims) = try field("shape") else { throw invalid("'shape' is not a tuple") }
    var shape: [Int] = []
    for dim in dims {
      guard case .integer(let value) = dim, value >= 0 else { throw invalid("'shape' holds a non-integer or negative size") }
      shape.append(value)
    }
    let (kind, bigEndian) = try dtype(descr, file: source.name)
    return NumpyHeader(
      kind: kind, bigEndian: bigEndian, fortranOrder: fortran, shape: shape, dataOffset: headerStart + headerLength)
  }

  /// Maps a NumPy type string such as '<f4' or '|b1' to an element kind and byte order.
  static func dtype(_ descr: String, file: String) throws -> (ElementKind, Bool) {
    let characters = Array(descr)
    guard characters.count >= 3 else { throw ArchiveError.unsupportedNumpyDType(file: file, descr: descr) }
    let order = characters[0]
    let code = String(characters[1...])
    let kinds: [String: ElementKind] = [
      "f4": .float32, "f8": .float64, "f2": .float16, "i8": .int64, "i4": .int32, "i2": .int16,
      "i1": .int8, "u1": .uint8, "b1": .bool,
    ]
    guard let kind = kinds[code], "<>|=".contains(order) else {
      throw ArchiveError.unsupportedNumpyDType(file: file, descr: descr)
    }
    return (kind, order == ">" && kind.byteSize > 1)
  }

  /// The header bytes for a little-endian C-order array, padded so the data starts at a multiple of 64.
  static func encode(kind: ElementKind, shape: [Int]) -> [UInt8] {
    // Kinds come from `ElementKind(writing:)`, which never yields bfloat16 (NumPy has no such type).
    precondition(kind != .bfloat16, "NumPy has no bfloat16; convert to float32 before writing")
    let code: String
    switch kind {
    case .float32: code = "<f4"
    case .float64: code = "<f8"
    case .float16: code = "<f2"
    case .int64: code = "<i8"
    case .int32: code = "<i4"
    case .int16: code = "<i2"
    case .int8: code = "|i1"
    case .uint8: code = "|u1"
    case .bool: code = "|b1"
    case .bfloat16: code = "<u2"  // unreachable (see the precondition above)
    }
    let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
    let dict = "{'descr': '\(code)', 'fortran_order': False, 'shape': (\(dims)), }"
    var version: UInt8 = 1
    var lengthWidth = 2
    if dict.utf8.count + 1 + 10 > 65535 {
      version = 2
      lengthWidth = 4
    }
    let unpadded = 6 + 2 + lengthWidth + dict.utf8.count + 1
    let padding = (64 - unpadded % 64) % 64
    let headerLength = dict.utf8.count + padding + 1
    var bytes = magic + [version, 0]
    for index in 0..<lengthWidth { bytes.append(UInt8(truncatingIfNeeded: headerLength >> (8 * index))) }
    bytes += Array(dict.utf8) + [UInt8](repeating: 0x20, count: padding) + [0x0A]
    return bytes
  }
}
