#!/usr/bin/env bash
# Sets everything up and runs the whole test suite (what CI runs).
# Tests that need ../shared (golden vectors, real scans, cases) skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
swift test --skip-build --disable-swift-testing "$@"
