#!/usr/bin/env python3
"""Expected values for the Segmentation tests, computed with the scipy / scikit-image functions
that nnU-Net v1 (1.7.1) calls, following STUNET.md section 7. Writes
Tests/SegmentationTests/SegmentationReferences.swift (inputs and expected outputs as Swift literals).

Usage: python3 scripts/reference/seg_references.py   (needs numpy, scipy, scikit-image)

The nnU-Net steps are re-expressed here from their documented behaviour (resample_patient,
resample_data_or_seg, resize_segmentation, _compute_steps_for_sliding_window, _get_gaussian):
 - new shape = np.round(spacing / target * shape); separate-axis rule at anisotropy > 3, checked
   on the original spacing then the target spacing, only when exactly one axis is the coarse one;
 - images: data.astype(float), skimage resize(order=3, mode='edge', anti_aliasing=False) per
   channel (per slice when separate, then map_coordinates order 0, mode 'nearest' along the
   coarse axis), cast back to float32;
 - probabilities back: the same with order 1;
 - labels: resize_segmentation(order=1) (one-hot, linear, >= 0.5, higher labels overwrite).
"""
import os
import sys

import numpy as np
from scipy.ndimage import gaussian_filter, map_coordinates
from skimage.transform import resize

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "SegmentationTests", "SegmentationReferences.swift")
THRESHOLD = 3.0


def separate_axis(original_spacing, target_spacing):
    for spacing in (np.array(original_spacing, float), np.array(target_spacing, float)):
        if np.max(spacing) / np.min(spacing) > THRESHOLD:
            axes = np.where(np.max(spacing) / spacing == 1)[0]
            return int(axes[0]) if len(axes) == 1 else None
    return None


def new_shape(shape, spacing, target):
    return [int(v) for v in np.round((np.array(spacing, float) / np.array(target, float)).astype(float) * np.array(shape))]


def resize_segmentation(seg, shape):
    out = np.zeros(shape, dtype=seg.dtype)
    for label in np.unique(seg):
        mask = resize((seg == label).astype(float), shape, 1, mode="edge", clip=True, anti_aliasing=False)
        out[mask >= 0.5] = label
    return out


def resample(data, shape, is_seg, axis, order):
    """data: [C, D, H, W]. Mirrors resample_data_or_seg with order_z = 0."""
    dtype = data.dtype
    if np.all(np.array(data.shape[1:]) == np.array(shape)):
        return data
    data = data.astype(float)
    fn = (lambda x, s, o: resize_segmentation(x, s)) if is_seg else (
        lambda x, s, o: resize(x, s, o, mode="edge", anti_aliasing=False))
    result = []
    for c in range(data.shape[0]):
        if axis is None:
            result.append(fn(data[c], shape, order))
            continue
        plane_shape = [shape[a] for a in range(3) if a != axis]
        slices = [fn(np.take(data[c], s, axis=axis), plane_shape, order) for s in range(data.shape[1 + axis])]
        stacked = np.stack(slices, axis)
        if stacked.shape[axis] != shape[axis]:
            grids = np.mgrid[: shape[0], : shape[1], : shape[2]].astype(float)
            for a in range(3):
                scale = float(stacked.shape[a]) / shape[a]
                grids[a] = scale * (grids[a] + 0.5) - 0.5
            stacked = map_coordinates(stacked, grids, order=0, mode="nearest")
        result.append(stacked)
    return np.stack(result).astype(dtype)


def tile_starts(size, patch, step):
    target = patch * step
    n = int(np.ceil((size - patch) / target)) + 1
    if n == 1:
        return [0]
    actual = (size - patch) / (n - 1)
    return [int(np.round(actual * k)) for k in range(n)]


