// A parsed NIfTI-1 or NIfTI-2 header. The raw header bytes are kept as the single source of truth:
// every field below is decoded from them, and the writer copies them and patches only the fields it
// must change, so geometry (dim, pixdim, xyzt_units, qform/sform, quatern_*, qoffset_*, srow_*) is
// carried into outputs bit for bit.

public struct NIfTIHeader: Sendable, Equatable {
  public let version: NIfTIVersion
  public let byteOrder: ByteOrder
  /// The header as stored in the file (sizeof_hdr bytes, in the file's byte order).
  public let rawBytes: [UInt8]

  /// dim[0...7] as stored.
  public let dim: [Int]
  public let datatype: NIfTIDataType
  public let bitpix: Int
  /// pixdim[0...7] as stored (pixdim[0] is qfac).
  public let pixdim: [Double]
  /// Byte offset of the voxel data from the start of the (decompressed) file.
  public let voxOffset: Int
  public let sclSlope: Double
  public let sclInter: Double
  public let qformCode: Int
  public let sformCode: Int
  /// quatern_b, quatern_c, quatern_d.
  public let quaternion: [Double]
  /// qoffset_x, qoffset_y, qoffset_z.
  public let quaternOffset: [Double]
  /// srow_x, srow_y, srow_z (each 4 values).
  public let sformRows: [[Double]]
  public let xyztUnits: Int
  public let intentCode: Int
  public let descrip: String

  /// Spatial size (ni, nj, nk): dim[1...3], with axes beyond dim[0] counted as 1.
  public let shapeIJK: [Int]
  /// Voxel size along i, j, k: |pixdim[1...3]|; an axis beyond dim[0] with no usable pixdim counts as 1.
  public let spacingIJK: [Double]
  /// ni·nj·nk (checked for overflow).
  public let voxelCount: Int
  /// voxelCount · bytes per voxel (checked for overflow).
  public let dataByteCount: Int
  /// Things worth telling the user that do not stop reading (e.g. negative pixdim).
  public let warnings: [String]

  /// Parses and validates a header from the first bytes of a (decompressed) NIfTI file.
  /// `path` only names the file in error messages.
  public init(parsing bytes: [UInt8], path: String = "<memory>") throws {
    guard bytes.count >= 4 else {
      throw NIfTIError.truncated(path: path, what: "the NIfTI header", needed: 348, available: bytes.count)
    }
    let (version, order) = try NIfTIHeader.detectVersion(bytes, path: path)
    let layout = HeaderLayout.of(version)
    guard bytes.count >= version.headerSize else {
      throw NIfTIError.truncated(
        path: path, what: "the NIfTI-\(version.rawValue) header", needed: version.headerSize, available: bytes.count)
    }
    let header = Array(bytes[0..<version.headerSize])
    try NIfTIHeader.checkMagic(header, layout: layout, path: path)
    let reader = FieldReader(bytes: header, order: order)
    var warnings: [String] = []

    self.version = version
    self.byteOrder = order
    self.rawBytes = header
    self.dim = (0..<8).map { reader.integer(layout.dimension($0), layout: layout) }
    let code = reader.int16(layout.datatype)
    guard let datatype = NIfTIDataType(rawValue: code) else {
      throw NIfTIError.unsupportedDatatype(path: path, code: code, name: NIfTIDataType.unsupportedName(code: code))
    }
    self.datatype = datatype
    self.bitpix = reader.int16(layout.bitpix)
    if bitpix != datatype.bitpix {
      warnings.append("\(path): bitpix is \(bitpix) but datatype \(datatype.name) has \(datatype.bitpix) bits; the datatype was used.")
    }
    self.pixdim = (0..<8).map { reader.real(layout.real(layout.pixdim, $0), layout: layout) }
    let rawVoxOffset = version == .nifti1 ? reader.float32(layout.voxOffset) : Double(reader.int64(layout.voxOffset))
    self.sclSlope = reader.real(layout.sclSlope, layout: layout)
    self.sclInter = reader.real(layout.sclInter, layout: layout)
    self.qformCode = reader.code(layout.qformCode, layout: layout)
    self.sformCode = reader.code(layout.sformCode, layout: layout)
    self.quaternion = (0..<3).map { reader.real(layout.real(layout.quaternB, $0), layout: layout) }
    self.quaternOffset = (3..<6).map { reader.real(layout.real(layout.quaternB, $0), layout: layout) }
    self.sformRows = (0..<3).map { row in
      (0..<4).map { reader.real(layout.real(layout.srowX, row * 4 + $0), layout: layout) }
    }
    self.xyztUnits = version == .nifti1 ? reader.uint8(layout.xyztUnits) : reader.int32(layout.xyztUnits)
    self.intentCode = reader.code(layout.intentCode, layout: layout)
    self.descrip = reader.string(layout.descrip, length: 80)

    self.shapeIJK = try NIfTIHeader.spatialShape(dim, path: path)
    guard let voxels = NIfTIHeader.checkedProduct(shapeIJK),
      let bytesNeeded = NIfTIHeader.checkedProduct([voxels, datatype.byteSize])
    else {
      throw NIfTIError.tooLarge(
        path: path, what: "dims \(shapeIJK) of \(datatype.name) overflow 64-bit sizes")
    }
    self.voxelCount = voxels
    self.dataByteCount = bytesNeeded
    self.voxOffset = try NIfTIHeader.validVoxOffset(rawVoxOffset, version: version, path: path)
    self.spacingIJK = try NIfTIHeader.spacing(pixdim, rank: dim[0], path: path, warnings: &warnings)
    self.warnings = warnings
  }

