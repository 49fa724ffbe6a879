// The 104 TotalSegmentator v1 classes and the two numberings a label map can use: STU-Net's
// (Python `sorted()` of the names, 1-based, 0 = background; STUNET.md §8) and the official
// TotalSegmentator v1 order. STU-Net's order is derived here by sorting, as the original code does.

public enum LabelOrder: String, CaseIterable, Sendable {
  case stunet
  case totalSegmentatorV1 = "totalsegmentator-v1"
}

public enum LabelMaps {
  /// Class names in TotalSegmentator v1 order: element i-1 is TS v1 label i.
  public static let totalSegmentatorV1Names: [String] = [
    "spleen", "kidney_right", "kidney_left", "gallbladder",
    "liver", "stomach", "aorta", "inferior_vena_cava",
    "portal_vein_and_splenic_vein", "pancreas", "adrenal_gland_right", "adrenal_gland_left",
    "lung_upper_lobe_left", "lung_lower_lobe_left", "lung_upper_lobe_right", "lung_middle_lobe_right",
    "lung_lower_lobe_right", "vertebrae_L5", "vertebrae_L4", "vertebrae_L3",
    "vertebrae_L2", "vertebrae_L1", "vertebrae_T12", "vertebrae_T11",
    "vertebrae_T10", "vertebrae_T9", "vertebrae_T8", "vertebrae_T7",
    "vertebrae_T6", "vertebrae_T5", "vertebrae_T4", "vertebrae_T3",
    "vertebrae_T2", "vertebrae_T1", "vertebrae_C7", "vertebrae_C6",
    "vertebrae_C5", "vertebrae_C4", "vertebrae_C3", "vertebrae_C2",
    "vertebrae_C1", "esophagus", "trachea", "heart_myocardium",
    "heart_atrium_left", "heart_ventricle_left", "heart_atrium_right", "heart_ventricle_right",
    "pulmonary_artery", "brain", "iliac_artery_left", "iliac_artery_right",
    "iliac_vena_left", "iliac_vena_right", "small_bowel", "duodenum",
    "colon", "rib_left_1", "rib_left_2", "rib_left_3",
    "rib_left_4", "rib_left_5", "rib_left_6", "rib_left_7",
    "rib_left_8", "rib_left_9", "rib_left_10", "rib_left_11",
    "rib_left_12", "rib_right_1", "rib_right_2", "rib_right_3",
    "rib_right_4", "rib_right_5", "rib_right_6", "rib_right_7",
    "rib_right_8", "rib_right_9", "rib_right_10", "rib_right_11",
    "rib_right_12", "humerus_left", "humerus_right", "scapula_left",
    "scapula_right", "clavicula_left", "clavicula_right", "femur_left",
    "femur_right", "hip_left", "hip_right", "sacrum",
    "face", "gluteus_maximus_left", "gluteus_maximus_right", "gluteus_medius_left",
    "gluteus_medius_right", "gluteus_minimus_left", "gluteus_minimus_right", "autochthon_left",
    "autochthon_right", "iliopsoas_left", "iliopsoas_right", "urinary_bladder",
  ]

  /// Class names in STU-Net order: element i-1 is STU-Net label i (byte-wise string sort).
  public static let stunetNames: [String] = totalSegmentatorV1Names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }

  /// `stunetToTotalSegmentatorV1[s]` is the TS v1 label of STU-Net label s (index 0 = background = 0).
  public static let stunetToTotalSegmentatorV1: [Int] = {
    var table = [0]
    let position = Dictionary(uniqueKeysWithValues: totalSegmentatorV1Names.enumerated().map { ($1, $0 + 1) })
    for name in stunetNames { table.append(position[name] ?? 0) }
    return table
  }()

  /// The name of a label in the given order, or nil (0 is "background").
  public static func name(of label: Int, in order: LabelOrder) -> String? {
    if label == 0 { return "background" }
    let names = order == .stunet ? stunetNames : totalSegmentatorV1Names
    return label >= 1 && label <= names.count ? names[label - 1] : nil
  }

  /// Renumbers STU-Net labels to `order`; labels beyond the table (custom class counts) are kept.
  public static func renumber(_ label: Int, to order: LabelOrder) -> Int {
    guard order == .totalSegmentatorV1, label >= 0, label < stunetToTotalSegmentatorV1.count else { return label }
    return stunetToTotalSegmentatorV1[label]
  }
}
