// Damaged, truncated, mislabelled and absurd inputs: each must give a typed error naming the
// file, never a crash or an oversized allocation.
import Foundation
import NIfTI
import TensorCore
import XCTest

final class HostileInputTests: XCTestCase {
  func decode(_ bytes: [UInt8]) throws -> NIfTIImage { try NIfTIReader.decode(bytes, path: "bad.nii") }

  func testEmptyFile() throws {
    expectNIfTIError({ _ = try self.decode([]) }) { if case .emptyFile = $0 { return true }; return false }
    let scratch = try makeScratchFolder()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let url = scratch.appendingPathComponent("empty.nii.gz")
    XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: Data()))
    let message = expectNIfTIError({ _ = try NIfTIReader.read(url) }) { if case .emptyFile = $0 { return true }; return false }
    XCTAssertTrue(message.contains(url.path), message)
    // A gzip file that decompresses to nothing.
    expectNIfTIError({ _ = try self.decode(StoredGzip.member([])) }) { if case .emptyFile = $0 { return true }; return false }
  }

  func testMissingFile() {
    expectNIfTIError({ _ = try NIfTIReader.read(URL(fileURLWithPath: "/nonexistent/ct.nii.gz")) }) {
      if case .unreadable(let path, _) = $0 { return path == "/nonexistent/ct.nii.gz" }
      return false
    }
  }

  func testWrongMagic() {
    let html = Array("<!DOCTYPE html><html><body>404</body></html>".utf8)
    let message = expectNIfTIError({ _ = try self.decode(html) }) { if case .notNIfTI = $0 { return true }; return false }
    XCTAssertTrue(message.contains("3c 21 44 4f"), "shows the first bytes: \(message)")
    expectNIfTIError({ _ = try self.decode([1, 2]) }) { if case .truncated = $0 { return true }; return false }

    var analyze = SyntheticNIfTI()
    analyze.magic = [0, 0, 0, 0]
    analyze.data = [UInt8](repeating: 0, count: 48)
    expectNIfTIError({ _ = try self.decode(analyze.bytes()) }) {
      if case .unsupportedFormat(_, let what, _) = $0 { return what.contains("Analyze") }
      return false
    }
    var pair = analyze
    pair.magic = [0x6E, 0x69, 0x31, 0]
    expectNIfTIError({ _ = try self.decode(pair.bytes()) }) {
      if case .unsupportedFormat(_, let what, _) = $0 { return what.contains(".hdr") }
      return false
    }
  }

  func testTruncatedHeaderDataAndGzip() throws {
    var file = SyntheticNIfTI()
    file.data = [UInt8](repeating: 7, count: 48)
    let bytes = file.bytes()
    expectNIfTIError({ _ = try self.decode(Array(bytes[0..<200])) }) {
      if case .truncated(_, _, let needed, let available) = $0 { return needed == 348 && available == 200 }
      return false
    }
    expectNIfTIError({ _ = try self.decode(Array(bytes.dropLast(10))) }) {
      if case .truncated(_, _, let needed, let available) = $0 { return needed == 400 && available == 390 }
      return false
    }
    // Gzip cut in the middle of a member.
    let gzip = StoredGzip.member(bytes)
    expectNIfTIError({ _ = try self.decode(Array(gzip.prefix(gzip.count - 30))) }) {
      if case .corruptCompression(_, let reason) = $0 { return reason.contains("truncated") }
      return false
    }
    // Complete gzip, but the decompressed image is short.
    expectNIfTIError({ _ = try self.decode(StoredGzip.member(Array(bytes.dropLast(2)))) }) {
      if case .truncated = $0 { return true }
      return false
    }
  }

  func testRealGzipCutInHalf() throws {
    let real = try [UInt8](Data(contentsOf: SharedFiles.caseFile("c00_reference.nii.gz")))
    expectNIfTIError({ _ = try self.decode(Array(real.prefix(real.count / 2))) }) {
      if case .corruptCompression = $0 { return true }
      return false
    }
  }

  func testDamagedGzipChecksum() {
    var file = SyntheticNIfTI()
    file.data = [UInt8](repeating: 1, count: 48)
    expectNIfTIError({ _ = try self.decode(StoredGzip.member(file.bytes(), corruptCRC: true)) }) {
      if case .corruptCompression = $0 { return true }
      return false
    }
  }

  func testAbsurdDimensions() {
    var huge = SyntheticNIfTI()
    huge.dim = [3, 32767, 32767, 32767, 1, 1, 1, 1]
    huge.data = [UInt8](repeating: 0, count: 64)
    expectNIfTIError({ _ = try self.decode(huge.bytes()) }) { if case .truncated = $0 { return true }; return false }
    expectNIfTIError({ _ = try self.decode(StoredGzip.member(huge.bytes())) }) {
      if case .tooLarge = $0 { return true }
      return false
    }
    var overflow = SyntheticNIfTI()
    overflow.version = 2
    overflow.dim = [3, 1 << 40, 1 << 40, 1 << 40, 1, 1, 1, 1]
    expectNIfTIError({ _ = try self.decode(overflow.bytes()) }) { if case .tooLarge = $0 { return true }; return false }
    overflow.dim = [3, 1 << 31, 1 << 31, 1, 1, 1, 1, 1]
    overflow.datatype = 64
    overflow.bitpix = 64
    expectNIfTIError({ _ = try self.decode(overflow.bytes()) }) { if case .tooLarge = $0 { return true }; return false }

    for dim in [[3, 4, -3, 2, 1, 1, 1, 1], [3, 4, 0, 2, 1, 1, 1, 1], [0, 4, 3, 2, 1, 1, 1, 1], [9, 4, 3, 2, 1, 1, 1, 1]] {
      var bad = SyntheticNIfTI()
      bad.dim = dim
      bad.data = [UInt8](repeating: 0, count: 48)
      expectNIfTIError({ _ = try self.decode(bad.bytes()) }) {
        if case .invalidHeader(_, let field, _, _) = $0 { return field.hasPrefix("dim") }
        return false
      }
    }
  }

  func testVoxOffsetChecks() {
    for offset in [100.0, 347.0, 400.5, .nan, .infinity] {
      var file = SyntheticNIfTI()
      file.voxOffset = offset
      file.data = [UInt8](repeating: 0, count: 48)
      expectNIfTIError({ _ = try self.decode(file.bytes()) }) {
        if case .invalidHeader(_, let field, _, _) = $0 { return field == "vox_offset" }
        return false
      }
    }
    var beyond = SyntheticNIfTI()
    beyond.voxOffset = 4096
    beyond.data = [UInt8](repeating: 0, count: 48)
    expectNIfTIError({ _ = try self.decode(beyond.bytes()) }) { if case .truncated = $0 { return true }; return false }
  }

  func testUnsupportedDatatypes() {
    for (code, name) in [(32, "complex64"), (128, "RGB24"), (1792, "complex128"), (2304, "RGBA32"), (1, "binary"), (1536, "float128"), (3, "non-standard")] {
      var file = SyntheticNIfTI()
      file.datatype = code
      file.data = [UInt8](repeating: 0, count: 400)
      let message = expectNIfTIError({ _ = try self.decode(file.bytes()) }) {
        if case .unsupportedDatatype(_, let got, _) = $0 { return got == code }
        return false
      }
      XCTAssertTrue(message.contains(name), message)
    }
  }

  func testZeroOrNonFiniteSpacing() {
    for spacing in [0.0, .nan] {
      var file = SyntheticNIfTI()
      file.pixdim[2] = spacing
      file.data = [UInt8](repeating: 0, count: 48)
      expectNIfTIError({ _ = try self.decode(file.bytes()) }) {
        if case .invalidHeader(_, let field, _, _) = $0 { return field == "pixdim[2]" }
        return false
      }
    }
  }

  func testHostileHeaderFuzzNeverCrashes() throws {
    // Random corruption of a valid small file: every outcome is an image or a NIfTIError.
    var file = SyntheticNIfTI()
    file.data = (0..<48).map { UInt8($0) }
    let valid = file.bytes()
    var generator = SplitMix(seed: 42)
    for round in 0..<2000 {
      var bytes = round % 2 == 0 ? valid : StoredGzip.member(valid)
      for _ in 0..<(1 + Int(generator.next() % 4)) {
        let position = Int(generator.next() % UInt64(bytes.count))
        bytes[position] = UInt8(truncatingIfNeeded: generator.next())
      }
      if round % 3 == 0 { bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count)))) }
      do {
        let image = try decode(bytes)
        XCTAssertEqual(image.voxelsKJI.count, image.header.voxelCount)
      } catch is NIfTIError {
      } catch {
        XCTFail("round \(round): unexpected error type \(error)")
      }
    }
  }
}

/// A small deterministic random generator (SplitMix64) for the fuzz test.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