  /// (ni, nj, nk) reversed: nnU-Net's array order.
  public var shapeKJI: [Int] { shapeIJK.reversed() }
  public var spacingKJI: [Double] { spacingIJK.reversed() }

  /// The (slope, intercept) to apply to stored values, or nil when there is none: a slope of 0 or a
  /// non-finite slope means "no scaling" (NIfTI standard); a non-finite intercept counts as 0.
  public var scaling: (slope: Double, intercept: Double)? {
    guard sclSlope != 0, sclSlope.isFinite else { return nil }
    let intercept = sclInter.isFinite ? sclInter : 0
    if sclSlope == 1 && intercept == 0 { return nil }
    return (sclSlope, intercept)
  }
}

extension NIfTIHeader {
  static func detectVersion(_ bytes: [UInt8], path: String) throws -> (NIfTIVersion, ByteOrder) {
    let little = FieldReader(bytes: bytes, order: .little).int32(0)
    let big = FieldReader(bytes: bytes, order: .big).int32(0)
    switch (little, big) {
    case (348, _): return (.nifti1, .little)
    case (540, _): return (.nifti2, .little)
    case (_, 348): return (.nifti1, .big)
    case (_, 540): return (.nifti2, .big)
    default:
      let shown = bytes.prefix(8).map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
      throw NIfTIError.notNIfTI(path: path, firstBytes: shown)
    }
  }

  static func checkMagic(_ header: [UInt8], layout: HeaderLayout, path: String) throws {
    let magic = Array(header[layout.magic..<(layout.magic + 4)])
    if magic == Array(layout.singleFileMagic.prefix(4)) { return }
    if magic == layout.pairMagicPrefix {
      throw NIfTIError.unsupportedFormat(
        path: path, what: "a two-file NIfTI header (.hdr with a separate .img)",
        advice: "Convert the pair to a single .nii or .nii.gz file (e.g. with nibabel or fslchfiletype).")
    }
    let what = layout.version == .nifti1 ? "an Analyze 7.5 header (no NIfTI magic 'n+1')" : "a 540-byte header without the NIfTI-2 magic 'n+2'"
    throw NIfTIError.unsupportedFormat(
      path: path, what: what, advice: "Convert the image to NIfTI (.nii/.nii.gz) with a current tool.")
  }

  /// dim[1...3] with unused axes as 1; every axis above the third must be 1.
  static func spatialShape(_ dim: [Int], path: String) throws -> [Int] {
    let rank = dim[0]
    guard (1...7).contains(rank) else {
      throw NIfTIError.invalidHeader(path: path, field: "dim[0]", value: "\(rank)", reason: "must be 1...7")
    }
    let used = Array(dim[1...rank])
    if let bad = used.firstIndex(where: { $0 < 1 }) {
      throw NIfTIError.invalidHeader(
        path: path, field: "dim[\(bad + 1)]", value: "\(used[bad])", reason: "every used axis needs at least one voxel")
    }
    if rank > 3, used[3...].contains(where: { $0 != 1 }) {
      throw NIfTIError.notThreeDimensional(path: path, dims: used)
    }
    return (1...3).map { $0 <= rank ? dim[$0] : 1 }
  }

  static func checkedProduct(_ values: [Int]) -> Int? {
    var total = 1
    for value in values {
      let (product, overflow) = total.multipliedReportingOverflow(by: value)
      if overflow { return nil }
      total = product
    }
    return total
  }

  static func validVoxOffset(_ value: Double, version: NIfTIVersion, path: String) throws -> Int {
    guard value.isFinite, value == value.rounded(), value >= Double(version.headerSize), value < 0x1p62 else {
      throw NIfTIError.invalidHeader(
        path: path, field: "vox_offset", value: "\(value)",
        reason: "a single-file NIfTI-\(version.rawValue) image needs a whole number ≥ \(version.headerSize) (the header size)")
    }
    return Int(value)
  }

  static func spacing(_ pixdim: [Double], rank: Int, path: String, warnings: inout [String]) throws -> [Double] {
    var spacing: [Double] = []
    for axis in 1...3 {
      let value = pixdim[axis]
      if value.isFinite && value != 0 {
        spacing.append(abs(value))
      } else if axis > rank {
        spacing.append(1)  // an axis the image does not use; its pixdim may hold anything
      } else {
        throw NIfTIError.invalidHeader(
          path: path, field: "pixdim[\(axis)]", value: "\(value)",
          reason: "the voxel size must be a finite non-zero number, or the image cannot be resampled")
      }
    }
    if (1...min(3, rank)).contains(where: { pixdim[$0] < 0 }) {
      warnings.append("\(path): negative voxel sizes in pixdim \(Array(pixdim[1...3])); their absolute values were used as spacing.")
    }
    return spacing
  }
}

extension String {
  func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
