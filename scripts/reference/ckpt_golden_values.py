#!/usr/bin/env python3
"""Prints the few golden values the Archive/Checkpoint tests assert (needs numpy only).

Run from the package root: python3 scripts/reference/ckpt_golden_values.py
The values were pasted into Tests/ArchiveTests/GoldenNpzTests.swift and Tests/CheckpointTests.
"""
import numpy as np

golden = "../shared/golden/"
weights = np.load(golden + "stunet_tiny_weights.npz")
print("weights: keys", len(weights.files))
print("  conv_blocks_context.0.0.conv1.weight shape", weights["conv_blocks_context.0.0.conv1.weight"].shape,
      "first", float(weights["conv_blocks_context.0.0.conv1.weight"].ravel()[0]))
print("  seg_outputs.4.weight shape", weights["seg_outputs.4.weight"].shape)
print("  seg_outputs.4.bias[2]", float(weights["seg_outputs.4.bias"][2]))
print("  total parameters", sum(weights[k].size for k in weights.files))
io = np.load(golden + "stunet_tiny_io.npz")
for key in io.files:
    print("io:", key, io[key].shape, io[key].dtype)
print("io: logits sum (float64)", float(io["logits"].astype(np.float64).sum()))
print("io: argmax sum", int(io["argmax"].astype(np.int64).sum()))
