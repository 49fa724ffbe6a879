// The pickle machine against CPython's own pickler: one object pickled with every protocol 0-5
// (scripts/reference/ckpt_pickles.py) decodes to the same data, plus malformed and hostile streams
// that must fail with errors instead of traps, hangs or unbounded allocation.
import Archive
import Checkpoint
import Foundation
import XCTest

final class PickleMachineTests: XCTestCase {
  static let referencePickles: [Int: String] = [
    0: "KGRwMApWaW50CnAxCkk3CnNWbmVnCnAyCkktMwpzVmJpZwpwMwpMMTE4MDU5MTYyMDcxNzQxMTMwMzQyNEwKc1ZuZWdiaWcKcDQKTC0zNjg5MzQ4ODE0NzQxOTEwMzIzMkwKc1ZpbnQzMgpwNQpJLTcwMDAwCnNWZmxvYXQKcDYKRjEuMjUKc1ZzdHIKcDcKVmjpbGxvCnA4CnNWYnl0ZXMKcDkKY19jb2RlY3MKZW5jb2RlCnAxMAooVlx1MDAwMAEKcDExClZsYXRpbjEKcDEyCnRwMTMKUnAxNApzVmxpc3QKcDE1CihscDE2CkkxCmEobHAxNwpJMgphSTMKYWFzVnR1cGxlCnAxOAooSTEKSTIKSTMKSTQKdHAxOQpzVnNldApwMjAKY19fYnVpbHRpbl9fCnNldApwMjEKKChscDIyCkk1CmF0cDIzClJwMjQKc1Zmcm96ZW5zZXQKcDI1CmNfX2J1aWx0aW5fXwpmcm96ZW5zZXQKcDI2CigobHAyNwpJNgphdHAyOApScDI5CnNWbm9uZQpwMzAKTnNWdHJ1ZQpwMzEKSTAxCnNWZmFsc2UKcDMyCkkwMApzVnNoYXJlZApwMzMKKGxwMzQKSTkKYUk4CmFzVnNoYXJlZDIKcDM1CmczNApzVm9kCnAzNgpjY29sbGVjdGlvbnMKT3JkZXJlZERpY3QKcDM3Cih0UnAzOApWYQpwMzkKSTEKc3NWcG9pbnQKcDQwCmNjb3B5X3JlZwpfcmVjb25zdHJ1Y3RvcgpwNDEKKGNfX21haW5fXwpQb2ludApwNDIKY19fYnVpbHRpbl9fCm9iamVjdApwNDMKTnRwNDQKUnA0NQooZHA0NgpWeApwNDcKSTEKc1Z5CnA0OApJMgpzYnNWYnl0ZWFycmF5CnA0OQpjX19idWlsdGluX18KYnl0ZWFycmF5CnA1MAooZzEwCihWeHkKcDUxCmcxMgp0cDUyClJwNTMKdHA1NApScDU1CnMu",
    1: "fXEAKFgDAAAAaW50cQFLB1gDAAAAbmVncQJK/f///1gDAAAAYmlncQNMMTE4MDU5MTYyMDcxNzQxMTMwMzQyNEwKWAYAAABuZWdiaWdxBEwtMzY4OTM0ODgxNDc0MTkxMDMyMzJMClgFAAAAaW50MzJxBUqQ7v7/WAUAAABmbG9hdHEGRz/0AAAAAAAAWAMAAABzdHJxB1gGAAAAaMOpbGxvcQhYBQAAAGJ5dGVzcQljX2NvZGVjcwplbmNvZGUKcQooWAIAAAAAAXELWAYAAABsYXRpbjFxDHRxDVJxDlgEAAAAbGlzdHEPXXEQKEsBXXERKEsCSwNlZVgFAAAAdHVwbGVxEihLAUsCSwNLBHRxE1gDAAAAc2V0cRRjX19idWlsdGluX18Kc2V0CnEVKF1xFksFYXRxF1JxGFgJAAAAZnJvemVuc2V0cRljX19idWlsdGluX18KZnJvemVuc2V0CnEaKF1xG0sGYXRxHFJxHVgEAAAAbm9uZXEeTlgEAAAAdHJ1ZXEfSTAxClgFAAAAZmFsc2VxIEkwMApYBgAAAHNoYXJlZHEhXXEiKEsJSwhlWAcAAABzaGFyZWQycSNoIlgCAAAAb2RxJGNjb2xsZWN0aW9ucwpPcmRlcmVkRGljdApxJSlScSZYAQAAAGFxJ0sBc1gFAAAAcG9pbnRxKGNjb3B5X3JlZwpfcmVjb25zdHJ1Y3RvcgpxKShjX19tYWluX18KUG9pbnQKcSpjX19idWlsdGluX18Kb2JqZWN0CnErTnRxLFJxLX1xLihYAQAAAHhxL0sBWAEAAAB5cTBLAnViWAkAAABieXRlYXJyYXlxMWNfX2J1aWx0aW5fXwpieXRlYXJyYXkKcTIoaAooWAIAAAB4eXEzaAx0cTRScTV0cTZScTd1Lg==",
    2: "gAJ9cQAoWAMAAABpbnRxAUsHWAMAAABuZWdxAkr9////WAMAAABiaWdxA4oJAAAAAAAAAABAWAYAAABuZWdiaWdxBIoJAAAAAAAAAAD+WAUAAABpbnQzMnEFSpDu/v9YBQAAAGZsb2F0cQZHP/QAAAAAAABYAwAAAHN0cnEHWAYAAABow6lsbG9xCFgFAAAAYnl0ZXNxCWNfY29kZWNzCmVuY29kZQpxClgCAAAAAAFxC1gGAAAAbGF0aW4xcQyGcQ1ScQ5YBAAAAGxpc3RxD11xEChLAV1xEShLAksDZWVYBQAAAHR1cGxlcRIoSwFLAksDSwR0cRNYAwAAAHNldHEUY19fYnVpbHRpbl9fCnNldApxFV1xFksFYYVxF1JxGFgJAAAAZnJvemVuc2V0cRljX19idWlsdGluX18KZnJvemVuc2V0CnEaXXEbSwZhhXEcUnEdWAQAAABub25lcR5OWAQAAAB0cnVlcR+IWAUAAABmYWxzZXEgiVgGAAAAc2hhcmVkcSFdcSIoSwlLCGVYBwAAAHNoYXJlZDJxI2giWAIAAABvZHEkY2NvbGxlY3Rpb25zCk9yZGVyZWREaWN0CnElKVJxJlgBAAAAYXEnSwFzWAUAAABwb2ludHEoY19fbWFpbl9fClBvaW50CnEpKYFxKn1xKyhYAQAAAHhxLEsBWAEAAAB5cS1LAnViWAkAAABieXRlYXJyYXlxLmNfX2J1aWx0aW5fXwpieXRlYXJyYXkKcS9oClgCAAAAeHlxMGgMhnExUnEyhXEzUnE0dS4=",
    3: "gAN9cQAoWAMAAABpbnRxAUsHWAMAAABuZWdxAkr9////WAMAAABiaWdxA4oJAAAAAAAAAABAWAYAAABuZWdiaWdxBIoJAAAAAAAAAAD+WAUAAABpbnQzMnEFSpDu/v9YBQAAAGZsb2F0cQZHP/QAAAAAAABYAwAAAHN0cnEHWAYAAABow6lsbG9xCFgFAAAAYnl0ZXNxCUMCAAFxClgEAAAAbGlzdHELXXEMKEsBXXENKEsCSwNlZVgFAAAAdHVwbGVxDihLAUsCSwNLBHRxD1gDAAAAc2V0cRBjYnVpbHRpbnMKc2V0CnERXXESSwVhhXETUnEUWAkAAABmcm96ZW5zZXRxFWNidWlsdGlucwpmcm96ZW5zZXQKcRZdcRdLBmGFcRhScRlYBAAAAG5vbmVxGk5YBAAAAHRydWVxG4hYBQAAAGZhbHNlcRyJWAYAAABzaGFyZWRxHV1xHihLCUsIZVgHAAAAc2hhcmVkMnEfaB5YAgAAAG9kcSBjY29sbGVjdGlvbnMKT3JkZXJlZERpY3QKcSEpUnEiWAEAAABhcSNLAXNYBQAAAHBvaW50cSRjX19tYWluX18KUG9pbnQKcSUpgXEmfXEnKFgBAAAAeHEoSwFYAQAAAHlxKUsCdWJYCQAAAGJ5dGVhcnJheXEqY2J1aWx0aW5zCmJ5dGVhcnJheQpxK0MCeHlxLIVxLVJxLnUu",
    4: "gASVfgEAAAAAAAB9lCiMA2ludJRLB4wDbmVnlEr9////jANiaWeUigkAAAAAAAAAAECMBm5lZ2JpZ5SKCQAAAAAAAAAA/owFaW50MzKUSpDu/v+MBWZsb2F0lEc/9AAAAAAAAIwDc3RylIwGaMOpbGxvlIwFYnl0ZXOUQwIAAZSMBGxpc3SUXZQoSwFdlChLAksDZWWMBXR1cGxllChLAUsCSwNLBHSUjANzZXSUj5QoSwWQjAlmcm96ZW5zZXSUKEsGkZSMBG5vbmWUTowEdHJ1ZZSIjAVmYWxzZZSJjAZzaGFyZWSUXZQoSwlLCGWMB3NoYXJlZDKUaBiMAm9klIwLY29sbGVjdGlvbnOUjAtPcmRlcmVkRGljdJSTlClSlIwBYZRLAXOMBXBvaW50lIwIX19tYWluX1+UjAVQb2ludJSTlCmBlH2UKIwBeJRLAYwBeZRLAnVijAlieXRlYXJyYXmUjAhidWlsdGluc5SMCWJ5dGVhcnJheZSTlEMCeHmUhZRSlHUu",
    5: "gAWVaAEAAAAAAAB9lCiMA2ludJRLB4wDbmVnlEr9////jANiaWeUigkAAAAAAAAAAECMBm5lZ2JpZ5SKCQAAAAAAAAAA/owFaW50MzKUSpDu/v+MBWZsb2F0lEc/9AAAAAAAAIwDc3RylIwGaMOpbGxvlIwFYnl0ZXOUQwIAAZSMBGxpc3SUXZQoSwFdlChLAksDZWWMBXR1cGxllChLAUsCSwNLBHSUjANzZXSUj5QoSwWQjAlmcm96ZW5zZXSUKEsGkZSMBG5vbmWUTowEdHJ1ZZSIjAVmYWxzZZSJjAZzaGFyZWSUXZQoSwlLCGWMB3NoYXJlZDKUaBiMAm9klIwLY29sbGVjdGlvbnOUjAtPcmRlcmVkRGljdJSTlClSlIwBYZRLAXOMBXBvaW50lIwIX19tYWluX1+UjAVQb2ludJSTlCmBlH2UKIwBeJRLAYwBeZRLAnVijAlieXRlYXJyYXmUlgIAAAAAAAAAeHmUdS4=",
  ]

