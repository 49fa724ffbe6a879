"""Checks that the peers' PyTorch network (stunet_torch.py) is the same STU-Net as stunetc's:
1. the official-key checkpoint ../shared/golden/stunet_s_random.pth loads into preset S with
   strict=True (every key present, none extra, every shape equal);
2. on a small seeded input, its output (computed in float64) matches `stunetc run --backend
   interpreter` on the same weights within 1e-4 relative to the output's scale (max |a - b| / max |b|),
   the project's tolerance policy.

Usage (from the package root, after `swift build -c release --product stunetc`):
  python3 Benchmarks/peers/check_reference.py [--stunetc .build/release/stunetc] [--size 32]
Exit status 0 when both checks pass, 1 otherwise. Optional tooling: needs torch and numpy.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def load_state_dict(path):
    import torch
    checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    for key in ("state_dict", "network_weights", "model"):
        if isinstance(checkpoint, dict) and key in checkpoint and isinstance(checkpoint[key], dict):
            checkpoint = checkpoint[key]
    return {name: value for name, value in checkpoint.items() if hasattr(value, "shape")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", default=os.path.join(ROOT, "..", "shared", "golden", "stunet_s_random.pth"))
    parser.add_argument("--stunetc", default=os.path.join(ROOT, ".build", "release", "stunetc"))
    parser.add_argument("--size", type=int, default=32, help="cubic input edge (a multiple of 32)")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()

    import numpy as np
    import torch
    sys.path.insert(0, HERE)
    from stunet_torch import preset

    if not os.path.exists(args.checkpoint):
        print(f"check_reference: {args.checkpoint} is absent: nothing to check against")
        return 1
    state = load_state_dict(args.checkpoint)
    model = preset("S").eval()
    result = model.load_state_dict(state, strict=True)
    print(f"strict load of {os.path.basename(args.checkpoint)} into preset S: {len(state)} tensors, "
          f"missing {list(result.missing_keys)}, unexpected {list(result.unexpected_keys)}")

    generator = torch.Generator().manual_seed(1234)
    x = torch.randn(1, 1, args.size, args.size, args.size, generator=generator)
    with torch.inference_mode():
        reference = model.double()(x.double()).numpy()
        model.float()
        single = model(x).numpy().astype(np.float64)
    scale = float(np.max(np.abs(reference)))
    print(f"PyTorch fp32 vs fp64: max |diff| / max |ref| = {np.max(np.abs(single - reference)) / scale:.3e}")

    if not os.path.exists(args.stunetc):
        print(f"check_reference: {args.stunetc} not found; build it with swift build -c release --product stunetc")
        return 1
    with tempfile.TemporaryDirectory(prefix="stunet-check-") as directory:
        input_path = os.path.join(directory, "x.npy")
        output_path = os.path.join(directory, "y.npy")
        np.save(input_path, x.numpy())
        command = [args.stunetc, "run", "--variant", "S", "--weights", args.checkpoint, "--input", input_path,
                   "--output", output_path, "--backend", "interpreter"]
        print("running:", " ".join(command))
        if subprocess.run(command).returncode != 0:
            print("check_reference: stunetc run failed")
            return 1
        ours = np.load(output_path).astype(np.float64)
    if ours.shape != reference.shape:
        print(f"check_reference: stunetc output shape {ours.shape}, PyTorch {reference.shape}")
        return 1
    error = float(np.max(np.abs(ours - reference))) / scale
    verdict = "PASS" if error <= args.tolerance else "FAIL"
    print(f"stunetc interpreter vs PyTorch fp64 on {list(x.shape)}: output {list(ours.shape)}, "
          f"max |diff| / max |ref| = {error:.3e} (tolerance {args.tolerance:g}): {verdict}")
    return 0 if error <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
