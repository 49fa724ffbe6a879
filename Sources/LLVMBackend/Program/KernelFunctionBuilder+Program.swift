// IR-building helpers the program kernels need beyond KernelFunctionBuilder's core set: lane
// extraction and insertion, unaligned and gathered <8 x float> access, 64-bit integer stores
// (argmax indices), floating-point predicates with explicit NaN behaviour, and integer/float
// conversions. Kept apart from the core builder, which the convolution micro-kernels tune.
import CLLVM

extension KernelFunctionBuilder {
  var int64VectorType: LLVMTypeRef { LLVMVectorType(int64Type, UInt32(KernelFunctionBuilder.lanes)) }

  func laneIndex(_ lane: Int) -> IRValue { LLVMConstInt(int32Type, UInt64(lane), 0) }

  func extractLane(_ vector: IRValue, _ lane: Int) -> IRValue {
    LLVMBuildExtractElement(builder, vector, laneIndex(lane), "")
  }

  func insertLane(_ vector: IRValue, _ scalar: IRValue, _ lane: Int) -> IRValue {
    LLVMBuildInsertElement(builder, vector, scalar, laneIndex(lane), "")
  }

  /// Eight floats at `offsets` (one per lane; nil lanes read as 0) as one vector.
  func gather(_ base: IRValue, _ offsets: [IRValue?]) -> IRValue {
    var vector = splat(Float(0))
    for (lane, offset) in offsets.enumerated() {
      guard let offset else { continue }
      vector = insertLane(vector, loadFloat(base, offset), lane)
    }
    return vector
  }

  /// Stores the lanes of `vector` whose offset is given.
  func scatter(_ vector: IRValue, _ base: IRValue, _ offsets: [IRValue?]) {
    for (lane, offset) in offsets.enumerated() {
      guard let offset else { continue }
      storeFloat(extractLane(vector, lane), base, offset)
    }
  }

  func int64Address(_ base: IRValue, _ offset: IRValue) -> IRValue {
    var indices: [LLVMValueRef?] = [offset]
    return LLVMBuildInBoundsGEP2(builder, int64Type, base, &indices, 1, "")
  }

  func storeInt64(_ value: IRValue, _ base: IRValue, _ offset: IRValue) {
    LLVMBuildStore(builder, value, int64Address(base, offset))
  }

  func loadDouble(_ base: IRValue, _ offset: IRValue) -> IRValue {
    LLVMBuildLoad2(builder, doubleType, doubleAddress(base, offset), "")
  }

  func storeDouble(_ value: IRValue, _ base: IRValue, _ offset: IRValue) {
    LLVMBuildStore(builder, value, doubleAddress(base, offset))
  }

  /// a > b, false when either is NaN (Swift's `>`).
  func isOrderedGreater(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildFCmp(builder, LLVMRealOGT, a, b, "") }
  /// a > b, or either is NaN.
  func isUnorderedOrGreater(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildFCmp(builder, LLVMRealUGT, a, b, "") }
  /// Neither operand is NaN.
  func isOrdered(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildFCmp(builder, LLVMRealORD, a, b, "") }
  func and(_ a: IRValue, _ b: IRValue) -> IRValue { LLVMBuildAnd(builder, a, b, "") }

  func floatToDouble(_ value: IRValue) -> IRValue { LLVMBuildFPExt(builder, value, doubleType, "") }
  func doubleToFloat(_ value: IRValue) -> IRValue { LLVMBuildFPTrunc(builder, value, floatType, "") }
  func doubleVectorToFloat(_ value: IRValue) -> IRValue { LLVMBuildFPTrunc(builder, value, floatVectorType, "") }

  /// An <8 x i64> constant.
  func int64Splat(_ value: Int) -> IRValue {
    var elements = [LLVMValueRef?](repeating: constant(value), count: KernelFunctionBuilder.lanes)
    return LLVMConstVector(&elements, UInt32(KernelFunctionBuilder.lanes))
  }

  /// A runtime i64 splat to <8 x i64>.
  func splatInt64(_ scalar: IRValue) -> IRValue {
    let inserted = LLVMBuildInsertElement(builder, LLVMGetPoison(int64VectorType), scalar, laneIndex(0), "")
    let mask = LLVMConstNull(LLVMVectorType(int32Type, UInt32(KernelFunctionBuilder.lanes)))
    return LLVMBuildShuffleVector(builder, inserted, LLVMGetPoison(int64VectorType), mask, "")
  }

  /// A vector LeakyReLU (or scalar): `x > 0 ? x : x * slope` (NaN stays NaN).
  func leakyRelu(_ value: IRValue, slope: Float, vector: Bool = true) -> IRValue {
    let zero = vector ? splat(Float(0)) : floatConstant(0)
    let factor = vector ? splat(slope) : floatConstant(slope)
    return select(isOrderedGreater(value, zero), value, fmul(value, factor))
  }

  /// A fixed-size stack array of `count` floats (32-byte aligned), private to the calling thread.
  func stackFloats(_ count: Int) -> IRValue {
    let type = LLVMArrayType2(floatType, UInt64(max(1, count)))
    let slot = variable(type!)
    LLVMSetAlignment(slot, 64)
    return slot
  }
}
