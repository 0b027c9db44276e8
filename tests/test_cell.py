"""The one scoring operation and its keys (``brainscore_lcl.results.cell``, issue 29): the code version follows the
scoring source's bytes, a cell stored by other code is recomputed with a one-line reason, the data identity is the
release's content (a copy elsewhere has the same one), a model's identity is remembered until its checkpoint file
changes, and the scoring maths give the same bits on one thread as on two."""

from __future__ import annotations

import os
import shutil
from types import SimpleNamespace

import numpy as np
import pytest

from brainscore_lcl.model_helpers import identity
from brainscore_lcl.results import cell
from brainscore_lcl.results.db import ResultsDB
from brainscore_lcl.scoring import ScoreRecord

V1 = "FreemanZiemba2013sim.V1-pls"


def test_the_code_digest_follows_the_bytes_of_the_source_not_its_place_or_times(tmp_path):
    tree = tmp_path / "a" / "metrics"
    (tree / "sub").mkdir(parents=True)
    (tree / "scores.py").write_text("def score(x):\n    return x\n")
    (tree / "sub" / "table.json").write_text("[1, 2]")
    (tree / "notes.txt").write_text("not code")
    before = identity.tree_digest([tree])
    copy = tmp_path / "b" / "metrics"
    shutil.copytree(tree, copy, copy_function=shutil.copy)  # new files, new times
    os.utime(copy / "scores.py", (0, 0))
    (copy / "notes.txt").write_text("other words")
    assert identity.tree_digest([copy]) == before
    (copy / "scores.py").write_text("def score(x):\n    return 0.5 * x\n")
    assert identity.tree_digest([copy]) != before
    (copy / "scores.py").write_text("def score(x):\n    return x\n")
    (copy / "sub" / "table.json").write_text("[1, 3]")
    assert identity.tree_digest([copy]) != before


def test_the_code_version_names_the_plugin_and_the_libraries():
    version = identity.code_version("lcl-v2")
    assert version.startswith("src ") and "brainscore_vision 2.4.2" in version and "result_caching" in version
    assert identity.code_version("lcl-v2") != identity.code_version("v1-steerpyr")  # their own plugin folders


@pytest.fixture
def fake_scoring(monkeypatch, tmp_path):
    """``score_cell`` with the model given, the data identity fixed and the scoring counted (no data, no network)."""
    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path))
    monkeypatch.setattr("brainscore_lcl.data.identity.benchmark_data_identity", lambda *args: "sim:content")
    scored = []

    def score(model_id, benchmark_id, **options):
        scored.append(model_id)
        return ScoreRecord(model_id, benchmark_id, 0.25 * len(scored))

    monkeypatch.setattr("brainscore_lcl.scoring.score", score)
    return scored


def test_a_cell_made_by_other_code_is_recomputed_with_one_line_saying_so(fake_scoring, monkeypatch, tmp_path):
    db = ResultsDB(f"sqlite:///{tmp_path / 'results.sqlite'}")
    model = SimpleNamespace(weights_sha256="w" * 64, visual_degrees=lambda: 8.0)
    request = cell.CellRequest("sim-generator", V1)
    monkeypatch.setattr(identity, "code_version", lambda model_id=None: "src old; torch 2")
    first = cell.score_cell(request, db=db, model=model)
    again = cell.score_cell(request, db=db, model=model)
    assert (first.computed, again.computed, again.reason) == (True, False, None)
    assert again.record == first.record and fake_scoring == ["sim-generator"]

    monkeypatch.setattr(identity, "code_version", lambda model_id=None: "src new; torch 2")
    changed = cell.score_cell(request, db=db, model=model)
    assert changed.computed and changed.record.score == 0.5 and len(fake_scoring) == 2
    assert changed.reason.startswith("recomputed: the stored value 0.250 (")
    assert changed.reason.endswith("was made by other code (src old; now src new)")
    assert len(changed.reason.splitlines()) == 1
    assert {row["code_version"] for row in db.rows()} == {"src old; torch 2", "src new; torch 2"}


