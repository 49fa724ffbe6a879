// .npy reading and writing: round trips for every written dtype, float32 written from caller-owned
// memory, hand-made headers of format versions 1-3, big-endian data, Fortran order, and malformed
// files that must fail with errors.
import Archive
import Foundation
import TensorCore
import XCTest

final class NumpyFileTests: XCTestCase {
  func testRoundTripEveryWrittenDType() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let cases: [(Tensor, String)] = [
      (Tensor(shape: [2, 3], data: [1.5, -2, 3.25, 0, 1e-3, 7]), "<f4"),
      (Tensor(shape: [4], data: [1, -0.5, 65504, 0.099975586], dtype: .f16), "<f2"),
      (Tensor(shape: [3, 1], data: [-3, 0, 12345], dtype: .i64), "<i8"),
      (Tensor(shape: [2], data: [-7, 2_000_000], dtype: .i32), "<i4"),
      (Tensor(shape: [1, 2, 2], data: [0, 1, 2, 255], dtype: .u8), "|u1"),
      (Tensor(shape: [], data: [42]), "<f4"),
      (Tensor(shape: [0, 3], data: []), "<f4"),
    ]
    for (index, (tensor, descr)) in cases.enumerated() {
      let url = folder.appendingPathComponent("case\(index).npy")
      try NumpyFile.write(tensor, to: url)
      let bytes = try [UInt8](Data(contentsOf: url))
      let headerText = String(decoding: bytes.prefix(128), as: UTF8.self)
      XCTAssertTrue(headerText.contains("'descr': '\(descr)'"), "case \(index): \(headerText)")
      let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      XCTAssertEqual((10 + headerLength) % 64, 0, "data must start 64-byte aligned")
      XCTAssertEqual(try NumpyFile.read(url), tensor, "case \(index)")
    }
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }
    XCTAssertEqual(leftovers, [], "atomic writes leave no temporary files")
  }

  func testFloat32WriteFromCallerMemoryEqualsTensorWrite() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let tensor = Tensor(shape: [1, 2, 3, 5], data: (0..<30).map { Float($0) * 0.25 - 3 })
    let fromMemory = folder.appendingPathComponent("memory.npy")
    let fromTensor = folder.appendingPathComponent("tensor.npy")
    try tensor.data.withUnsafeBufferPointer { try NumpyFile.write(float32: $0, shape: tensor.shape, to: fromMemory) }
    try NumpyFile.write(tensor, to: fromTensor)
    XCTAssertEqual(try Data(contentsOf: fromMemory), try Data(contentsOf: fromTensor))
    XCTAssertEqual(try NumpyFile.read(fromMemory), tensor)

    let wrong = folder.appendingPathComponent("wrong.npy")
    for shape in [[1, 2, 3, 4], [-1, -30], [Int.max, 2]] {
      XCTAssertThrowsError(try tensor.data.withUnsafeBufferPointer { try NumpyFile.write(float32: $0, shape: shape, to: wrong) }) {
        XCTAssertTrue("\($0)".contains("does not describe the 30 values"), "\($0)")
      }
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: wrong.path), "nothing is written for a wrong shape")
  }

  func testHeaderVersionsTwoAndThree() throws {
    let data = littleEndianBytes([Float(1.5).bitPattern, Float(-4).bitPattern])
    for version: UInt8 in [1, 2, 3] {
      let bytes = handMadeNpy(version: version, header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data: data)
      let tensor = try NumpyFile.read(from: MemoryBytes(bytes))
      XCTAssertEqual(tensor, Tensor(shape: [2], data: [1.5, -4]), "version \(version)")
    }
  }

  func testBigEndianDoubleBoolAndInt() throws {
    let doubleBits = [Double(0.25).bitPattern, Double(-3).bitPattern].map { $0.byteSwapped }
    let doubles = handMadeNpy(version: 1, header: "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", data: littleEndianBytes(doubleBits))
    XCTAssertEqual(try NumpyFile.read(from: MemoryBytes(doubles)), Tensor(shape: [2], data: [0.25, -3]))
    let bools = handMadeNpy(version: 1, header: "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", data: [1, 0, 1])
    XCTAssertEqual(try NumpyFile.read(from: MemoryBytes(bools)), Tensor(shape: [3], data: [1, 0, 1], dtype: .u8))
    let ints = handMadeNpy(version: 1, header: "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", data: littleEndianBytes([Int64(-5), 1 << 40]))
    XCTAssertEqual(try NumpyFile.read(from: MemoryBytes(ints)), Tensor(shape: [2], data: [-5, 0x1p40], dtype: .i64))
  }

  func testFortranOrderIsTransposedToC() throws {
    // Shape (2, 3, 2) in column-major order: element (i, j, k) is stored at i + 2 * (j + 3 * k).
    let shape = [2, 3, 2]
    var fortran = [Float](repeating: 0, count: 12)
    var expected = [Float](repeating: 0, count: 12)
    for i in 0..<2 { for j in 0..<3 { for k in 0..<2 {
      let value = Float(100 * i + 10 * j + k)
      fortran[i + 2 * (j + 3 * k)] = value
      expected[(i * 3 + j) * 2 + k] = value
    } } }
    let bytes = handMadeNpy(version: 1, header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 2), }", data: littleEndianBytes(fortran.map(\.bitPattern)))
    XCTAssertEqual(try NumpyFile.read(from: MemoryBytes(bytes)), Tensor(shape: shape, data: expected))
  }

  func testMalformedFilesThrow() {
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }"
    let cases: [(String, [UInt8])] = [
      ("huge shape", handMadeNpy(version: 1, header: header, data: [0, 0, 0, 0])),
      ("overflowing shape", handMadeNpy(version: 1, header: "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", data: [])),
      ("structured dtype", handMadeNpy(version: 1, header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0])),
      ("complex dtype", handMadeNpy(version: 1, header: "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", data: [UInt8](repeating: 0, count: 8))),
      ("missing shape", handMadeNpy(version: 1, header: "{'descr': '<f4', 'fortran_order': False, }", data: [])),
      ("not npy", Array("hello world, this is text".utf8)),
      ("short data", handMadeNpy(version: 1, header: "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data: [0, 0, 0, 0])),
    ]
    for (label, bytes) in cases {
      XCTAssertThrowsError(try NumpyFile.read(from: MemoryBytes(bytes)), label) { error in
        XCTAssertTrue(error is ArchiveError, "\(label): \(error)")
      }
    }
  }

  /// Syntax errors in the header literal name the file, the byte offset and what is wrong.
  func testMalformedHeaderLiteralSaysWhereAndWhat() {
    let prefix = "{'descr': '<f4', 'fortran_order': False, 'shape': "
    let headerStart = 10  // magic, version and a 2-byte length (format 1.0)
    // Offset nil: the end of the (padded) header, where the text stops too early.
    let cases: [(label: String, header: String, offset: Int?, what: String)] = [
      ("unterminated shape", prefix + "(2, 3", nil, "expected ',' or ')' in a tuple, found the end of the header"),
      ("huge dimension", prefix + "(100000000000000000000000,), }", headerStart + prefix.utf8.count + 1, "integer 100000000000000000000000 out of range"),
      ("deep nesting", prefix + String(repeating: "(", count: 20000), headerStart + prefix.utf8.count + 15, "nested more than 16 levels deep"),
      ("misquoted key", "{'descr: '<f4'}", headerStart + 10, "expected ':' after a dict key, found '<'"),
      ("missing value", prefix + ", }", headerStart + prefix.utf8.count, "expected a value, found ','"),
    ]
    for (label, header, offset, what) in cases {
      let bytes = handMadeNpy(version: 1, header: header, data: [])
      let offset = offset ?? bytes.count
      XCTAssertThrowsError(try NumpyFile.read(from: MemoryBytes(bytes, name: "weights.npy")), label) { error in
        guard case ArchiveError.malformedNumpyHeader("weights.npy", let at, let reason) = error else {
          return XCTFail("\(label): \(error)")
        }
        XCTAssertTrue(reason.contains(what), "\(label): \(error)")
        XCTAssertEqual(at, offset, "\(label): \(error)")
        XCTAssertTrue("\(error)".hasPrefix("weights.npy: malformed .npy header at offset \(offset): \(what)"), "\(label): \(error)")
      }
    }
  }
}
