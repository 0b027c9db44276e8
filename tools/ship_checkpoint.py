"""Turn a finished `brainscore train` run into the package's shipped encoder checkpoint.

Reads ``RUN/encoder.pt`` (best smoothed validation loss) and ``RUN/summary.json``, and writes the weights unchanged
with the
run's full description: config, data description, steps/epochs, stop reason, validation-loss curve, the code commit and
the versions it ran with, plus a readable JSON sidecar. Usage::

    python tools/ship_checkpoint.py --run out/lcl-v2-sample --data "1000-image ImageNet sample" \
        --code-commit $(git rev-parse HEAD) --out brainscore_lcl/weights/lcl-v2.pt
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from brainscore_lcl.checkpoint import load_encoder_checkpoint, save_encoder_checkpoint


def ship(run: Path, data: str, code_commit: str, out: Path) -> str:
    """Write ``out`` (and ``out`` with suffix .json) from the run folder; returns the weights' sha256."""
    payload = load_encoder_checkpoint(run / "encoder.pt")
    summary = json.loads((run / "summary.json").read_text())
    meta = dict(payload["meta"])
    meta.update(
        {
            "code_commit": code_commit,
            "run_steps": summary["step"],
            "run_epochs": summary["epoch"],
            "stop_reason": summary["stop_reason"],
            "best_val_loss_smoothed": summary["best_val_loss_smoothed"],
            "val_history": summary["val_history"],
            "device": summary.get("device"),
            "selected": f"weights at the best smoothed summed validation loss (step {meta['step']:d}, "
            f"epoch {meta['epoch']:d})",
        }
    )
    checksum = save_encoder_checkpoint(
        out, payload["state_dict"], architecture=payload["architecture"], config=payload["config"], data=data, meta=meta
    )
    os.chmod(out, 0o644)
    assert checksum == payload["sha256"], "the shipped weights must be the trained weights"
    sidecar = {
        "sha256": checksum,
        "data": data,
        "architecture": payload["architecture"],
        "config": payload["config"],
        **{key: value for key, value in meta.items() if key != "val_history"},
        "val_loss_curve": [[entry["step"], entry["loss"], entry.get("smoothed")] for entry in summary["val_history"]],
    }
    out.with_suffix(".json").write_text(json.dumps(sidecar, indent=1))
    return checksum


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="output folder of `brainscore train`")
    parser.add_argument("--data", required=True, help="what the run was trained on, in words")
    parser.add_argument("--code-commit", required=True, help="git commit of the training code the run used")
    parser.add_argument("--out", type=Path, default=Path("brainscore_lcl/weights/lcl-v2.pt"))
    args = parser.parse_args()
    print(f"wrote {args.out} (sha256 {ship(args.run, args.data, args.code_commit, args.out)})")


if __name__ == "__main__":
    main()
