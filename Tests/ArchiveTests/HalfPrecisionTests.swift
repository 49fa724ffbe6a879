// Half and bfloat16 conversion: known values, ties-to-even rounding, and an exhaustive round trip.
import Archive
import XCTest

final class HalfPrecisionTests: XCTestCase {
  func testKnownValues() {
    XCTAssertEqual(HalfPrecision.float(fromHalf: 0x3C00), 1)
    XCTAssertEqual(HalfPrecision.float(fromHalf: 0xC000), -2)
    XCTAssertEqual(HalfPrecision.float(fromHalf: 0x7BFF), 65504)
    XCTAssertEqual(HalfPrecision.float(fromHalf: 0x0001), 0x1p-24)
    XCTAssertEqual(HalfPrecision.float(fromHalf: 0x7C00), .infinity)
    XCTAssertTrue(HalfPrecision.float(fromHalf: 0x7E00).isNaN)
    XCTAssertEqual(HalfPrecision.half(fromFloat: 1), 0x3C00)
    XCTAssertEqual(HalfPrecision.half(fromFloat: 65504), 0x7BFF)
    XCTAssertEqual(HalfPrecision.half(fromFloat: 70000), 0x7C00)
    XCTAssertEqual(HalfPrecision.half(fromFloat: 0x1p-24), 0x0001)
    XCTAssertEqual(HalfPrecision.half(fromFloat: 0x1p-26), 0x0000)
    XCTAssertEqual(HalfPrecision.half(fromFloat: -0.0), 0x8000)
    // Ties go to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10.
    XCTAssertEqual(HalfPrecision.half(fromFloat: 1 + 0x1p-11), 0x3C00)
    XCTAssertEqual(HalfPrecision.half(fromFloat: 1 + 3 * 0x1p-11), 0x3C02)
    XCTAssertEqual(HalfPrecision.bfloat16(fromFloat: 1), 0x3F80)
    XCTAssertEqual(HalfPrecision.bfloat16(fromFloat: -2.5), 0xC020)
  }

  func testEveryHalfRoundTripsThroughFloat() {
    for bits in 0...UInt16.max {
      let value = HalfPrecision.float(fromHalf: bits)
      if value.isNaN { continue }
      XCTAssertEqual(HalfPrecision.half(fromFloat: value), bits, "half 0x\(String(bits, radix: 16))")
    }
  }
}
