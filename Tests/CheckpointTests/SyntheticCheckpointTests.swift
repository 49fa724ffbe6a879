// Checkpoints built in the test (PickleBuilder + ZipWriter, or legacy streams by hand) exercise what
// the golden files do not: any root folder name, cuda location tags and torch.device objects,
// non-contiguous views, storage offsets, shared storages, big-endian byte order, fp16/bf16/f64/int64
// storages, Parameter wrappers, nnU-Net v2 plans in init_args, and legacy storage views.
import Archive
import Checkpoint
import Foundation
import TensorCore
import XCTest

final class SyntheticCheckpointTests: XCTestCase {
  private func storageBytes(bigEndian: Bool) -> [String: [UInt8]] {
    func encode<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
      values.flatMap { bigEndian ? CheckpointTests.bigEndian($0) : littleEndian($0) }
    }
    return [
      "0": encode((0..<12).map { Float($0).bitPattern }),
      "1": encode([Float(1), -2, 0.5].map { HalfPrecision.half(fromFloat: $0) }),
      "2": encode([Float(1.5), -3].map { HalfPrecision.bfloat16(fromFloat: $0) }),
      "3": encode([0.1, 2.0].map { Double($0).bitPattern }),
      "4": encode([Int64(5), -7].map { UInt64(bitPattern: $0) }),
    ]
  }

  private func v2Pickle() -> [UInt8] {
    var p = PickleBuilder()
    p.dict([
      ("network_weights", { w in
        w.orderedDict([
          ("module.a", { $0.tensor(storageType: "FloatStorage", key: "0", location: "cuda:0", count: 12, shape: [3, 4], strides: [4, 1], asParameter: true) }),
          ("module.b", { $0.tensor(storageType: "FloatStorage", key: "0", location: "cuda:0", count: 12, shape: [4, 3], strides: [1, 4]) }),
          ("module.c", { $0.tensor(storageType: "FloatStorage", key: "0", location: "cuda:0", count: 12, offset: 5, shape: [2], strides: [3]) }),
          ("module.h", { $0.tensor(storageType: "HalfStorage", key: "1", location: "cuda:1", count: 3, shape: [3], strides: [1]) }),
          ("module.bf", { $0.tensor(storageType: "BFloat16Storage", key: "2", count: 2, shape: [1, 2], strides: [2, 1]) }),
          ("module.d", { $0.tensor(storageType: "DoubleStorage", key: "3", count: 2, shape: [2], strides: [1]) }),
          ("module.steps", { $0.tensor(storageType: "LongStorage", key: "4", count: 2, shape: [2], strides: [1]) }),
          ("module.scalar", { $0.tensor(storageType: "FloatStorage", key: "0", count: 12, offset: 11, shape: [], strides: []) }),
        ])
      }),
      ("optimizer_state", { o in
        o.dict([("momentum", { $0.tensor(storageType: "FloatStorage", key: "0", location: "cuda:0", count: 12, shape: [12], strides: [1]) })])
      }),
      ("device", { d in
        d.global("torch", "device")
        d.tuple { $0.string("cuda"); $0.int(0) }
        d.reduce()
      }),
      ("init_args", { a in
        a.dict([
          ("plans", { plans in
            plans.dict([
              ("configurations", { c in
                c.dict([
                  ("3d_fullres", { f in
                    f.dict([
                      ("pool_op_kernel_sizes", { k in
                        k.list { l in for s in [[1, 1, 1], [2, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2], [1, 1, 2]] { l.list { r in s.forEach { r.int($0) } } } }
                      }),
                      ("patch_size", { $0.list { l in [128, 128, 128].forEach { l.int($0) } } }),
                      ("spacing", { $0.list { l in [1.5, 1.5, 1.5].forEach { l.float($0) } } }),
                      ("normalization_schemes", { $0.list { $0.string("CTNormalization") } }),
                    ])
                  }),
                  ("3d_lowres", { f in f.dict([("inherits_from", { $0.string("3d_fullres") }), ("spacing", { $0.list { l in [3.0, 3.0, 3.0].forEach { l.float($0) } } })]) }),
                ])
              }),
            ])
          }),
          ("configuration", { $0.string("3d_lowres") }),
          ("dataset_json", { j in j.dict([("labels", { $0.dict([("background", { $0.int(0) }), ("liver", { $0.int(1) }), ("spleen", { $0.int(2) })]) })]) }),
        ])
      }),
      ("trainer_name", { $0.string("STUNetTrainer_small") }),
    ])
    p.stop()
    return p.bytes
  }

  private func writeTorchZip(to url: URL, root: String, pickle: [UInt8], storages: [String: [UInt8]], byteOrder: String?) throws {
    let writer = try ZipWriter(url: url)
    try writer.addEntry(name: root + "/data.pkl", bytes: pickle)
    if let byteOrder { try writer.addEntry(name: root + "/byteorder", bytes: Array(byteOrder.utf8)) }
    for (key, bytes) in storages.sorted(by: { $0.key < $1.key }) {
      try writer.addEntry(name: root + "/data/" + key, bytes: bytes)
    }
    try writer.addEntry(name: root + "/version", bytes: Array("3\n".utf8))
    try writer.finish()
  }

  func testTorchZipFeatures() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    for bigEndian in [false, true] {
      let url = folder.appendingPathComponent("checkpoint_final_\(bigEndian).pth")
      try writeTorchZip(
        to: url, root: "some-other-root", pickle: v2Pickle(), storages: storageBytes(bigEndian: bigEndian),
        byteOrder: bigEndian ? "big" : "little")
      let checkpoint = try CheckpointLoader.load(url)
      let context = bigEndian ? "big-endian" : "little-endian"
      XCTAssertEqual(checkpoint.format, "torch zip")
      XCTAssertEqual(checkpoint.layout, "nnU-Net v2 (network_weights), 'module.' prefix stripped")
      XCTAssertEqual(checkpoint.keyOrder, ["a", "b", "c", "h", "bf", "d", "steps", "scalar"])
      let t = checkpoint.tensors
      XCTAssertEqual(t["a"], Tensor(shape: [3, 4], data: (0..<12).map(Float.init)), context)
      XCTAssertEqual(t["b"], Tensor(shape: [4, 3], data: [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]), "transposed view, \(context)")
      XCTAssertEqual(t["c"], Tensor(shape: [2], data: [5, 8]), "offset + stride, \(context)")
      XCTAssertEqual(t["h"], Tensor(shape: [3], data: [1, -2, 0.5]), context)
      XCTAssertEqual(t["bf"], Tensor(shape: [1, 2], data: [1.5, -3]), context)
      XCTAssertEqual(t["d"], Tensor(shape: [2], data: [Float(0.1), 2]), context)
      XCTAssertEqual(t["steps"], Tensor(shape: [2], data: [5, -7], dtype: .i64), context)
      XCTAssertEqual(t["scalar"], Tensor(shape: [], data: [11]), context)
      XCTAssertEqual(checkpoint.sourceDTypes["h"], "float16")
      XCTAssertEqual(checkpoint.sourceDTypes["bf"], "bfloat16")
      XCTAssertEqual(checkpoint.sourceDTypes["d"], "float64")
      XCTAssertEqual(checkpoint.sourceDTypes["steps"], "int64")
      let plans = try XCTUnwrap(checkpoint.plans, context)
      XCTAssertEqual(plans.trainerName, "STUNetTrainer_small")
      XCTAssertEqual(plans.strides, [[2, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2], [1, 1, 2]], "stem entry dropped")
      XCTAssertEqual(plans.patchSize, [128, 128, 128], "inherited from 3d_fullres")
      XCTAssertEqual(plans.targetSpacing, [3, 3, 3], "overridden by 3d_lowres")
      XCTAssertEqual(plans.normalizationSchemes, ["CTNormalization"])
      XCTAssertEqual(plans.numClasses, 3)
      XCTAssertTrue(plans.source.contains("configurations']['3d_lowres']"), plans.source)
    }
  }

  func testBrokenViewsAndStoragesAreErrors() throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    func load(_ tensor: @escaping (inout PickleBuilder) -> Void, storages: [String: [UInt8]]) throws -> String {
      var p = PickleBuilder()
      p.orderedDict([("w", tensor)])
      p.stop()
      let url = folder.appendingPathComponent("broken.pth")
      try writeTorchZip(to: url, root: "archive", pickle: p.bytes, storages: storages, byteOrder: nil)
      return errorMessage { _ = try CheckpointLoader.load(url) }
    }
    let four = [UInt8](repeating: 0, count: 16)
    XCTAssertTrue(try load({ $0.tensor(storageType: "FloatStorage", key: "0", count: 4, shape: [5], strides: [1]) }, storages: ["0": four]).contains("reaches element 4 of a 4-element storage"))
    XCTAssertTrue(try load({ $0.tensor(storageType: "FloatStorage", key: "0", count: 8, shape: [8], strides: [1]) }, storages: ["0": four]).contains("holds 16 bytes but the tensor needs 32"))
    XCTAssertTrue(try load({ $0.tensor(storageType: "FloatStorage", key: "9", count: 4, shape: [4], strides: [1]) }, storages: ["0": four]).contains("'data/9'"))
    XCTAssertTrue(try load({ $0.tensor(storageType: "FloatStorage", key: "0", count: 4, shape: [Int.max / 2, 4], strides: [1, 1]) }, storages: ["0": four]).contains("overflow"))
    XCTAssertTrue(try load({ $0.tensor(storageType: "ComplexFloatStorage", key: "0", count: 2, shape: [2], strides: [1]) }, storages: ["0": four]).contains("not supported"))
  }

  /// A legacy (pre-zip) stream: magic, protocol, system info, object, key list, then storages.
  private func legacyFile(bigEndian: Bool) -> [UInt8] {
    var stream: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
    stream += [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]  // 1001
    var info = PickleBuilder()
    info.dict([("protocol_version", { $0.int(1001) }), ("little_endian", { $0.bool(!bigEndian) })])
    info.stop()
    stream += info.bytes
    var main = PickleBuilder()
    main.dict([
      ("state_dict", { s in
        s.orderedDict([
          ("w", { t in
            // A view of 3 elements at offset 2 of a 6-element root storage '100' (legacy view metadata).
            t.global("torch._utils", "_rebuild_tensor_v2")
            t.tuple { b in
              b.tuple { id in
                id.string("storage"); id.global("torch", "FloatStorage"); id.string("100"); id.string("cuda:0"); id.int(6)
                id.tuple { v in v.string("101"); v.int(2); v.int(3) }
              }
              b.persistentID(); b.int(0); b.ints([3]); b.ints([1]); b.bool(false); b.orderedDict([])
            }
            t.reduce()
          })
        ])
      })
    ])
    main.stop()
    stream += main.bytes
    var keys = PickleBuilder()
    keys.list { $0.string("100") }
    keys.stop()
    stream += keys.bytes
    stream += bigEndian ? CheckpointTests.bigEndian(UInt64(6)) : littleEndian(UInt64(6))
    for value in 0..<6 {
      let bits = Float(value * 10).bitPattern
      stream += bigEndian ? CheckpointTests.bigEndian(bits) : littleEndian(bits)
    }
    return stream
  }

  func testLegacyViewsAndByteOrder() throws {
    for bigEndian in [false, true] {
      let checkpoint = try CheckpointLoader.load(source: MemoryBytes(legacyFile(bigEndian: bigEndian), name: "legacy.model"))
      XCTAssertEqual(checkpoint.format, "torch legacy")
      XCTAssertEqual(checkpoint.tensors["w"], Tensor(shape: [3], data: [20, 30, 40]), bigEndian ? "big" : "little")
    }
  }
}
