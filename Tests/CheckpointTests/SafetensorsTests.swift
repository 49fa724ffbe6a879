// A safetensors file written byte by byte in the test (8-byte header length, JSON header, data)
// reads back with every supported dtype, and malformed headers are reported as such.
import Archive
import Checkpoint
import Foundation
import TensorCore
import XCTest

final class SafetensorsTests: XCTestCase {
  private func safetensors(header: String, data: [UInt8]) -> [UInt8] {
    var json = Array(header.utf8)
    while json.count % 8 != 0 { json.append(0x20) }  // writers pad the header with spaces
    return littleEndian(UInt64(json.count)) + json + data
  }

  func testHandWrittenFileReadsBack() throws {
    let f32 = [Float(1), -2.5, 3, 4].flatMap { littleEndian($0.bitPattern) }
    let f16 = [Float(0.5), -1].flatMap { littleEndian(HalfPrecision.half(fromFloat: $0)) }
    let bf16 = [Float(2), -0.25].flatMap { littleEndian(HalfPrecision.bfloat16(fromFloat: $0)) }
    let f64 = [1e-3, 7.0].flatMap { littleEndian($0.bitPattern) }
    var data = f32
    let f16Start = data.count
    data += f16
    let bf16Start = data.count
    data += bf16
    let f64Start = data.count
    data += f64
    let header = """
      {"__metadata__":{"format":"pt"},
       "module.seg.weight":{"dtype":"F64","shape":[2],"data_offsets":[\(f64Start),\(data.count)]},
       "module.conv.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,\(f16Start)]},
       "module.conv.bias":{"dtype":"F16","shape":[2],"data_offsets":[\(f16Start),\(bf16Start)]},
       "module.norm.weight":{"dtype":"BF16","shape":[1,2],"data_offsets":[\(bf16Start),\(f64Start)]}}
      """
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("model.safetensors")
    try Data(safetensors(header: header, data: data)).write(to: url)
    let checkpoint = try CheckpointLoader.load(url)
    XCTAssertEqual(checkpoint.format, "safetensors")
    XCTAssertEqual(checkpoint.layout, "bare state dict, 'module.' prefix stripped")
    XCTAssertEqual(checkpoint.keyOrder, ["conv.weight", "conv.bias", "norm.weight", "seg.weight"], "data order")
    XCTAssertEqual(checkpoint.tensors["conv.weight"], Tensor(shape: [2, 2], data: [1, -2.5, 3, 4]))
    XCTAssertEqual(checkpoint.tensors["conv.bias"], Tensor(shape: [2], data: [0.5, -1]))
    XCTAssertEqual(checkpoint.tensors["norm.weight"], Tensor(shape: [1, 2], data: [2, -0.25]))
    XCTAssertEqual(checkpoint.tensors["seg.weight"], Tensor(shape: [2], data: [Float(1e-3), 7]))
    XCTAssertEqual(checkpoint.sourceDTypes, ["conv.weight": "float32", "conv.bias": "float16", "norm.weight": "bfloat16", "seg.weight": "float64"])
  }

  func testMalformedHeadersAreReported() {
    let four = [UInt8](repeating: 0, count: 4)
    let cases: [(String, [UInt8])] = [
      ("spans bytes 0..<8", safetensors(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: four)),
      ("spans bytes 0..<4", safetensors(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: four)),
      ("unsupported dtype C64", safetensors(header: #"{"w":{"dtype":"C64","shape":[1],"data_offsets":[0,4]}}"#, data: four)),
      ("not valid JSON", safetensors(header: #"{"w": oops}"#, data: four)),
      ("lacks dtype", safetensors(header: #"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, data: four)),
      ("malformed shape", safetensors(header: #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: four)),
    ]
    for (expected, bytes) in cases {
      let message = errorMessage { _ = try CheckpointLoader.load(source: MemoryBytes(bytes, name: "w.safetensors")) }
      XCTAssertTrue(message.contains(expected), "expected '\(expected)' in: \(message)")
    }
  }
}