  /// Drops redundant sign-extension bytes so equal integers compare equal.
  private func normalized(_ bytes: [UInt8]) -> [UInt8] {
    var bytes = bytes
    while bytes.count > 1 {
      let last = bytes[bytes.count - 1]
      let next = bytes[bytes.count - 2]
      if (last == 0 && next < 0x80) || (last == 0xFF && next >= 0x80) { bytes.removeLast() } else { break }
    }
    return bytes
  }

  func testEveryProtocolDecodesTheSameData() throws {
    for (protocolVersion, base64) in Self.referencePickles.sorted(by: { $0.key < $1.key }) {
      let bytes = try [UInt8](XCTUnwrap(Data(base64Encoded: base64)))
      let document = try PickleMachine.load(bytes)
      let context = "protocol \(protocolVersion)"
      func field(_ key: String) throws -> PickleValue { try XCTUnwrap(document.value(key, in: document.root), "\(context): \(key)") }
      XCTAssertEqual(try field("int"), .int(7), context)
      XCTAssertEqual(try field("neg"), .int(-3), context)
      XCTAssertEqual(try field("int32"), .int(-70000), context)
      guard case .bigInt(let big) = try field("big"), case .bigInt(let negativeBig) = try field("negbig") else {
        return XCTFail("\(context): big integers")
      }
      XCTAssertEqual(normalized(big), [0, 0, 0, 0, 0, 0, 0, 0, 0x40], "2^70, \(context)")
      XCTAssertEqual(normalized(negativeBig), [0, 0, 0, 0, 0, 0, 0, 0, 0xFE], "-2^65, \(context)")
      XCTAssertEqual(try field("float"), .float(1.25), context)
      XCTAssertEqual(try field("str"), .string("h\u{e9}llo"), context)
      XCTAssertEqual(try field("bytes"), .bytes([0, 1]), context)
      XCTAssertEqual(try field("bytearray"), .bytes(Array("xy".utf8)), context)
      XCTAssertEqual(try field("none"), PickleValue.none, context)
      XCTAssertEqual(try field("true"), .bool(true), context)
      XCTAssertEqual(try field("false"), .bool(false), context)
      let list = try XCTUnwrap(document.items(try field("list")), context)
      XCTAssertEqual(list.first, .int(1), context)
      XCTAssertEqual(document.ints(list[1]), [2, 3], context)
      XCTAssertEqual(document.ints(try field("tuple")), [1, 2, 3, 4], context)
      guard case .set(let members, let frozen) = document.node(try field("set")),
        case .set(let frozenMembers, let isFrozen) = document.node(try field("frozenset"))
      else { return XCTFail("\(context): sets") }
      XCTAssertEqual(members, [.int(5)], context)
      XCTAssertFalse(frozen, context)
      XCTAssertEqual(frozenMembers, [.int(6)], context)
      XCTAssertTrue(isFrozen, context)
      XCTAssertEqual(try field("shared"), try field("shared2"), "memo keeps one object, \(context)")
      XCTAssertEqual(document.ints(try field("shared")), [9, 8], context)
      XCTAssertEqual(document.value("a", in: try field("od")), .int(1), context)
      guard case .object(let point) = document.node(try field("point")), let state = point.state else {
        return XCTFail("\(context): instance")
      }
      XCTAssertEqual(document.value("x", in: state), .int(1), context)
      XCTAssertEqual(document.value("y", in: state), .int(2), context)
    }
  }

