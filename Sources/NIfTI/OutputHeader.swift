// Builds an output header from an input header: the input's bytes are copied and only the fields
// that describe the new voxel values are patched, in the input's byte order and NIfTI version.
// Everything that places the image in space (dim[1...], pixdim, xyzt_units, qform_code, sform_code,
// quatern_*, qoffset_*, srow_*) and the slice/time fields stay bit-identical to the input.
//
// Patched: dim[0] (always 3: a 4-D input with a singleton 4th axis, or a 2-D one, is written as
// 3-D), datatype, bitpix, vox_offset (352 for NIfTI-1, 544 for NIfTI-2: header + empty extension
// flag, no extensions), scl_slope 1, scl_inter 0, cal_min/cal_max 0 (display window of the input
// no longer applies), glmin/glmax 0, intent code/parameters/name cleared, descrip ours, aux_file
// cleared.

enum OutputHeader {
  static func bytes(like input: NIfTIHeader, datatype: NIfTIDataType, description: String) -> [UInt8] {
    let layout = HeaderLayout.of(input.version)
    var writer = FieldWriter(bytes: input.rawBytes, order: input.byteOrder)
    let rank = input.dim[0]
    if rank != 3 {
      writer.setInteger(3, at: layout.dimension(0), layout: layout)
      for axis in stride(from: max(rank + 1, 1), through: 3, by: 1) {
        writer.setInteger(1, at: layout.dimension(axis), layout: layout)
      }
    }
    writer.setInt16(Int16(datatype.rawValue), at: layout.datatype)
    writer.setInt16(Int16(datatype.bitpix), at: layout.bitpix)
    if layout.version == .nifti1 {
      writer.setFloat32(Float(input.version.minimalVoxOffset), at: layout.voxOffset)
    } else {
      writer.setInt64(Int64(input.version.minimalVoxOffset), at: layout.voxOffset)
    }
    writer.setReal(1, at: layout.sclSlope, layout: layout)
    writer.setReal(0, at: layout.sclInter, layout: layout)
    writer.setReal(0, at: layout.calMax, layout: layout)
    writer.setReal(0, at: layout.calMin, layout: layout)
    if let (globalMax, globalMin) = layout.globalMaxMin {
      writer.setInt32(0, at: globalMax)
      writer.setInt32(0, at: globalMin)
    }
    writer.setCode(0, at: layout.intentCode, layout: layout)
    writer.zero(at: layout.intentParameters, length: 3 * layout.realWidth)
    writer.zero(at: layout.intentName, length: 16)
    writer.setString(description, at: layout.descrip, length: 80)
    writer.zero(at: layout.auxFile, length: 24)
    return writer.bytes
  }
}
