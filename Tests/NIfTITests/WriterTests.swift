// The writers: round trips, datatype choice for labels, header patching for every version and
// byte order, value checks, and atomic output (no partial or temporary file ever left behind).
import Foundation
import NIfTI
import TensorCore
import XCTest

final class WriterTests: XCTestCase {
  var scratch: URL!

  override func setUpWithError() throws { scratch = try makeScratchFolder() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

  func syntheticHeader(version: Int = 1, bigEndian: Bool = false, dim: [Int] = [3, 4, 3, 2, 1, 1, 1, 1]) throws -> NIfTIHeader {
    var file = SyntheticNIfTI()
    file.version = version
    file.bigEndian = bigEndian
    file.dim = dim
    file.qformCode = 2
    file.quaternion = [0.1, 0.2, 0.3, 1.25, -2.5, 3.75]
    file.sclSlope = 2
    file.sclInter = -7
    file.data = [UInt8](repeating: 0, count: 48)
    return try NIfTIReader.decode(file.bytes(), path: "in.nii").header
  }

  func testLabelsRoundTripInEveryVersionAndByteOrder() throws {
    let labels = Tensor(shape: [2, 3, 4], data: (0..<24).map { Float($0 % 6) })
    for version in [1, 2] {
      for bigEndian in [false, true] {
        for name in ["seg.nii", "seg.nii.gz"] {
          let header = try syntheticHeader(version: version, bigEndian: bigEndian)
          let url = scratch.appendingPathComponent("v\(version)\(bigEndian)" + name)
          try NIfTIWriter.writeLabels(labels, like: header, to: url)
          let raw = try [UInt8](Data(contentsOf: url))
          XCTAssertEqual(raw.starts(with: [0x1F, 0x8B]), name.hasSuffix(".gz"), "gzip exactly when the name ends in .gz")
          let written = try NIfTIReader.read(url)
          let context = "NIfTI-\(version) \(bigEndian ? "BE" : "LE") \(name)"
          HeaderFields.assertGeometryBitIdentical(written.header, header)
          XCTAssertEqual(written.header.voxOffset, version == 1 ? 352 : 544, context)
          XCTAssertEqual(written.header.datatype, .uint8, context)
          XCTAssertEqual(written.header.bitpix, 8, context)
          XCTAssertEqual(written.header.sclSlope, 1, context)
          XCTAssertEqual(written.header.sclInter, 0, context)
          XCTAssertEqual(written.voxelsKJI, labels, context)
          if !name.hasSuffix(".gz") {
            XCTAssertEqual(raw.count, (version == 1 ? 352 : 544) + 24, "no extensions, one byte per label")
          }
        }
      }
    }
  }

  func testLabelsAbove255AreUInt16() throws {
    let header = try syntheticHeader()
    let url = scratch.appendingPathComponent("wide.nii.gz")
    var values = [Float](repeating: 3, count: 24)
    values[5] = 300
    values[23] = 65535
    try NIfTIWriter.writeLabels(Tensor(shape: [2, 3, 4], data: values), like: header, to: url)
    let written = try NIfTIReader.read(url)
    XCTAssertEqual(written.header.datatype, .uint16)
    XCTAssertEqual(written.header.bitpix, 16)
    XCTAssertEqual(written.voxelsKJI.data, values)

    let array16: [UInt16] = (0..<24).map { UInt16($0 * 1000) }
    try NIfTIWriter.writeLabels(array16, shapeKJI: [2, 3, 4], like: header, to: url)
    XCTAssertEqual(try NIfTIReader.read(url).voxelsKJI.data, array16.map(Float.init))
    let small16: [UInt16] = (0..<24).map { UInt16($0) }
    try NIfTIWriter.writeLabels(small16, shapeKJI: [2, 3, 4], like: header, to: url)
    XCTAssertEqual(try NIfTIReader.read(url).header.datatype, .uint8, "uint16 input that fits is stored as uint8")
    let array8: [UInt8] = (0..<24).map { UInt8($0 * 10) }
    try NIfTIWriter.writeLabels(array8, shapeKJI: [2, 3, 4], like: header, to: url)
    XCTAssertEqual(try NIfTIReader.read(url).voxelsKJI.data, array8.map(Float.init))
  }

  func testInvalidLabelsAreRejectedAndLeaveNoFile() throws {
    let header = try syntheticHeader()
    let url = scratch.appendingPathComponent("bad.nii.gz")
    for bad: Float in [-1, 1.5, 65536, .nan, .infinity] {
      var values = [Float](repeating: 1, count: 24)
      values[7] = bad
      expectNIfTIError({ try NIfTIWriter.writeLabels(Tensor(shape: [2, 3, 4], data: values), like: header, to: url) }) {
        if case .valueNotRepresentable(_, _, let index, _) = $0 { return index == 7 }
        return false
      }
    }
    expectNIfTIError({ try NIfTIWriter.writeLabels(Tensor(zeros: [2, 4, 3]), like: header, to: url) }) {
      if case .shapeMismatch(_, let expected, let actual) = $0 { return expected == [2, 3, 4] && actual == [2, 4, 3] }
      return false
    }
    expectNIfTIError({ try NIfTIWriter.writeLabels([UInt8](repeating: 0, count: 23), shapeKJI: [2, 3, 4], like: header, to: url) }) {
      if case .valueCountMismatch = $0 { return true }
      return false
    }
    XCTAssertEqual(try folderEntries(scratch), [], "nothing written, no temporary file")
  }

  func testFailedWritesLeaveNoPartialOrTemporaryFile() throws {
    let header = try syntheticHeader()
    let labels = Tensor(zeros: [2, 3, 4])
    let missingFolder = scratch.appendingPathComponent("no/such/folder/seg.nii.gz")
    let message = expectNIfTIError({ try NIfTIWriter.writeLabels(labels, like: header, to: missingFolder) }) {
      if case .writeFailed(let path, _) = $0 { return path == missingFolder.path }
      return false
    }
    XCTAssertTrue(message.contains("no output file"), message)
    XCTAssertEqual(try folderEntries(scratch), [])
    // Destination is a folder: the rename fails after the temporary file was written; it must be removed.
    let occupied = scratch.appendingPathComponent("occupied.nii")
    try FileManager.default.createDirectory(at: occupied.appendingPathComponent("inside"), withIntermediateDirectories: true)
    expectNIfTIError({ try NIfTIWriter.writeLabels(labels, like: header, to: occupied) }) {
      if case .writeFailed = $0 { return true }
      return false
    }
    XCTAssertEqual(try folderEntries(scratch), ["occupied.nii"], "the temporary file was cleaned up")
  }

  func testOverwriteReplacesTheWholeFile() throws {
    let header = try syntheticHeader()
    let url = scratch.appendingPathComponent("seg.nii")
    try Data(repeating: 0xAB, count: 100_000).write(to: url)
    try NIfTIWriter.writeLabels(Tensor(zeros: [2, 3, 4]), like: header, to: url)
    XCTAssertEqual(try Data(contentsOf: url).count, 352 + 24)
    XCTAssertEqual(try folderEntries(scratch), ["seg.nii"])
  }

  func testFloatWriterRoundTripsExactly() throws {
    let reference = try SharedFiles.reference()
    let url = scratch.appendingPathComponent("float.nii.gz")
    var values = reference.voxelsKJI.data.map { $0 / 7 }
    values[3] = .nan
    let image = Tensor(shape: reference.shapeKJI, data: values)
    try NIfTIWriter.writeFloat(image, like: reference.header, to: url)
    let written = try NIfTIReader.read(url)
    XCTAssertEqual(written.header.datatype, .float32)
    XCTAssertEqual(written.header.descrip, NIfTIWriter.floatDescription)
    XCTAssertTrue(bitwiseEqual(written.voxelsKJI.data, values))
    XCTAssertEqual(written.nonFiniteVoxelCount, 1)
    HeaderFields.assertGeometryBitIdentical(written.header, reference.header)
    XCTAssertEqual(Array(written.header.rawBytes[40..<56]), Array(reference.header.rawBytes[40..<56]))
  }

  func testGenericWriterInt16AndRangeChecks() throws {
    let header = try syntheticHeader(version: 2, bigEndian: true)
    let url = scratch.appendingPathComponent("ct.nii")
    let values = (0..<24).map { Float($0 * 100 - 1024) }
    try NIfTIWriter.write(Tensor(shape: [2, 3, 4], data: values), as: .int16, like: header, to: url, description: "phantom")
    let written = try NIfTIReader.read(url)
    XCTAssertEqual(written.header.datatype, .int16)
    XCTAssertEqual(written.header.descrip, "phantom")
    XCTAssertEqual(written.voxelsKJI.data, values)
    expectNIfTIError({
      try NIfTIWriter.write(Tensor(shape: [2, 3, 4], data: values.map { $0 * 100 }), as: .int16, like: header, to: url, description: "")
    }) { if case .valueNotRepresentable = $0 { return true }; return false }
  }

  func testFourDSingletonAndTwoDInputsAreWrittenAsThreeD() throws {
    for dim in [[4, 4, 3, 2, 1, 1, 1, 1], [5, 4, 3, 2, 1, 1, 1, 1]] {
      let header = try syntheticHeader(dim: dim)
      let url = scratch.appendingPathComponent("out.nii")
      try NIfTIWriter.writeLabels(Tensor(zeros: [2, 3, 4]), like: header, to: url)
      XCTAssertEqual(try NIfTIReader.read(url).header.dim, [3, 4, 3, 2, 1, 1, 1, 1])
    }
    let flat = try syntheticHeader(dim: [2, 4, 3, 0, 0, 0, 0, 0])
    let url = scratch.appendingPathComponent("flat.nii")
    try NIfTIWriter.writeLabels(Tensor(zeros: [1, 3, 4]), like: flat, to: url)
    XCTAssertEqual(try NIfTIReader.read(url).header.dim, [3, 4, 3, 1, 0, 0, 0, 0])
  }
}
