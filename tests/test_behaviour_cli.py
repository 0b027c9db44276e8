"""``brainscore behavior``: fields of the JSON, one-sentence errors naming file, row and column; the offline error of
brainscore_vision's behavioural benchmarks."""

from __future__ import annotations

import json
import re

import pytest

from brainscore_lcl.cli import main
from brainscore_lcl.cli.behavior import JSON_FIELDS, SHAPE_FIELDS
from brainscore_lcl.testing import colour_classifier_network, tiny_geirhos_root

HEADER = "subj,session,trial,rt,object_response,category,condition,imagename\n"
GOOD_ROW = "m,1,1,NaN,airplane,airplane,0,0001_x_airplane2-bear1.png\n"


@pytest.fixture()
def root(tmp_path):
    return tiny_geirhos_root(tmp_path / "geirhos")


def behavior(root, *paths, extra=()):
    return main(
        ["behavior", "--decisions", *map(str, paths), "--dataset", "cue-conflict", "--data-root", str(root), *extra]
    )


def test_json_holds_the_issue_fields(root, tmp_path, capsys):
    decisions = tmp_path / "model.csv"
    decisions.write_text(HEADER + GOOD_ROW + "m,1,2,,bear,bear,0,0002_x_bear2-airplane2.png\n")
    out = tmp_path / "out" / "result.json"
    assert behavior(root, decisions, extra=("--json", str(out))) == 0
    result = json.loads(out.read_text())
    assert set(JSON_FIELDS + SHAPE_FIELDS) <= set(result)
    assert result["n_trials"] == 2 and result["accuracy"] == 1.0 and result["shape_bias"] == 1.0
    assert "error consistency" in capsys.readouterr().out


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "subj,session,trial,rt,object_response,category,condition\nm,1,1,0.1,dog,dog,0\n",
            r"model.csv row 1 \(header\): column 'imagename' is missing",
        ),
        (
            HEADER + GOOD_ROW + "m,1,2,NaN,doggo,dog,0,0002_x_dog1.png\n",
            r"model.csv row 3, column object_response: 'doggo' is neither one of the 16 categories",
        ),
        (HEADER + "m,1,1,NaN,dog,puppy,0,0001_x_dog1.png\n", r"model.csv row 2, column category: 'puppy' is not one"),
        (HEADER + "m,1,1,fast,dog,dog,0,0001_x_dog1.png\n", r"model.csv row 2, column rt: 'fast' is not a number"),
        (HEADER + "m,1,x,NaN,dog,dog,0,0001_x_dog1.png\n", r"model.csv row 2, column trial: 'x' is not an integer"),
        (HEADER + "m,1,1,NaN,dog,dog,0\n", r"model.csv row 2: has 7 fields where the header names 8"),
        (
            HEADER + "m,1,1,NaN,dog,dog,0,dog1\n",
            r"model.csv row 2, column imagename: 'dog1' does not end with an image",
        ),
        (HEADER + "m,1,1,NaN,dog,dog,,0001_x_dog1.png\n", r"model.csv row 2, column condition: empty"),
        (
            HEADER + GOOD_ROW + GOOD_ROW.replace("m,1,1", "m,1,2"),
            r"model.csv row 3, column imagename: stimulus 'airplane2-bear1.png' was already decided in "
            r".*model.csv row 2",
        ),
        (
            HEADER + GOOD_ROW + "other,1,2,NaN,bear,bear,0,0002_x_bear2-airplane2.png\n",
            r"model.csv row 3, column subj: 'other' differs from 'm'",
        ),
        (
            HEADER + "m,1,1,NaN,dog,dog,0,0001_x_dog1.png\n",
            r"none of the 1 decisions in .*model.csv matches a cue-conflict",
        ),
        (HEADER, r"model.csv row 2: the file holds a header but no decisions"),
    ],
)
def test_malformed_decisions_get_one_sentence(root, tmp_path, capsys, text, message):
    decisions = tmp_path / "model.csv"
    decisions.write_text(text)
    assert behavior(root, decisions) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Traceback" not in error
    assert re.search(message, error), error


