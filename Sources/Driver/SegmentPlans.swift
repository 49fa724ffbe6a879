// The preprocessing settings of `stunetc segment` (STUNET.md §7 steps 3-6): target spacing, patch
// and normalisation from the nnU-Net plans that travel with the checkpoint, or the
// TotalSegmentator defaults (1.5 mm, 128^3, z-score 'nonCT') when there are none, with
// --spacing / --patch / --normalization overriding either. Every choice is noted for the report.
import Checkpoint
import Foundation
import Segmentation

struct SegmentPlans {
  var targetSpacing: [Double]
  var patchSize: [Int]
  var normalization: IntensityNormalization
  var notes: [String]

  static func resolve(plans: NNUNetPlans?, arguments: ParsedArguments) throws -> SegmentPlans {
    var spacing = SegmentationConfiguration.totalSegmentatorSpacing
    var patch = SegmentationConfiguration.totalSegmentatorPatch
    var normalization = IntensityNormalization.zScore
    var notes: [String] = []
    var normalizationProblem: String?
    if let plans {
      guard plans.targetSpacing.count == 3, plans.targetSpacing.allSatisfy({ $0.isFinite && $0 > 0 }) else {
        throw CommandLineError("the plans in \(plans.source) give target spacing \(plans.targetSpacing); give --spacing")
      }
      guard plans.patchSize.count == 3, plans.patchSize.allSatisfy({ $0 > 0 }) else {
        throw CommandLineError("the plans in \(plans.source) give patch size \(plans.patchSize); give --patch")
      }
      spacing = plans.targetSpacing
      patch = plans.patchSize
      let scheme = plans.normalizationSchemes.first ?? "nonCT"
      switch scheme {
      case "nonCT", "ZScoreNormalization":
        normalization = .zScore
      case "CT", "CTNormalization":
        normalizationProblem =
          "the plans ask for '\(scheme)' normalisation (percentile clip and the training set's mean and std), but the "
          + "checkpoint does not carry those dataset intensity properties"
      default:
        normalizationProblem = "the plans ask for '\(scheme)' normalisation, which stunetc does not implement"
      }
      if plans.normalizationSchemes.count > 1 {
        throw CommandLineError(
          "the plans describe \(plans.normalizationSchemes.count) input modalities; stunetc segment takes one image")
      }
      notes.append(
        "plans from \(plans.source): spacing \(format(spacing)) mm (k,j,i), patch \(patch.map(String.init).joined(separator: "x")), normalisation '\(scheme)'"
      )
    } else {
      notes.append(
        "no plans with the weights: TotalSegmentator defaults (spacing 1.5 mm, patch 128x128x128, z-score 'nonCT' normalisation)")
    }
    if let values = try arguments.doubleList("spacing") {
      guard values.count == 1 || values.count == 3, values.allSatisfy({ $0.isFinite && $0 > 0 }) else {
        throw CommandLineError("--spacing expects one positive size in mm or three (k,j,i), got '\(arguments.value("spacing") ?? "")'")
      }
      spacing = values.count == 1 ? Array(repeating: values[0], count: 3) : values
      notes.append("--spacing: target spacing \(format(spacing)) mm")
    }
    if let values = try arguments.integerList("patch") {
      guard values.count == 1 || values.count == 3, values.allSatisfy({ $0 > 0 && $0 <= 1024 }) else {
        throw CommandLineError("--patch expects one size or three (k,j,i), each in 1...1024, got '\(arguments.value("patch") ?? "")'")
      }
      patch = values.count == 1 ? Array(repeating: values[0], count: 3) : values
      notes.append("--patch: patch \(patch.map(String.init).joined(separator: "x"))")
    }
    if let name = arguments.value("normalization") {
      guard ["zscore", "nonCT"].contains(name) else {
        throw CommandLineError("--normalization accepts zscore (alias nonCT); the 'CT' scheme needs dataset statistics no checkpoint carries")
      }
      normalization = .zScore
      if let problem = normalizationProblem { notes.append("\(problem): z-score used as asked by --normalization") }
      normalizationProblem = nil
    }
    if let problem = normalizationProblem {
      throw CommandLineError("\(problem). Pass --normalization zscore to segment with a per-image z-score instead.")
    }
    return SegmentPlans(targetSpacing: spacing, patchSize: patch, normalization: normalization, notes: notes)
  }

  static func format(_ spacing: [Double]) -> String {
    spacing.map { String(format: "%g", $0) }.joined(separator: "x")
  }
}

extension ParsedArguments {
  /// `1.5` or `1.5,1.5,3` → [Double]
  func doubleList(_ name: String) throws -> [Double]? {
    guard let text = value(name) else { return nil }
    var numbers: [Double] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
      guard let number = Double(part.trimmingCharacters(in: .whitespaces)) else {
        throw CommandLineError("--\(name) expects comma-separated numbers like 1.5,1.5,1.5, got '\(text)'")
      }
      numbers.append(number)
    }
    return numbers
  }
}
