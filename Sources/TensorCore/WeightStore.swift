// Weights handed over to a compiler that packs them into its own layout: the compiler takes each
// tensor out once it is packed, so the host copy is freed as packing proceeds (for STU-Net-H the
// difference between holding 5.4 GiB twice and once). The caller gives up its own references by
// building the store from a dictionary it then drops.
public final class WeightStore: @unchecked Sendable {
  private var tensors: [String: Tensor]

  public init(_ tensors: [String: Tensor]) { self.tensors = tensors }

  /// The tensor of `name`, left in the store.
  public func peek(_ name: String) -> Tensor? { tensors[name] }

  /// The tensor of `name`, removed from the store (freed once the caller lets go of it).
  public func take(_ name: String) -> Tensor? { tensors.removeValue(forKey: name) }

  public var names: [String] { Array(tensors.keys) }
  public var isEmpty: Bool { tensors.isEmpty }
}
