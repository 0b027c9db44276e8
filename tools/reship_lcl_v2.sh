#!/usr/bin/env bash
# Retrain the shipped LCL-V2 checkpoint with the paper's recipe on the 1000-image ImageNet sample, ship it, and write
# its evidence report: one command for a GPU machine (about 2-4 minutes) or a quiet 2-core CPU (about 1.5 hours).
#   bash tools/reship_lcl_v2.sh [RUN_DIR] [DEVICE]        e.g. bash tools/reship_lcl_v2.sh runs/lcl-v2-sample cuda
# An interrupted run continues from RUN_DIR/state.pt when called again with the same RUN_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN="${1:-runs/lcl-v2-sample}"
DEVICE="${2:-$(.venv/bin/python -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")')}"
DATA="${LCL_SAMPLE_DATA:-../shared/data/imagenet-sample}"
RESUME=()
[ -f "$RUN/state.pt" ] && RESUME=(--resume)
.venv/bin/brainscore train --config lcl-v2-sample --data "$DATA" --out "$RUN" --device "$DEVICE" "${RESUME[@]}"
.venv/bin/python tools/ship_checkpoint.py --run "$RUN" --code-commit "$(git rev-parse HEAD)" \
    --data "1000-image ImageNet sample ($DATA: one ImageNet train image per class; 900 for training, 100 held out for the validation loss); trained on $DEVICE" \
    --out brainscore_lcl/weights/lcl-v2.pt
.venv/bin/python tools/checkpoint_report.py --checkpoint brainscore_lcl/weights/lcl-v2.pt --run-log "$RUN/log.csv" \
    --out brainscore_lcl/weights/lcl-v2-report
