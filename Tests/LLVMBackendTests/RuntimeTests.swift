// The runtime: the thread pool covers every index exactly once across many back-to-back parallel
// regions, every participant runs with flush-to-zero and denormals-are-zero (read back from MXCSR
// both through the C library and through a JIT'd stmxcsr, and observed on denormal arithmetic),
// and aligned buffers are aligned, zeroed and bounds-checked.
import LLVMBackend
import Runtime
import XCTest

final class RuntimeTests: XCTestCase {
  func testParallelForVisitsEveryIndexOnce() throws {
    let pool = try ThreadPool(threads: 3)
    for count in [0, 1, 2, 7, 1000] {
      let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(1, count))
      hits.initialize(repeating: 0)
      defer { hits.deallocate() }
      for _ in 0..<50 { pool.parallelFor(0..<count, chunkSize: 3) { hits[$0] += 1 } }
      XCTAssertTrue(hits.prefix(count).allSatisfy { $0 == 50 }, "count \(count): \(Array(hits.prefix(10)))")
    }
  }

  func testChunksAreDisjointAndCoverTheRange() throws {
    let pool = try ThreadPool(threads: 2)
    let owner = UnsafeMutableBufferPointer<Int>.allocate(capacity: 100)
    owner.initialize(repeating: -1)
    defer { owner.deallocate() }
    pool.parallelForChunks(10..<90) { chunk in
      for index in chunk { owner[index] = owner[index] == -1 ? chunk.lowerBound : -2 }
    }
    XCTAssertTrue(owner[0..<10].allSatisfy { $0 == -1 })
    XCTAssertTrue(owner[10..<90].allSatisfy { $0 >= 10 })
    XCTAssertTrue(owner[90..<100].allSatisfy { $0 == -1 })
  }

  func testManyShortRegionsComplete() throws {
    let pool = try ThreadPool(threads: 2)
    let sums = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2)
    sums.initialize(repeating: 0)
    defer { sums.deallocate() }
    for _ in 0..<5000 { pool.runOnEveryThread { sums[$0] += 1 } }
    XCTAssertEqual(Array(sums), [5000, 5000])
  }

  func testSingleThreadPoolAndInvalidCounts() throws {
    let pool = try ThreadPool(threads: 1)
    var total = 0
    pool.parallelFor(0..<10) { total += $0 }
    XCTAssertEqual(total, 45)
    XCTAssertThrowsError(try ThreadPool(threads: 0))
  }

  func testEveryParticipantRunsWithFlushToZero() throws {
    try XCTSkipUnless(FloatingPointEnvironment.isControllable, "MXCSR is only controllable on x86-64 Linux")
    let threads = 3
    let pool = try ThreadPool(threads: threads)
    let callerBefore = FloatingPointEnvironment.readControlRegister()
    let registers = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: threads)
    let products = UnsafeMutableBufferPointer<Float>.allocate(capacity: threads)
    defer {
      registers.deallocate()
      products.deallocate()
    }
    let denormal = Float(bitPattern: 0x0000_0100)
    pool.runOnEveryThread { index in
      registers[index] = FloatingPointEnvironment.readControlRegister() ?? 0
      products[index] = opaqueProduct(denormal, 1.0)
    }
    for index in 0..<threads {
      XCTAssertEqual(registers[index] & 0x8040, 0x8040, "thread \(index): MXCSR \(String(registers[index], radix: 16)) lacks FTZ/DAZ")
      XCTAssertEqual(products[index], 0, "thread \(index): a denormal operand was not treated as zero")
    }
    // The caller's own mode is restored after the region.
    XCTAssertEqual(FloatingPointEnvironment.readControlRegister(), callerBefore)
  }

  func testJITReadsFlushToZeroOnWorkers() throws {
    let threads = 2
    let probe = try ControlRegisterProbe(slots: threads)
    let kernel = try TestSupport.compiler.compile(probe)
    let pool = try ThreadPool(threads: threads)
    var slots = [Float](repeating: 0, count: threads)
    slots.withUnsafeMutableBufferPointer { buffer in
      var addresses: [UnsafeMutableRawPointer?] = [UnsafeMutableRawPointer(buffer.baseAddress)]
      addresses.withUnsafeMutableBufferPointer { table in
        pool.runOnEveryThread { index in kernel.entryPoint(UnsafePointer(table.baseAddress), Int64(index), Int64(index + 1)) }
      }
    }
    for index in 0..<threads {
      let value = slots[index].bitPattern
      XCTAssertEqual(value & 0x8040, 0x8040, "thread \(index): JIT-read MXCSR \(String(value, radix: 16)) lacks FTZ/DAZ")
    }
  }

  func testAlignedBufferIsAlignedZeroedAndChecked() throws {
    let buffer = try AlignedBuffer(byteCount: 1000)
    XCTAssertEqual(Int(bitPattern: buffer.baseAddress) % 64, 0)
    XCTAssertTrue(buffer.allFloats.allSatisfy { $0 == 0 })
    XCTAssertNoThrow(try buffer.region(offset: 64, byteCount: 936))
    XCTAssertThrowsError(try buffer.region(offset: 64, byteCount: 937))
    XCTAssertThrowsError(try buffer.region(offset: 32, byteCount: 4))
    XCTAssertThrowsError(try AlignedBuffer(byteCount: -1))
    XCTAssertEqual(AlignedBuffer.alignedSize(65), 128)
  }
}

/// A multiplication the optimiser cannot fold away.
@inline(never)
func opaqueProduct(_ a: Float, _ b: Float) -> Float { a * b }
