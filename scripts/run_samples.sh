#!/usr/bin/env bash
# The main job: sets up, builds, and runs every tutorial sample, ending with the
# logistic-regression training (TUTORIAL.md section 7).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
build_dir=${TJ_BUILD_DIR:-build}
# The other samples (precompiling, the MLP, ...) first; the tutorial's last section ends the job.
last="$build_dir/samples/07_logistic_regression"
for sample in "$build_dir"/samples/[0-9][0-9]_*; do
    [ -x "$sample" ] && [ "$sample" != "$last" ] || continue
    echo "== $(basename "$sample")"
    "$sample"
done
echo "== $(basename "$last")"
"$last"
