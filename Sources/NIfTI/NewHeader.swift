// Creates a fresh NIfTI-1 header for an image this project makes itself (e.g. a synthetic
// phantom), from its size and voxel-to-world affine: sform and qform both set (code 1, scanner
// coordinates) and consistent, pixdim from the affine's column lengths, units mm and s.

extension NIfTIHeader {
  public static func make(
    shapeIJK: [Int], affine: [[Double]], datatype: NIfTIDataType, description: String = "stunetc"
  ) throws -> NIfTIHeader {
    let path = "<new header>"
    guard shapeIJK.count == 3, shapeIJK.allSatisfy({ (1...Int(Int16.max)).contains($0) }) else {
      throw NIfTIError.invalidHeader(
        path: path, field: "dim", value: "\(shapeIJK)", reason: "needs three sizes in 1...32767 for a NIfTI-1 header")
    }
    guard affine.count == 4, affine.allSatisfy({ $0.count == 4 && $0.allSatisfy(\.isFinite) }) else {
      throw NIfTIError.invalidHeader(path: path, field: "affine", value: "\(affine)", reason: "needs a finite 4×4 matrix")
    }
    let spacing = (0..<3).map { column in (0..<3).map { affine[$0][column] * affine[$0][column] }.reduce(0, +).squareRoot() }
    guard spacing.allSatisfy({ $0 > 0 }) else {
      throw NIfTIError.invalidHeader(path: path, field: "affine", value: "\(affine)", reason: "a voxel axis has zero length")
    }
    let (bcd, qfac) = NIfTIGeometry.quaternion(ofAffine: affine)
    let layout = HeaderLayout.nifti1
    var writer = FieldWriter(bytes: [UInt8](repeating: 0, count: 348), order: .little)
    writer.setInt32(348, at: 0)
    writer.setInt16(3, at: layout.dimension(0))
    for axis in 1...7 { writer.setInt16(Int16(axis <= 3 ? shapeIJK[axis - 1] : 1), at: layout.dimension(axis)) }
    writer.setInt16(Int16(datatype.rawValue), at: layout.datatype)
    writer.setInt16(Int16(datatype.bitpix), at: layout.bitpix)
    let pixdim = [qfac] + spacing + [1, 1, 1, 1]
    for index in 0..<8 { writer.setFloat32(Float(pixdim[index]), at: layout.real(layout.pixdim, index)) }
    writer.setFloat32(352, at: layout.voxOffset)
    writer.setFloat32(1, at: layout.sclSlope)
    writer.bytes[layout.xyztUnits] = 2 | 8  // NIFTI_UNITS_MM | NIFTI_UNITS_SEC
    writer.setString(description, at: layout.descrip, length: 80)
    writer.setInt16(1, at: layout.qformCode)
    writer.setInt16(1, at: layout.sformCode)
    let quaternFields = bcd + (0..<3).map { affine[$0][3] }
    for index in 0..<6 { writer.setFloat32(Float(quaternFields[index]), at: layout.real(layout.quaternB, index)) }
    for row in 0..<3 {
      for column in 0..<4 {
        writer.setFloat32(Float(affine[row][column]), at: layout.real(layout.srowX, row * 4 + column))
      }
    }
    for (index, byte) in layout.singleFileMagic.enumerated() { writer.bytes[layout.magic + index] = byte }
    return try NIfTIHeader(parsing: writer.bytes, path: path)
  }
}
