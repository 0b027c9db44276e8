"""Published weight files: download into the cache, hash checks (published prefix, trust on first download),
the one-sentence offline error with exit code 1, availability for `brainscore list models`."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from brainscore_lcl import published_weights as pw
from brainscore_lcl.cli import main
from brainscore_lcl.registry import discover_plugins, model_registry

OFFLINE_URL = "http://127.0.0.1:9/weights.pth"  # the discard port: the connection is refused at once


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    discover_plugins()  # plugins register their files first; tests replace entries with monkeypatch.setitem
    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))


def with_weights(monkeypatch, model_id: str, *files: pw.WeightFile) -> None:
    """Give ``model_id`` the published ``files`` for one test."""
    monkeypatch.setitem(model_registry, model_id, replace(model_registry[model_id], weights=files))


@pytest.fixture
def published(tmp_path):
    source = tmp_path / "published.bin"
    source.write_bytes(b"stand-in weights")
    return source


def test_first_download_is_hashed_recorded_and_checked_later(published):
    weight_file = pw.WeightFile("w.bin", published.as_uri(), source="test")
    path = pw.weights_path("m", weight_file, show_progress=False)
    assert path == pw.weights_folder() / "w.bin" and path.read_bytes() == b"stand-in weights"
    assert pw.recorded_hashes() == {"w.bin": pw.file_sha256(published)}
    assert "recorded at first use" in pw.describe_hash(weight_file)
    path.write_bytes(b"tampered")
    with pytest.raises(pw.WeightsUnavailableError, match="has sha256 .* but .* is expected"):
        pw.weights_path("m", weight_file, show_progress=False)


def test_published_hash_and_prefix_are_enforced(published):
    digest = pw.file_sha256(published)
    assert pw.weights_path(
        "m", pw.WeightFile("a.bin", published.as_uri(), "test", sha256=digest), show_progress=False
    ).is_file()
    assert pw.recorded_hashes() == {}
    with pytest.raises(pw.WeightsUnavailableError, match="a hash starting 00000000"):
        pw.weights_path(
            "m", pw.WeightFile("b.bin", published.as_uri(), "test", sha256_prefix="00000000"), show_progress=False
        )
    assert pw.weights_path(
        "m", pw.WeightFile("c.bin", published.as_uri(), "test", sha256_prefix=digest[:8]), show_progress=False
    ).is_file()


def test_offline_error_is_one_sentence_naming_url_file_hash_and_folder():
    weight_file = pw.WeightFile("x-1234abcd.pth", OFFLINE_URL, "test source", sha256_prefix="1234abcd")
    with pytest.raises(pw.WeightsUnavailableError) as caught:
        pw.weights_path("some-model", weight_file, show_progress=False)
    message = str(caught.value)
    assert "\n" not in message
    for part in (OFFLINE_URL, "x-1234abcd.pth", "1234abcd", str(pw.weights_folder()), "download failed"):
        assert part in message
    assert not (pw.weights_folder() / "x-1234abcd.pth").exists()


def test_file_placed_by_hand_is_used_and_its_hash_recorded():
    weight_file = pw.WeightFile("manual.pt", "https://example.org/folder", "a cloud folder", direct=False)
    with pytest.raises(pw.WeightsUnavailableError, match="download by hand"):
        pw.weights_path("m", weight_file)
    pw.weights_folder().mkdir(parents=True)
    (pw.weights_folder() / "manual.pt").write_bytes(b"by hand")
    assert pw.weights_path("m", weight_file).read_bytes() == b"by hand"
    assert json.loads((pw.weights_folder() / pw.RECORD_FILE).read_text())["manual.pt"] == pw.file_sha256(
        pw.weights_folder() / "manual.pt"
    )


def test_cli_fetch_offline_exits_1_with_one_line(capsys, monkeypatch):
    with_weights(
        monkeypatch,
        "alexnet-supervised",
        pw.WeightFile("alexnet-owt-7be5be79.pth", OFFLINE_URL, "test", sha256_prefix="7be5be79"),
    )
    assert main(["weights", "fetch", "--model", "alexnet-supervised"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "alexnet-owt-7be5be79.pth" in error and OFFLINE_URL in error
    assert main(["weights", "fetch", "--model", "lpl-alexnet"]) == 1


def test_model_without_its_weights_exits_1_with_the_sentence(capsys, monkeypatch):
    with_weights(
        monkeypatch,
        "alexnet-supervised",
        pw.WeightFile("alexnet-owt-7be5be79.pth", OFFLINE_URL, "test", sha256_prefix="7be5be79"),
    )
    assert main(["info", "--model", "alexnet-supervised"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and OFFLINE_URL in error and str(pw.weights_folder()) in error


def test_cli_fetch_downloads(published, capsys, monkeypatch):
    with_weights(monkeypatch, "vonenet-alexnet", pw.WeightFile("vonealexnet_e70.pth.tar", published.as_uri(), "test"))
    assert main(["weights", "fetch", "--model", "vonenet-alexnet"]) == 0
    assert (pw.weights_folder() / "vonealexnet_e70.pth.tar").is_file()
    assert pw.availability("vonenet-alexnet") == "present"


def test_list_models_shows_availability(capsys):
    assert main(["list", "models"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if not line.startswith("#")}
    assert "missing: alexnet-owt-7be5be79.pth" in lines["alexnet-supervised"]
    assert "--checkpoint" in lines["lpl-alexnet"]
    assert "brainscore_vision resnet50_robust_l2_eps3" in lines["resnet50-l2at-eps3"]
    assert "no download needed" in lines["alexnet-untrained"]


@pytest.mark.parametrize("placed_as", ["alexnet_r.pt", "alexnet-r.pt"])
def test_alexnet_r_is_found_under_either_spelling(published, placed_as):
    (weight_file,) = model_registry["alexnet-l2at-eps3"].weights
    with pytest.raises(pw.WeightsUnavailableError, match=r"published\) alexnet_r.pt or alexnet-r.pt from"):
        pw.weights_path("alexnet-l2at-eps3", weight_file, show_progress=False)
    assert not pw.is_present(weight_file)
    pw.weights_folder().mkdir(parents=True)
    (pw.weights_folder() / placed_as).write_bytes(published.read_bytes())
    assert pw.is_present(weight_file)
    assert pw.weights_path("alexnet-l2at-eps3", weight_file, show_progress=False) == pw.weights_folder() / placed_as