  func testConsecutivePicklesReportTheirEnd() throws {
    let bytes: [UInt8] = [0x80, 0x02, 0x4B, 0x05, 0x2E, 0x80, 0x02, 0x4B, 0x06, 0x2E]
    let first = try PickleMachine.load(MemoryBytes(bytes))
    XCTAssertEqual(first.root, .int(5))
    XCTAssertEqual(first.endOffset, 5)
    XCTAssertEqual(try PickleMachine.load(MemoryBytes(bytes), offset: first.endOffset).root, .int(6))
  }

  func testNothingIsExecuted() throws {
    // os.system('echo pwned') as a pickle: it must come back as an inert description.
    let bytes: [UInt8] = Array("cos\nsystem\n(S'echo pwned'\ntR.".utf8)
    let document = try PickleMachine.load(bytes)
    guard case .object(let call) = document.node(document.root) else { return XCTFail("expected a description") }
    XCTAssertEqual(call.callableName, "os.system")
    XCTAssertEqual(call.arguments, [.string("echo pwned")])
  }

  func testMalformedAndHostileStreamsThrow() {
    var deepMarks = [UInt8](repeating: 0x28, count: 70_000)
    deepMarks.append(0x2E)
    var deepNesting = [UInt8]([0x80, 0x02])
    for _ in 0..<100_000 { deepNesting += [0x5D] }  // 100k empty lists: fine as data, bounded by the stack limit
    deepNesting += [0x2E]
    let cases: [(String, [UInt8])] = [
      ("empty", []),
      ("no STOP", [0x80, 0x02, 0x4B, 0x01]),
      ("unknown opcode", [0x80, 0x02, 0xFF]),
      ("pop from empty stack", [0x80, 0x02, 0x30, 0x2E]),
      ("get of a missing memo", [0x80, 0x02, 0x68, 0x07, 0x2E]),
      ("huge unicode length", [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x41, 0x2E]),
      ("huge bytes8 length", [0x80, 0x04, 0x8E] + [UInt8](repeating: 0xFF, count: 8) + [0x2E]),
      ("negative binstring", [0x80, 0x02, 0x54, 0xFF, 0xFF, 0xFF, 0xFF, 0x2E]),
      ("append to an int", [0x80, 0x02, 0x4B, 0x01, 0x4B, 0x02, 0x61, 0x2E]),
      ("setitems odd", [0x80, 0x02, 0x7D, 0x28, 0x4B, 0x01, 0x75, 0x2E]),
      ("marks too deep", deepMarks),
      ("out-of-band buffer", [0x80, 0x05, 0x97, 0x2E]),
      ("protocol 9", [0x80, 0x09, 0x4E, 0x2E]),
      ("stop inside a mark", [0x80, 0x02, 0x28, 0x2E]),
      ("tensor without storage",
        [0x80, 0x02] + Array("ctorch._utils\n_rebuild_tensor_v2\n(".utf8)
          + [0x4B, 0x01, 0x4B, 0x00, 0x29, 0x29, 0x89, 0x7D, 0x74, 0x52, 0x2E]),
    ]
    for (label, bytes) in cases {
      XCTAssertThrowsError(try PickleMachine.load(bytes), label) { error in
        XCTAssertTrue(error is PickleError || error is ArchiveError, "\(label): \(error)")
        if label == "tensor without storage" { XCTAssertTrue("\(error)".contains("without a storage"), "\(error)") }
      }
    }
    var tight = PickleLimits()
    tight.maxStackDepth = 1000
    XCTAssertThrowsError(try PickleMachine.load(MemoryBytes(deepNesting), limits: tight)) { error in
      guard case PickleError.limitExceeded = error else { return XCTFail("\(error)") }
    }
  }
}
