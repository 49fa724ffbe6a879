// Case C35: files that are not checkpoints are named from their first bytes before any parsing
// (Git LFS pointer, HTML page, truncated zip with "N of at least M bytes", empty, gzip, unknown),
// and the valid case file loads.
import Archive
import Checkpoint
import Foundation
import TensorCore
import XCTest

final class DiagnosisTests: XCTestCase {
  func testGitLFSPointer() throws {
    let url = try sharedFile("cases/files/weights/c35a_git_lfs_pointer.model")
    XCTAssertThrowsError(try CheckpointLoader.load(url)) { error in
      XCTAssertEqual(error as? CheckpointError, .gitLFSPointer(file: url.path, declaredSize: 1_834_567_890))
      XCTAssertTrue("\(error)".contains("Git LFS pointer"), "\(error)")
      XCTAssertTrue("\(error)".contains("git lfs pull"), "\(error)")
    }
  }

  func testHTMLPage() throws {
    let url = try sharedFile("cases/files/weights/c35b_html_error_page.model")
    XCTAssertThrowsError(try CheckpointLoader.load(url)) { error in
      XCTAssertEqual(error as? CheckpointError, .htmlPage(file: url.path, title: "Quota exceeded"))
      XCTAssertTrue("\(error)".contains("HTML page"), "\(error)")
    }
  }

  func testValidCaseFileLoads() throws {
    let checkpoint = try CheckpointLoader.load(sharedFile("cases/files/weights/c35c_tiny_checkpoint_ok.model"))
    XCTAssertEqual(checkpoint.format, "torch zip")
    XCTAssertEqual(checkpoint.layout, "nnU-Net v1 (state_dict)")
    XCTAssertEqual(checkpoint.keyOrder, ["conv.weight"])
    let weight = try XCTUnwrap(checkpoint.tensors["conv.weight"])
    XCTAssertEqual(weight.shape, [4, 1, 3, 3, 3])
    XCTAssertEqual(weight.data, (0..<108).map(Float.init))
  }

  func testTruncatedZip() throws {
    let url = try sharedFile("cases/files/weights/c35d_tiny_checkpoint_truncated.model")
    XCTAssertThrowsError(try CheckpointLoader.load(url)) { error in
      guard case CheckpointError.truncatedZip(_, let present, let expected, let detail) = error else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(present, 1044)
      // data.pkl survives and says storage 0 holds 108 float32 values, so entry 'archive/data/0'
      // (payload from byte 832) ends at 1264, its descriptor at 1280; the central directory for the
      // five entries seen needs 326 bytes more and the end record 22: at least 1628 bytes.
      XCTAssertEqual(expected, 1628)
      XCTAssertTrue(detail.contains("archive/data/0"), detail)
      XCTAssertTrue("\(error)".contains("truncated zip archive: 1044 of at least 1628 bytes"), "\(error)")
    }
    // The valid file it was cut from is 2089 bytes: the bound is below that, as a lower bound must be.
    XCTAssertEqual(try Data(contentsOf: sharedFile("cases/files/weights/c35c_tiny_checkpoint_ok.model")).count, 2089)
  }

  func testOtherKindsAreNamed() throws {
    let cases: [([UInt8], String)] = [
      ([], "empty file"),
      ([0x1F, 0x8B, 0x08, 0x00, 1, 2, 3, 4], "gzip-compressed"),
      (Array("<html><head><title>Sign in</title></head></html>".utf8), "HTML page titled 'Sign in'"),
      (Array("\u{FEFF}  <!DOCTYPE html><html></html>".utf8), "HTML page"),
      (Array("just some notes\nabout a model\n".utf8), "a text file beginning 'just some notes'"),
      ([0x00, 0x01, 0x02, 0xFF, 0xFE, 0x00, 0x10, 0x20, 0x30], "unknown binary data beginning 0x000102fffe001020"),
      ([0x80, 0x04, 0x95, 0x00], "plain Python pickle"),
      ([0x93] + Array("NUMPY".utf8) + [1, 0], "single NumPy .npy array"),
      ([0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 10), "truncated zip archive: 14 of at least"),
    ]
    for (bytes, expected) in cases {
      let message = errorMessage { _ = try CheckpointLoader.load(source: MemoryBytes(bytes, name: "weights.bin")) }
      XCTAssertTrue(message.contains(expected), "expected '\(expected)' in: \(message)")
      XCTAssertTrue(message.hasPrefix("weights.bin: "), "names the file: \(message)")
    }
  }

  func testTruncatedLegacyFile() throws {
    let bytes = try [UInt8](Data(contentsOf: sharedFile("golden/stunet_tiny_legacy.model")))
    let cut = Array(bytes.prefix(bytes.count - 1000))
    let message = errorMessage { _ = try CheckpointLoader.load(source: MemoryBytes(cut, name: "legacy.model")) }
    XCTAssertTrue(message.contains("truncated legacy torch file: \(cut.count) of at least"), message)
  }
}
