// Byte offsets of the NIfTI-1 (348-byte) and NIfTI-2 (540-byte) header fields, from the two
// standards' C structures (nifti1.h / nifti2.h). NIfTI-1 stores dims as int16 and real fields as
// float32; NIfTI-2 stores dims and vox_offset as int64 and real fields as float64.

public enum NIfTIVersion: Int, Sendable {
  case nifti1 = 1
  case nifti2 = 2

  /// sizeof_hdr: the header's length in bytes.
  public var headerSize: Int { self == .nifti1 ? 348 : 540 }
  /// Offset of the voxel data in files this project writes: header + 4-byte extension flag.
  public var minimalVoxOffset: Int { headerSize + 4 }
}

/// Where each field lives and how wide it is.
struct HeaderLayout {
  let version: NIfTIVersion
  /// Width of integer dims / slice indices (2 for int16, 8 for int64).
  let integerWidth: Int
  /// Width of real fields (4 for float32, 8 for float64).
  let realWidth: Int
  /// Width of qform_code / sform_code / intent_code (2 in NIfTI-1, 4 in NIfTI-2).
  let codeWidth: Int

  let magic: Int
  let magicLength: Int
  let datatype: Int
  let bitpix: Int
  let dim: Int
  let intentParameters: Int
  let pixdim: Int
  let voxOffset: Int
  let sclSlope: Int
  let sclInter: Int
  let calMax: Int
  let calMin: Int
  let descrip: Int
  let auxFile: Int
  let qformCode: Int
  let sformCode: Int
  let quaternB: Int
  let srowX: Int
  let xyztUnits: Int
  let intentCode: Int
  let intentName: Int

  static let nifti1 = HeaderLayout(
    version: .nifti1, integerWidth: 2, realWidth: 4, codeWidth: 2,
    magic: 344, magicLength: 4, datatype: 70, bitpix: 72, dim: 40, intentParameters: 56, pixdim: 76,
    voxOffset: 108, sclSlope: 112, sclInter: 116, calMax: 124, calMin: 128, descrip: 148, auxFile: 228,
    qformCode: 252, sformCode: 254, quaternB: 256, srowX: 280, xyztUnits: 123, intentCode: 68,
    intentName: 328)

  static let nifti2 = HeaderLayout(
    version: .nifti2, integerWidth: 8, realWidth: 8, codeWidth: 4,
    magic: 4, magicLength: 8, datatype: 12, bitpix: 14, dim: 16, intentParameters: 80, pixdim: 104,
    voxOffset: 168, sclSlope: 176, sclInter: 184, calMax: 192, calMin: 200, descrip: 240, auxFile: 320,
    qformCode: 344, sformCode: 348, quaternB: 352, srowX: 400, xyztUnits: 500, intentCode: 504,
    intentName: 508)

  static func of(_ version: NIfTIVersion) -> HeaderLayout { version == .nifti1 ? nifti1 : nifti2 }

  /// Offset of element `index` of an array of reals starting at `base`.
  func real(_ base: Int, _ index: Int) -> Int { base + index * realWidth }
  /// Offset of dim[index].
  func dimension(_ index: Int) -> Int { dim + index * integerWidth }

  /// Offsets of the NIfTI-1-only "unused" Analyze fields glmax / glmin (nil for NIfTI-2).
  var globalMaxMin: (Int, Int)? { version == .nifti1 ? (140, 144) : nil }

  /// The magic bytes of a single-file image ("n+1\0" or "n+2\0\r\n\u{1a}\n").
  var singleFileMagic: [UInt8] {
    version == .nifti1 ? [0x6E, 0x2B, 0x31, 0] : [0x6E, 0x2B, 0x32, 0, 0x0D, 0x0A, 0x1A, 0x0A]
  }
  /// The magic of a two-file (.hdr/.img) image ("ni1\0" or "ni2\0...").
  var pairMagicPrefix: [UInt8] { version == .nifti1 ? [0x6E, 0x69, 0x31, 0] : [0x6E, 0x69, 0x32, 0] }
}

extension FieldReader {
  func integer(_ offset: Int, layout: HeaderLayout) -> Int {
    layout.integerWidth == 2 ? int16(offset) : int64(offset)
  }
  func real(_ offset: Int, layout: HeaderLayout) -> Double {
    layout.realWidth == 4 ? float32(offset) : float64(offset)
  }
  func code(_ offset: Int, layout: HeaderLayout) -> Int {
    layout.codeWidth == 2 ? int16(offset) : int32(offset)
  }
}

extension FieldWriter {
  mutating func setInteger(_ value: Int, at offset: Int, layout: HeaderLayout) {
    if layout.integerWidth == 2 { setInt16(Int16(clamping: value), at: offset) } else { setInt64(Int64(value), at: offset) }
  }
  mutating func setReal(_ value: Double, at offset: Int, layout: HeaderLayout) {
    if layout.realWidth == 4 { setFloat32(Float(value), at: offset) } else { setFloat64(value, at: offset) }
  }
  mutating func setCode(_ value: Int, at offset: Int, layout: HeaderLayout) {
    if layout.codeWidth == 2 { setInt16(Int16(clamping: value), at: offset) } else { setInt32(Int32(clamping: value), at: offset) }
  }
}
