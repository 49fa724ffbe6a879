// Writes label maps and float images with the geometry of an input header (see OutputHeader for
// exactly which fields change). Output keeps the input's NIfTI version and byte order; it is
// gzip-compressed when the path ends in ".gz", and always written atomically (temporary file in
// the same folder, then rename), so a failed write never leaves a partial output.
import Foundation
import TensorCore

public enum NIfTIWriter {
  public static let labelDescription = "stunetc label map"
  public static let floatDescription = "stunetc float32 image"

  /// Writes integer labels in (k, j, i) order as uint8, or uint16 when a label exceeds 255.
  /// `labels.shape` must equal `header.shapeKJI`; values must be whole numbers in 0...65535.
  public static func writeLabels(_ labels: Tensor, like header: NIfTIHeader, to url: URL) throws {
    try checkShape(labels.shape, header: header, path: url.path)
    let maximum = labels.data.max() ?? 0
    let datatype: NIfTIDataType = maximum > 255 ? .uint16 : .uint8
    try write(labels, as: datatype, like: header, to: url, description: labelDescription)
  }

  /// Writes uint8 labels in (k, j, i) order.
  public static func writeLabels(_ labels: [UInt8], shapeKJI: [Int], like header: NIfTIHeader, to url: URL) throws {
    try checkShape(shapeKJI, count: labels.count, header: header, path: url.path)
    try write(labels.map { Float($0) }, shapeKJI: shapeKJI, as: .uint8, like: header, to: url, description: labelDescription)
  }

  /// Writes uint16 labels in (k, j, i) order, as uint8 when every label fits.
  public static func writeLabels(_ labels: [UInt16], shapeKJI: [Int], like header: NIfTIHeader, to url: URL) throws {
    try checkShape(shapeKJI, count: labels.count, header: header, path: url.path)
    let datatype: NIfTIDataType = (labels.max() ?? 0) > 255 ? .uint16 : .uint8
    try write(labels.map { Float($0) }, shapeKJI: shapeKJI, as: datatype, like: header, to: url, description: labelDescription)
  }

  /// Writes float32 values in (k, j, i) order (probabilities, debugging images).
  public static func writeFloat(_ image: Tensor, like header: NIfTIHeader, to url: URL, description: String = floatDescription) throws {
    try write(image, as: .float32, like: header, to: url, description: description)
  }

  /// Writes `voxels` (shape `header.shapeKJI`) as `datatype` with the header's geometry.
  public static func write(
    _ voxels: Tensor, as datatype: NIfTIDataType, like header: NIfTIHeader, to url: URL, description: String
  ) throws {
    try checkShape(voxels.shape, header: header, path: url.path)
    try write(voxels.data, shapeKJI: voxels.shape, as: datatype, like: header, to: url, description: description)
  }

  private static func write(
    _ values: [Float], shapeKJI: [Int], as datatype: NIfTIDataType, like header: NIfTIHeader, to url: URL,
    description: String
  ) throws {
    let path = url.path
    var file = OutputHeader.bytes(like: header, datatype: datatype, description: description)
    file.append(contentsOf: [0, 0, 0, 0])  // extension flag: no extensions
    file.reserveCapacity(file.count + values.count * datatype.byteSize)
    try values.withUnsafeBufferPointer { buffer in
      try VoxelEncoder.encode(buffer, as: datatype, order: header.byteOrder, into: &file, path: path)
    }
    if url.pathExtension.lowercased() == "gz" {
      file = try GzipDeflater.compress(file, path: path)
    }
    try AtomicFileWriter.write(file, to: url)
  }

  private static func checkShape(_ shape: [Int], count: Int? = nil, header: NIfTIHeader, path: String) throws {
    guard shape == header.shapeKJI else {
      throw NIfTIError.shapeMismatch(path: path, expectedKJI: header.shapeKJI, actual: shape)
    }
    if let count, count != header.voxelCount {
      throw NIfTIError.valueCountMismatch(path: path, shapeKJI: shape, count: count)
    }
  }
}
