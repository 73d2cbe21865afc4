#!/usr/bin/env bash
# Copies the committed seeds into libFuzzer's working corpus, then fuzzes one target.
#
#   fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags...]
#
# One process (no -jobs/-fork): the machine has 2 cores and others build on it. Crashes land in
# fuzz/artifacts/TARGET/. Needs cargo-fuzz (`cargo install cargo-fuzz`).
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [libFuzzer flags...]}
seconds=${2:-600}
shift $(( $# >= 2 ? 2 : 1 ))
mkdir -p "corpus/$target"
cp -n "seeds/$target"/* "corpus/$target/" 2>/dev/null || true
# Earlier crash inputs are replayed first: a fixed bug must stay fixed.
if [ -d "regressions/$target" ]; then
    cp -n "regressions/$target"/* "corpus/$target/" 2>/dev/null || true
fi
export RUSTC_BOOTSTRAP=1
exec cargo fuzz run "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 "$@"
