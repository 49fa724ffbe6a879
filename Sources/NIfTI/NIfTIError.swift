// Typed errors of the NIfTI reader and writer. Every message names the file, says what is wrong
// with it and what the user can do about it.
import Foundation

public enum NIfTIError: Error, CustomStringConvertible, Equatable {
  /// The file could not be opened or read at all.
  case unreadable(path: String, reason: String)
  /// The file has zero bytes.
  case emptyFile(path: String)
  /// The first bytes are neither a NIfTI-1 nor a NIfTI-2 header in either byte order.
  case notNIfTI(path: String, firstBytes: String)
  /// A recognisable but unsupported flavour (Analyze 7.5, a .hdr/.img pair, ...).
  case unsupportedFormat(path: String, what: String, advice: String)
  /// The file (or its decompressed content) ends before the data it declares.
  case truncated(path: String, what: String, needed: Int, available: Int)
  /// The gzip stream is damaged.
  case corruptCompression(path: String, reason: String)
  /// A header field holds a value that cannot describe an image.
  case invalidHeader(path: String, field: String, value: String, reason: String)
  /// A voxel type the pipeline cannot use (complex, RGB, binary, float128, unknown codes).
  case unsupportedDatatype(path: String, code: Int, name: String)
  /// More than three non-singleton axes, e.g. a true 4-D time series.
  case notThreeDimensional(path: String, dims: [Int])
  /// Sizes from the header overflow 64 bits or exceed what the file can hold.
  case tooLarge(path: String, what: String)
  /// Writer: the voxel array does not match the shape the header describes.
  case shapeMismatch(path: String, expectedKJI: [Int], actual: [Int])
  /// Writer: a flat voxel array does not hold shape's element count.
  case valueCountMismatch(path: String, shapeKJI: [Int], count: Int)
  /// Writer: a value cannot be stored in the requested datatype.
  case valueNotRepresentable(path: String, value: Float, flatIndex: Int, datatype: String)
  /// Writer: the output could not be created, written or moved into place.
  case writeFailed(path: String, reason: String)

  public var description: String {
    switch self {
    case .unreadable(let path, let reason):
      return "\(path): cannot read the file: \(reason)"
    case .emptyFile(let path):
      return "\(path): the file is empty (0 bytes). It was probably not copied or downloaded completely; fetch it again."
    case .notNIfTI(let path, let firstBytes):
      return "\(path): not a NIfTI file: the first bytes (\(firstBytes)) are neither a NIfTI-1 (sizeof_hdr 348) "
        + "nor a NIfTI-2 (sizeof_hdr 540) header, nor gzip data (1f 8b). Convert the image to NIfTI "
        + "(e.g. dcm2niix for DICOM) and try again."
    case .unsupportedFormat(let path, let what, let advice):
      return "\(path): \(what) is not supported. \(advice)"
    case .truncated(let path, let what, let needed, let available):
      return "\(path): truncated: \(what) needs \(needed) bytes but only \(available) are present. "
        + "The file was probably cut off while copying or downloading; fetch it again."
    case .corruptCompression(let path, let reason):
      return "\(path): the gzip data is damaged (\(reason)). Fetch the file again or recompress it."
    case .invalidHeader(let path, let field, let value, let reason):
      return "\(path): invalid NIfTI header: \(field) = \(value): \(reason). The file was written by a faulty "
        + "tool; re-export it (e.g. with nibabel or SimpleITK)."
    case .unsupportedDatatype(let path, let code, let name):
      return "\(path): voxel datatype \(name) (code \(code)) is not supported; a CT must hold one real value per "
        + "voxel (uint8/int8/int16/uint16/int32/uint32/int64/uint64/float32/float64). Convert the image to a "
        + "scalar type first."
    case .notThreeDimensional(let path, let dims):
      return "\(path): the image has dims \(dims), i.e. more than one volume (a true 4-D or higher series); "
        + "only 3-D images (optionally with singleton higher axes) can be segmented. Extract one volume first "
        + "(e.g. `fslroi in out 0 1` or nibabel's `img.slicer[..., 0]`)."
    case .tooLarge(let path, let what):
      return "\(path): \(what). The header's dims are corrupt or the file is incomplete."
    case .shapeMismatch(let path, let expected, let actual):
      return "\(path): cannot write: the voxel array has shape \(actual) but the reference header describes "
        + "(k, j, i) = \(expected). Pass an array in the reference image's (k, j, i) shape."
    case .valueCountMismatch(let path, let shape, let count):
      return "\(path): cannot write: \(count) voxel values given for shape (k, j, i) = \(shape); pass exactly "
        + "one value per voxel."
    case .valueNotRepresentable(let path, let value, let index, let datatype):
      return "\(path): cannot write: value \(value) at flat index \(index) does not fit \(datatype) "
        + "(labels must be whole numbers in 0...65535)."
    case .writeFailed(let path, let reason):
      return "\(path): cannot write the output (\(reason)); no output file was left behind. Check that the "
        + "folder exists and is writable and that the disk has space."
    }
  }
}