def gaussian_map(patch, sigma_scale=1.0 / 8):
    tmp = np.zeros(patch)
    tmp[tuple(p // 2 for p in patch)] = 1
    g = gaussian_filter(tmp, [p * sigma_scale for p in patch], 0, mode="constant", cval=0)
    g = (g / np.max(g)).astype(np.float32)
    g[g == 0] = np.min(g[g != 0])
    return g


def softmax(logits):
    x = logits.astype(np.float64)
    e = np.exp(x - x.max(0, keepdims=True))
    return (e / e.sum(0, keepdims=True)).astype(np.float32)


# ---------------------------------------------------------------- Swift output
lines = []


def floats(name, array):
    values = ", ".join(str(np.float32(v)) for v in np.asarray(array, np.float32).ravel())
    lines.append(f"  static let {name}: [Float] = [{values}]")


def ints(name, values):
    lines.append(f"  static let {name}: [Int] = [{', '.join(str(int(v)) for v in np.ravel(values))}]")


def doubles(name, values):
    lines.append(f"  static let {name}: [Double] = [{', '.join(repr(float(v)) for v in values)}]")


def raw(text):
    lines.append(text)


def main():
    rng = np.random.default_rng(20240611)

    # Resampling cases: (name, shape, spacing, target).
    cases = [
        ("cubicIsotropic", (5, 7, 6), (2.0, 1.1, 1.3), (1.5, 1.5, 1.5)),
        ("cubicSeparateAxis0", (4, 9, 10), (5.0, 0.7, 0.8), (1.5, 1.5, 1.5)),
        ("cubicSeparateAxis1", (8, 3, 7), (0.6, 4.0, 0.7), (1.5, 1.5, 1.5)),
        ("cubicTargetAnisotropic", (6, 6, 5), (1.0, 1.0, 1.0), (4.0, 1.25, 1.0)),
    ]
    for name, shape, spacing, target in cases:
        image = (rng.normal(size=shape) * 300 + 40).astype(np.float32)
        image[0, 0, 0] = 1500  # a sharp outlier exercises the clip
        out_shape = new_shape(shape, spacing, target)
        axis = separate_axis(spacing, target)
        result = resample(image[None], out_shape, False, axis, 3)[0]
        assert result.shape == tuple(out_shape)
        raw(f"  // {name}: {shape} at {spacing} -> {target}; separate axis {axis}")
        floats(f"{name}Input", image)
        ints(f"{name}Shape", shape)
        doubles(f"{name}Spacing", spacing)
        doubles(f"{name}Target", target)
        ints(f"{name}OutputShape", out_shape)
        ints(f"{name}SeparateAxis", [] if axis is None else [axis])
        floats(f"{name}Output", result)

        # Probabilities back from the resampled grid to the original shape (order 1).
        channels = 3
        logits = rng.normal(size=(channels, *out_shape)).astype(np.float32) * 3
        probs = softmax(logits)
        back = resample(probs, list(shape), False, axis, 1)
        floats(f"{name}Probabilities", probs)
        floats(f"{name}ProbabilitiesBack", back)
        ints(f"{name}ArgmaxBack", back.argmax(0))

        # Labels back with resize_segmentation (blocky labels so regions span several voxels).
        coarse = rng.integers(0, 5, size=[max(1, s // 2) for s in out_shape])
        labels = np.kron(coarse, np.ones((2, 2, 2), int))[: out_shape[0], : out_shape[1], : out_shape[2]]
        labels = np.pad(labels, [(0, o - l) for o, l in zip(out_shape, labels.shape)], mode="edge")
        labels_back = resample(labels[None].astype(np.float32), list(shape), True, axis, 1)[0]
        ints(f"{name}Labels", labels)
        ints(f"{name}LabelsBack", labels_back)

    # Labels halved exactly: weights 0.5 everywhere, ties go to the higher label.
    halves = rng.integers(0, 4, size=(8, 6, 4))
    ints("halvingLabels", halves)
    ints("halvingLabelsBack", resize_segmentation(halves, (4, 3, 2)))

    # Shapes and separate axes of larger grids (computed only, no data).
    shape_cases = [
        ((219, 512, 512), (2.5, 0.976, 0.976)),        # classic CT in (k, j, i)
        ((219, 512, 512), (2.5, np.float32(0.976), np.float32(0.976))),
        ((8, 64, 64), (5.0, 0.7, 0.7)),               # case C19 in (k, j, i)
        ((30, 101, 122), (3.0, 3.0, 3.0)),            # ts_example_ct_sm
        ((112, 101, 122), (3.0, 3.0, 3.0)),           # ts_example_ct
        ((112, 102, 122), (1.5, 1.5, 1.5)),           # ts_pulmonary_ct_cropped
        ((33, 47, 61), (1.5, 1.5, 1.5)),              # case C21
        ((3, 64, 64), (1.5, 1.5, 1.5)),               # case C20
        ((40, 300, 300), (0.8, 3.0, 0.8)),
        ((50, 50, 50), (1.0, 1.0, 3.5)),
        ((20, 20, 20), (4.0, 4.0, 1.0)),
        ((15, 33, 17), (0.45, 1.35, 2.25)),           # halves: 4.5, 29.7, 25.5
    ]
    raw("  // (shape, spacing) -> (shape at 1.5 mm, separate axis or -1)")
    raw("  static let shapeCases: [(shape: [Int], spacing: [Double], resampled: [Int], separateAxis: Int)] = [")
    for shape, spacing in shape_cases:
        target = (1.5, 1.5, 1.5)
        out = new_shape(shape, spacing, target)
        axis = separate_axis(spacing, target)
        sp = ", ".join(repr(float(s)) for s in spacing)
        raw(f"    ({list(shape)}, [{sp}], {out}, {-1 if axis is None else axis}),")
    raw("  ]")

    # Tile starts.
    raw("  static let tileStartCases: [(size: Int, patch: Int, step: Double, starts: [Int])] = [")
    for size, patch, step in [(128, 128, 0.5), (129, 128, 0.5), (192, 128, 0.5), (193, 128, 0.5), (202, 128, 0.5),
                              (224, 128, 0.5), (244, 128, 0.5), (203, 128, 0.5), (333, 128, 0.5), (365, 128, 0.5),
                              (400, 128, 0.5), (75, 64, 0.5), (107, 32, 0.5), (97, 32, 0.5), (147, 64, 0.5),
                              (301, 96, 0.25), (250, 128, 1.0), (13, 8, 0.5)]:
        raw(f"    ({size}, {patch}, {step}, {tile_starts(size, patch, step)}),")
    raw("  ]")

    # Gaussian importance maps.
    small = gaussian_map((8, 12, 10))
    ints("gaussianSmallPatch", [8, 12, 10])
    floats("gaussianSmall", small)
    big = gaussian_map((128, 128, 128))
    floats("gaussian128AlongAxis0", big[:, 64, 64])
    floats("gaussian128AlongAxis2AtCorner", big[0, 0, :])
    odd = gaussian_map((5, 7, 3))
    ints("gaussianOddPatch", [5, 7, 3])
    floats("gaussianOdd", odd)

    # Z-score the way nnU-Net computes it (float32 numpy statistics) and the CT scheme.
    volume = (rng.normal(size=(4, 5, 6)) * 250 + 1000).astype(np.float32)
    floats("zScoreInput", volume)
    mean, std = volume.mean(), volume.std()
    floats("zScoreOutput", (volume - mean) / (std + 1e-8))
    ct = np.clip(volume, np.float32(600.0), np.float32(1300.0))
    floats("ctOutput", (ct - np.float32(950.5)) / np.float32(180.25))

    # Softmax over channels.
    logits = (rng.normal(size=(5, 2, 3, 4)) * 4).astype(np.float32)
    floats("softmaxInput", logits)
    floats("softmaxOutput", softmax(logits))

    header = [
        "// Generated by scripts/reference/seg_references.py with numpy " + np.__version__ + ", scipy "
        + __import__("scipy").__version__ + ", scikit-image " + __import__("skimage").__version__ + ".",
        "// Expected values of nnU-Net v1's pipeline steps for small inputs. Do not edit by hand.",
        "",
        "enum SegmentationReferences {",
    ]
    with open(OUT, "w") as f:
        f.write("\n".join(header + lines + ["}", ""]))
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