def test_duplicates_across_files_and_missing_files_and_data(root, tmp_path, capsys):
    first, second = tmp_path / "session1.csv", tmp_path / "session2.csv"
    first.write_text(HEADER + GOOD_ROW)
    second.write_text(HEADER + GOOD_ROW)
    assert behavior(root, first, second) == 1
    assert (
        "session2.csv row 2, column imagename: stimulus 'airplane2-bear1.png' was already decided in"
        in capsys.readouterr().err
    )
    assert behavior(root, tmp_path / "absent.csv") == 1
    assert "absent.csv does not exist" in capsys.readouterr().err
    assert behavior(tmp_path / "nowhere", first) == 1
    assert "no Geirhos data at" in capsys.readouterr().err


def colour_classifier():
    """``--model-file`` function: red images are airplanes, green ones bears (``colour_classifier_network``)."""
    return colour_classifier_network()


def colour_features():
    """``--model-file`` function without an ImageNet readout."""
    from torch import nn

    return nn.Sequential(nn.Conv2d(3, 30, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())


def test_a_model_file_with_an_imagenet_readout_is_scored(root, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RESULTCACHING_DISABLE", "1")
    out = tmp_path / "result.json"
    assert (
        main(
            [
                "behavior",
                "--model-file",
                f"{__file__}:colour_classifier",
                "--image-size",
                "32",
                "--dataset",
                "cue-conflict",
                "--data-root",
                str(root),
                "--json",
                str(out),
            ]
        )
        == 0
    )
    result = json.loads(out.read_text())
    # hand-computed on TINY_CUE_CONFLICT (as for tests/test_analyses_behaviour.py): 3 of 4 right, kappa 1/18 on
    # average over the three observers, 2 of the 3 cue-conflict decisions follow the shape
    assert result["n_trials"] == 4 and result["accuracy"] == pytest.approx(0.75)
    assert result["error_consistency"] == pytest.approx(1 / 18) and result["shape_bias"] == pytest.approx(2 / 3)
    assert result["observer"].startswith(f"{__file__}:colour_classifier@")
    assert "error consistency" in capsys.readouterr().out


def test_a_model_without_an_imagenet_readout_is_one_sentence(root, capsys):
    spec = f"{__file__}:colour_features"
    assert (
        main(
            [
                "behavior",
                "--model-file",
                spec,
                "--image-size",
                "32",
                "--dataset",
                "cue-conflict",
                "--data-root",
                str(root),
            ]
        )
        == 1
    )
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Traceback" not in error
    assert (
        f"{spec} cannot make the 16-class decisions: the model has no ImageNet readout (its output has shape "
        "(30,), not 1000 class scores)" in error
    )
    assert main(["behavior", "--model", "lcl-v2", "--decisions", "x.csv", "--dataset", "cue-conflict"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "not allowed with argument" in error


def test_brainscore_vision_behaviour_benchmark_offline_names_the_local_ones(monkeypatch):
    import brainscore_vision
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError

    from brainscore_lcl.data.sources import DataUnavailableError
    from brainscore_lcl.scoring import score

    def fetch_lazily(model):  # what brainio's S3 fetch raises offline, on first use of the data
        raise Exception([NoCredentialsError(), EndpointConnectionError(endpoint_url="https://brainscore-storage")])

    monkeypatch.setattr(brainscore_vision, "load_benchmark", lambda identifier: fetch_lazily)
    with pytest.raises(
        DataUnavailableError,
        match=r"Geirhos2021edge-error_consistency' needs files that could not be "
        r"downloaded \(Could not connect.*Geirhos2019local.cue-conflict",
    ):
        score("alexnet-untrained", "Geirhos2021edge-error_consistency", model=object())
