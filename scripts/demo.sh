#!/usr/bin/env bash
# The README's main job on the embedded default input: installs what is missing, builds stunetc in
# release, writes the project's synthetic CT phantom to out/demo/phantom.nii.gz and segments it with
# STU-Net-S, writing out/demo/phantom_seg.nii.gz and out/demo/preview.png.
# Without --weights the network has seeded random weights (the labels then mean nothing medically);
# pass a real checkpoint for real organs:
#   scripts/demo.sh --weights small_ep4k.model        (small_ep4k.model.pkl beside it)
# Any other `stunetc segment` option may follow (--fast, --tta, --label-order totalsegmentator-v1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "demo: building stunetc (release)" >&2
swift build -c release --product stunetc >&2
start=$(date +%s)
echo "demo: .build/release/stunetc segment --demo $*" >&2
.build/release/stunetc segment --demo "$@"
echo "demo: finished in $(($(date +%s) - start)) s: out/demo/phantom.nii.gz (input), out/demo/phantom_seg.nii.gz (labels), out/demo/preview.png" >&2
