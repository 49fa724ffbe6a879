// One file inside a ZIP archive, as its central-directory record describes it (ZIP64 sizes and
// offsets already resolved), plus the signatures and limits shared by the reader and writer.

public struct ZipEntry: Hashable, Sendable {
  public var name: String
  /// 0 = stored, 8 = deflate.
  public var method: Int
  public var flags: UInt16
  public var crc32: UInt32
  public var compressedSize: Int
  public var uncompressedSize: Int
  public var localHeaderOffset: Int

  public var isStored: Bool { method == 0 }
  public var isEncrypted: Bool { flags & 1 != 0 }
  /// Bit 3: CRC and sizes follow the data in a data descriptor instead of the local header.
  public var hasDataDescriptor: Bool { flags & 8 != 0 }
}

enum ZipSignature {
  static let localHeader: UInt32 = 0x0403_4b50
  static let centralDirectory: UInt32 = 0x0201_4b50
  static let endOfCentralDirectory: UInt32 = 0x0605_4b50
  static let zip64EndOfCentralDirectory: UInt32 = 0x0606_4b50
  static let zip64Locator: UInt32 = 0x0706_4b50
  static let dataDescriptor: UInt32 = 0x0807_4b50
}

enum ZipLayout {
  static let localHeaderSize = 30
  static let centralDirectoryEntrySize = 46
  static let endRecordSize = 22
  static let zip64EndRecordSize = 56
  static let zip64LocatorSize = 20
  static let maxCommentLength = 65535
  static let zip64ExtraID: UInt16 = 0x0001
  /// Deflate cannot expand data by more than about 1032:1, so a larger declared ratio is corrupt.
  static let maxDeflateRatio = 1032
}
