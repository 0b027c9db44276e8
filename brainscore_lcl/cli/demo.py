"""``brainscore demo``: score every offline model on the simulated V1 and V2 benchmarks and print a table."""

from __future__ import annotations

import argparse
import csv
import json
import sys
import textwrap

from brainscore_lcl.controls import CONTROL_MODELS
from brainscore_lcl.paths import output_folder

#: the offline models, then the controls (docs/controls.md): every score is read beside theirs
DEMO_MODELS = ("sim-generator", "v1-steerpyr", "v1-steerpyr-pool", "alexnet-untrained", "lcl-v2") + CONTROL_MODELS
DEMO_BENCHMARKS = ("FreemanZiemba2013sim.V1-pls", "FreemanZiemba2013sim.V2-pls")


def command_demo(args: argparse.Namespace) -> int:
    """Score ``--models`` on ``DEMO_BENCHMARKS`` (one progress bar, a step per model); write ``demo_scores.csv`` and
    ``.json`` to ``--out``; print the table and what the simulated data can and cannot show."""
    from tqdm import tqdm

    from brainscore_lcl.analyses.common import SIMULATED_DATA_NOTE
    from brainscore_lcl.errors import ModelUnavailableError
    from brainscore_lcl.progress import inner_bars_hidden
    from brainscore_lcl.results.cell import CellRequest, score_cell
    from brainscore_lcl.scoring import check_model_ids

    check_model_ids(args.models)
    out = output_folder(args.out, "--out")
    out.mkdir(parents=True, exist_ok=True)
    rows, skipped = [], []
    with inner_bars_hidden():
        progress = tqdm(args.models, desc="demo", unit="model", disable=False, file=sys.stderr)
        for model_id in progress:
            progress.set_postfix_str(model_id)
            for benchmark_id in DEMO_BENCHMARKS:
                try:
                    record = score_cell(CellRequest(model_id, benchmark_id)).record
                except ModelUnavailableError as error:
                    skipped.append(f"{model_id}: {error}")
                    break
                rows.append(record)
                progress.write(record.line())
    table = [
        {
            "model": r.model,
            "benchmark": r.benchmark,
            "score": r.score,
            "score_paper": r.details.get("score_paper"),
            "score_paper_std": r.details.get("score_paper_std"),
            "raw": r.raw,
            "ceiling": r.ceiling,
            "error": r.error,
            "n_neuroids": r.n_neuroids,
            "layer": r.layer,
        }
        for r in rows
    ]
    with open(out / "demo_scores.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    (out / "demo_scores.json").write_text(json.dumps(table, indent=2))
    print()
    print(f"{'model':<20} {'benchmark':<30} {'score':>7} {'paper def.':>14} {'layer':<12}")
    for row in table:
        print(
            f"{row['model']:<20} {row['benchmark']:<30} {row['score']:>7.3f} "
            f"{row['score_paper']:>7.3f}+-{row['score_paper_std']:.3f} {str(row['layer']):<12}"
        )
    for line in skipped:
        print(f"skipped {line}")
    print()
    print(textwrap.fill(SIMULATED_DATA_NOTE, width=120))
    print()
    print(f"tables written to {out / 'demo_scores.csv'} and {out / 'demo_scores.json'}")
    return 0


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``demo`` to the ``brainscore`` command's subparsers."""
    parser = commands.add_parser("demo", help="score the offline models on the simulated V1 and V2 data")
    parser.add_argument("--models", nargs="+", default=list(DEMO_MODELS))
    parser.add_argument("--out", default="results/demo")
    parser.set_defaults(func=command_demo)