def test_a_former_score_file_is_ignored_in_one_line(fake_scoring, tmp_path, capsys):
    (tmp_path / "analyses").mkdir()
    (tmp_path / "analyses" / "scores.json").write_text("{}")
    model = SimpleNamespace(weights_sha256="w" * 64, visual_degrees=lambda: 8.0)
    for _ in range(2):
        cell.score_cell(cell.CellRequest("sim-generator", V1), db=None, model=model)
    assert capsys.readouterr().err.splitlines() == [
        f"brainscore: ignoring {tmp_path / 'analyses' / 'scores.json'}: scores now live in the results database "
        "only; delete the file"
    ]


def test_the_same_release_copied_to_another_cache_has_the_same_identity(tmp_path, monkeypatch):
    from brainscore_lcl import cache_dir
    from brainscore_lcl.data.identity import data_identity
    from brainscore_lcl.data.sources import announced_simulated_root

    original = data_identity("sim", None)
    release = announced_simulated_root()
    copy_cache = tmp_path / "other-machine"
    shutil.copytree(release, copy_cache / release.relative_to(cache_dir()), copy_function=shutil.copy)
    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(copy_cache))
    assert data_identity("sim", None) == original and str(tmp_path) not in original
    local = tmp_path / "local-release"  # the same files as a local release: edited, another identity
    shutil.copytree(release, local, copy_function=shutil.copy)
    same = data_identity("local", str(local))
    mat = next(local.glob("*.mat"))
    mat.write_bytes(mat.read_bytes()[:-1] + bytes([mat.read_bytes()[-1] ^ 1]))
    assert same.split(":", 1)[1] == original.split(":", 1)[1] != data_identity("local", str(local)).split(":", 1)[1]


def test_a_model_identity_is_remembered_until_its_checkpoint_file_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path))
    checkpoint = tmp_path / "encoder.pt"
    checkpoint.write_bytes(b"weights")
    known = {"weights_sha256": "a" * 64, "visual_degrees": 8.0}
    assert identity.known_model_identity("lcl-v2", checkpoint) is None
    identity.remember_model_identity("lcl-v2", checkpoint, known, SimpleNamespace(checkpoint_path=checkpoint))
    assert identity.known_model_identity("lcl-v2", checkpoint) == known
    assert identity.known_model_identity("lcl-v2", None) is None  # another checkpoint, another entry
    checkpoint.write_bytes(b"other weights")
    assert identity.known_model_identity("lcl-v2", checkpoint) is None
    identity.remember_model_identity("my_net.py:build", None, known, SimpleNamespace())  # a model file: never
    assert identity.known_model_identity("my_net.py:build", None) is None


def test_the_scoring_maths_give_the_same_bits_on_one_thread_and_on_two():
    from threadpoolctl import threadpool_limits

    from brainscore_lcl.metrics.pls import fit_dual_coefficients, gram_matrix
    from brainscore_lcl.scoring import fixed_threads

    generator = np.random.default_rng(0)
    features, targets = generator.normal(size=(300, 2000)), generator.normal(size=(300, 40))

    def fit() -> np.ndarray:
        gram = gram_matrix(features - features.mean(axis=0))
        return fit_dual_coefficients(gram, targets, n_components=10)

    results = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"), fixed_threads():
            results.append(fit())
    assert np.array_equal(results[0], results[1])


def test_a_grid_whose_cells_are_all_stored_builds_no_model_and_starts_no_cluster(fake_scoring, tmp_path):
    from brainscore_lcl.grid.cells import GridModel
    from brainscore_lcl.grid.run import run_grid

    db = ResultsDB(f"sqlite:///{tmp_path / 'results.sqlite'}")
    known = {"weights_sha256": "w" * 64, "visual_degrees": 8.0}
    identity.remember_model_identity("sim-generator", None, known, SimpleNamespace())
    for benchmark in (V1, "FreemanZiemba2013sim.V2-pls"):
        model = SimpleNamespace(weights_sha256=known["weights_sha256"], visual_degrees=lambda: 8.0)
        cell.score_cell(cell.CellRequest("sim-generator", benchmark), db=db, model=model)

    def no_cluster():
        raise AssertionError("a cluster was started")

    grid = [GridModel("sim-generator", "sim-generator")]
    summary = run_grid(grid, [V1, "FreemanZiemba2013sim.V2-pls"], client=no_cluster, db=db, progress=False)
    assert (summary.cells, summary.skipped, summary.computed) == (2, 2, 0)
