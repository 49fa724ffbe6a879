// Reads a .nii or .nii.gz file into a NIfTIImage. Compression is recognised by the gzip magic
// bytes 1f 8b, never by the file name. The header is inflated first, so the declared data size is
// known and checked (against overflow, vox_offset, and what the file can hold) before any voxel
// buffer is allocated.
import Foundation
import TensorCore

public enum NIfTIReader {
  public static func read(_ url: URL) throws -> NIfTIImage {
    let path = url.path
    if let problem = InputFileCheck.problem(path) { throw NIfTIError.unreadable(path: path, reason: problem) }
    let fileBytes: [UInt8]
    do {
      fileBytes = [UInt8](try Data(contentsOf: url, options: .mappedIfSafe))
    } catch {
      throw NIfTIError.unreadable(path: path, reason: error.localizedDescription)
    }
    return try decode(fileBytes, path: path)
  }

  /// Decodes the bytes of a whole .nii or .nii.gz file; `path` names it in messages.
  public static func decode(_ fileBytes: [UInt8], path: String) throws -> NIfTIImage {
    guard !fileBytes.isEmpty else { throw NIfTIError.emptyFile(path: path) }
    let (header, content) = try hasGzipMagic(fileBytes)
      ? inflateImage(fileBytes, path: path) : (NIfTIHeader(parsing: fileBytes, path: path), fileBytes)

    let dataEnd = header.voxOffset.addingReportingOverflow(header.dataByteCount)
    guard !dataEnd.overflow else {
      throw NIfTIError.tooLarge(path: path, what: "vox_offset + data size overflows 64 bits")
    }
    guard content.count >= dataEnd.partialValue else {
      throw NIfTIError.truncated(
        path: path, what: "\(header.shapeIJK.map(String.init).joined(separator: "×")) \(header.datatype.name) voxels "
          + "from vox_offset \(header.voxOffset)", needed: dataEnd.partialValue, available: content.count)
    }
    let values = content.withUnsafeBytes { all in
      VoxelDecoder.decode(
        UnsafeRawBufferPointer(rebasing: all[header.voxOffset..<dataEnd.partialValue]), count: header.voxelCount,
        datatype: header.datatype, order: header.byteOrder, scaling: header.scaling)
    }
    let voxels = try Tensor(validatingShape: header.shapeKJI, data: values)
    let geometry = NIfTIGeometry.resolve(header, path: path)
    return NIfTIImage(
      header: header, voxelsKJI: voxels, affine: geometry.affine, geometrySource: geometry.source,
      nonFiniteVoxelCount: VoxelDecoder.nonFiniteCount(values), warnings: header.warnings + geometry.warnings)
  }

  /// Inflates just enough for the header, validates it, then inflates exactly the declared data.
  private static func inflateImage(_ compressed: [UInt8], path: String) throws -> (NIfTIHeader, [UInt8]) {
    let inflater = try GzipInflater(compressed: compressed, path: path)
    var content: [UInt8] = []
    try inflater.read(into: &content, upTo: NIfTIVersion.nifti2.headerSize)
    guard !content.isEmpty else {
      throw NIfTIError.emptyFile(path: path + " (after decompression)")
    }
    let header = try NIfTIHeader(parsing: content, path: path)
    let (needed, overflow) = header.voxOffset.addingReportingOverflow(header.dataByteCount)
    let (capacity, capacityOverflow) = compressed.count.multipliedReportingOverflow(by: maximumDeflateRatio)
    guard !overflow, capacityOverflow || needed <= capacity + 1024 else {
      throw NIfTIError.tooLarge(
        path: path,
        what: "the header declares \(header.shapeIJK) \(header.datatype.name) voxels after vox_offset "
          + "\(header.voxOffset), more than a \(compressed.count)-byte gzip file can hold")
    }
    try inflater.read(into: &content, upTo: needed)
    guard content.count >= needed else {
      throw NIfTIError.truncated(
        path: path, what: "the decompressed image (\(header.shapeIJK) \(header.datatype.name) from vox_offset "
          + "\(header.voxOffset))", needed: needed, available: content.count)
    }
    try inflater.verifyCurrentMember()
    return (header, content)
  }
}
