#!/usr/bin/env bash
# Installs the native dependencies stunetc links against (idempotent).
# LLVM 19 (C API, for the JIT/AOT backend), OpenBLAS (interpreter heavy ops), zlib (npz, NIfTI .gz, PNG).
set -euo pipefail
need=()
for pkg in llvm-19-dev libopenblas-dev zlib1g-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
