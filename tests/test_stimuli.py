"""Freeman-style stimuli (``brainscore stimuli make``) and the in-silico texture experiment (``brainscore texmod``), on
tiny images: spectra of the noise images, textures closer to their source than noise, the layout, resumption, a
planted model recovered, and the benchmark's own numbers on the simulated Freeman & Ziemba stimuli."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from brainscore_lcl.cli import main
from brainscore_lcl.data.freemanziemba import raw_image_name
from brainscore_lcl.stimuli.layout import find_stimuli, parse_stimulus_name, stimulus_file_name
from brainscore_lcl.stimuli.make import make_stimuli, read_png, write_png
from brainscore_lcl.stimuli.noise import amplitude_spectrum, spectrally_matched_noise, spectrum_error
from brainscore_lcl.stimuli.synthesis import MIN_SIZE, check_size, pyramid_scales, synthesize_textures

SIZE, SAMPLES, ITERATIONS = 64, 2, 30


def source_image(seed: int, size: int = 96) -> np.ndarray:
    """A structured source (uint8, (size, size)): oriented gratings under a random blob field, one per seed."""
    rng = np.random.default_rng(seed)
    rows, columns = np.mgrid[0:size, 0:size] / size
    angle, frequency = rng.uniform(0, np.pi), rng.uniform(6, 14)
    grating = np.sin(2 * np.pi * frequency * (np.cos(angle) * columns + np.sin(angle) * rows))
    blobs = np.real(np.fft.ifft2(np.fft.fft2(rng.standard_normal((size, size))) * np.exp(-((rows * 40) ** 2))))
    image = 0.5 + 0.3 * grating * (blobs > 0) + 0.1 * blobs / np.abs(blobs).max()
    return np.uint8(np.clip(image, 0, 1) * 255)


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sources")
    for seed in (1, 2):
        Image.fromarray(source_image(seed)).save(folder / f"source{seed}.png")
    return folder


@pytest.fixture(scope="module")
def made(sources, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("made") / "stim"
    record = make_stimuli(sources, out, samples=SAMPLES, size=SIZE, seed=3, iterations=ITERATIONS)
    return out, record


@pytest.mark.parametrize("shape", [(64, 64), (63, 65), (32, 48)])
def test_noise_has_the_amplitude_spectrum_of_its_target_to_float_precision(shape):
    target = np.random.default_rng(0).random(shape) ** 3
    noise = spectrally_matched_noise(target, np.random.default_rng(1))
    assert noise.dtype == np.float64 and noise.shape == shape
    assert np.allclose(np.abs(np.fft.fft2(noise)), np.abs(np.fft.fft2(target)), rtol=0, atol=1e-9)
    assert spectrum_error(noise, target) < 1e-14
    assert noise.mean() == pytest.approx(target.mean(), abs=1e-12)
    assert np.abs(noise - target).mean() > 0.05  # the phase did change
    other = spectrally_matched_noise(target, np.random.default_rng(2))
    assert not np.allclose(other, noise)


def test_amplitude_spectrum_by_hand():
    image = np.zeros((4, 4))
    image[0, 0] = 2.0  # an impulse: flat spectrum of height 2
    assert np.array_equal(amplitude_spectrum(image), np.full((4, 3), 2.0))


def test_names_follow_the_release_loader():
    assert stimulus_file_name("texture", 327, 1, 320) == raw_image_name("texture", 327, 1)
    assert stimulus_file_name("noise", 13, 15, 320) == raw_image_name("noise", 13, 15)
    assert parse_stimulus_name("noise-64x64-im3-smp12.png") == ("noise", 3, 12)
    assert parse_stimulus_name("source-64x64-im3.png") is None


def test_pyramid_scales_and_sizes():
    assert pyramid_scales(320) == 4 and pyramid_scales(112) == 4
    assert pyramid_scales(64) == 3 and MIN_SIZE == 64
    check_size(64)
    check_size(320)
    for bad in (60, 72, 48):
        with pytest.raises(ValueError, match="steerable pyramid"):
            check_size(bad)


def test_synthesis_is_deterministic_for_a_seed():
    source = source_image(1, size=SIZE) / 255.0
    first, first_losses = synthesize_textures(source, [5, 6], 5)
    again, again_losses = synthesize_textures(source, [5, 6], 5)
    assert np.array_equal(first, again) and np.array_equal(first_losses, again_losses)
    assert not np.array_equal(first[0], first[1])


def test_layout_and_record(made):
    out, record = made
    names = sorted(path.name for path in (out / "stim").iterdir())
    expected = sorted(
        stimulus_file_name(kind, family, sample, SIZE)
        for kind in ("texture", "noise")
        for family in (1, 2)
        for sample in range(1, SAMPLES + 1)
    )
    assert names == expected
    assert sorted(path.name for path in (out / "sources").iterdir()) == ["source-64x64-im1.png", "source-64x64-im2.png"]
    on_disk = json.loads((out / "stimuli.json").read_text())
    assert on_disk == json.loads(json.dumps(record))
    assert [source["file"] for source in record["sources"]] == ["source1.png", "source2.png"]
    assert record["parameters"]["n_scales"] == 3 and record["parameters"]["iterations"] == ITERATIONS
    assert set(record["versions"]) >= {"plenoptic", "torch", "brainscore_lcl"}
    assert all(entry["torch_threads"] >= 1 for entry in record["images"].values() if entry["texture_type"] == "texture")
    assert set(record["images"]) == set(expected)
    with Image.open(out / "stim" / expected[0]) as image:
        assert image.mode == "L" and image.size == (SIZE, SIZE)
    assert len(find_stimuli(out)) == len(expected)


def test_textures_end_closer_to_their_source_than_noise(made):
    _, record = made
    for family in (1, 2):
        for sample in range(1, SAMPLES + 1):
            texture = record["images"][stimulus_file_name("texture", family, sample, SIZE)]
            noise = record["images"][stimulus_file_name("noise", family, sample, SIZE)]
            assert texture["ps_error"] < 0.75 * noise["ps_error"]


def test_saved_noise_matches_its_saved_texture_up_to_8_bit_rounding(made):
    out, record = made
    for name, entry in record["images"].items():
        if entry["texture_type"] == "noise":
            texture = read_png(out / "stim" / name.replace("noise-", "tex-"))
            recomputed = spectrum_error(read_png(out / "stim" / name), texture)
            assert recomputed == pytest.approx(entry["spectrum_error"], rel=1e-9)
            assert recomputed < 0.1


def test_an_interrupted_run_continues_with_the_same_images(made, sources, tmp_path):
    out, record = made
    copy = tmp_path / "stim"
    for path in out.rglob("*"):
        if path.is_file():
            (copy / path.relative_to(out)).parent.mkdir(parents=True, exist_ok=True)
            (copy / path.relative_to(out)).write_bytes(path.read_bytes())
    lost = stimulus_file_name("texture", 2, 2, SIZE)
    (copy / "stim" / lost).unlink()
    partial = json.loads((copy / "stimuli.json").read_text())
    del partial["images"][lost]
    (copy / "stimuli.json").write_text(json.dumps(partial))
    resumed = make_stimuli(sources, copy, samples=SAMPLES, size=SIZE, seed=3, iterations=ITERATIONS)
    # remade alone (a batch of one) from its seed: the same texture as in the batch of two, up to float rounding
    difference = np.abs(read_png(copy / "stim" / lost) - read_png(out / "stim" / lost)) * 255
    assert difference.max() <= 1
    assert resumed["images"][lost]["seed"] == record["images"][lost]["seed"]
    untouched = stimulus_file_name("texture", 1, 1, SIZE)
    assert (copy / "stim" / untouched).read_bytes() == (out / "stim" / untouched).read_bytes()
    with pytest.raises(ValueError, match="made with iterations 30"):
        make_stimuli(sources, copy, samples=SAMPLES, size=SIZE, seed=3, iterations=ITERATIONS + 1)


def planted_stimuli(folder: Path, chosen: int) -> None:
    """3 families x 2 samples: family ``chosen``'s textures are sparse bright 4-px squares on gray (their noise, the
    same spectrum, has almost no bright pixel); the other families' textures and noise are dim smooth fields."""
    for family in (1, 2, 3):
        for sample in (1, 2):
            rng = np.random.default_rng(10 * family + sample)
            if family == chosen:
                texture = np.full((SIZE, SIZE), 0.4)
                texture[np.kron(rng.random((SIZE // 4, SIZE // 4)) < 0.05, np.ones((4, 4))) > 0] = 1.0
            else:
                texture = 0.45 + 0.1 * rng.random((SIZE, SIZE))
            noise = spectrally_matched_noise(texture, rng)
            for kind, image in (("texture", texture), ("noise", noise)):
                pixels = np.uint8(np.round(np.clip(image, 0, 1) * 255))
                write_png(folder / "stim" / stimulus_file_name(kind, family, sample, SIZE), pixels)


def planted_network() -> torch.nn.Module:
    """Units that count bright pixels (red channel above 0.8-0.95 of full scale, ImageNet-normalised input; x 100),
    plus a constant 0.01: they respond to the planted family's textures and to nothing else."""
    thresholds = torch.tensor([0.8, 0.85, 0.9, 0.95])
    detect = torch.nn.Conv2d(3, 4, 1)
    read_out = torch.nn.Conv2d(4, 4, 1)
    with torch.no_grad():
        detect.weight.zero_()
        detect.weight[:, 0, 0, 0] = 0.229  # undo the red channel's normalisation: weight * x + bias = pixel - t
        detect.bias.copy_(0.485 - thresholds)
        read_out.weight.copy_(100 * torch.eye(4)[:, :, None, None])
        read_out.bias.fill_(0.01)
    return torch.nn.Sequential(detect, torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), read_out)


def test_a_planted_model_is_recovered(tmp_path, monkeypatch):
    from brainscore_lcl.model_helpers.from_file import as_model_id
    from brainscore_lcl.texture_experiment import texture_experiment

    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))
    planted_stimuli(tmp_path / "planted", chosen=2)
    model_id = as_model_id(planted_network(), name="planted-family-2", layers=["3"])
    record = texture_experiment(model_id, tmp_path / "planted", layers=["3"], out=tmp_path / "out")
    numbers = record["layers"]["3"]
    assert numbers["top_family"] == 2
    assert numbers["families"] == [1, 2, 3]
    assert numbers["family_rmod"][1] > 0.1  # the aperture dims the bright squares away from the centre
    assert numbers["family_rmod"][0] == pytest.approx(0, abs=1e-6)
    assert numbers["family_rmod"][2] == pytest.approx(0, abs=1e-6)
    assert numbers["family_ranks"] == [1.5, 3.0, 1.5]
    written = {path.name for path in (tmp_path / "out").iterdir()}
    assert written == {"texmod.json", "texmod_units.csv", "texmod_families.csv", "texmod.png", "texmod.pdf"}
    assert "unit_rmod" not in json.loads((tmp_path / "out" / "texmod.json").read_text())["layers"]["3"]
    per_unit = numbers["unit_family_rmod"]
    assert per_unit.shape == (4, 3) and np.all(per_unit[:, 1] > 0) and np.allclose(per_unit[:, [0, 2]], 0, atol=1e-6)
    rows = (tmp_path / "out" / "texmod_units.csv").read_text().splitlines()
    assert rows[0] == "layer,unit,rmod,rmod_im1,rmod_im2,rmod_im3" and len(rows) == 1 + 4


def test_the_commands_run_end_to_end(made, sources, tmp_path, capsys):
    argv = ["stimuli", "make", "--images", str(sources), "--out", str(tmp_path / "few"), "--size", "64"]
    assert main([*argv, "--samples", "1", "--iterations", "3"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote 4 stimuli of 2 families to {tmp_path / 'few' / 'stim'}" in printed
    assert printed.splitlines()[-1].startswith("warning: 2 of 2 textures did not converge")
    out, _ = made
    assert main(["texmod", "--model", "lcl-v2", "--stimuli", str(out), "--out", str(tmp_path / "tm")]) == 0
    printed = capsys.readouterr().out
    assert "layer2:" in printed and "layer1:" in printed
    families = (tmp_path / "tm" / "texmod_families.csv").read_text().splitlines()
    assert families[0] == "layer,family,rmod,rank" and len(families) == 1 + 2 * 2
    # a model file with the documented defaults (224 px, 8 degrees): no --image-size, no --visual-degrees
    spec = f"{Path(__file__).parent / 'planted_texmod_nets.py'}:build"
    argv = ["texmod", "--model-file", spec, "--layers", "4", "--stimuli", str(out), "--out", str(tmp_path / "own")]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    # 1352 pooled units = 8 channels x 13 x 13 windows; those centred within 2 of 8 degrees: 8 x 37 positions
    assert "4: 296 of 1352 units used (1056 centred outside the aperture, 0 silent)" in printed


@pytest.mark.slow  # lcl-v2 on the 450 simulated stimuli twice and the benchmark's PLS reading: ~100 s on 2 cores
def test_on_the_freemanziemba_stimuli_texmod_equals_the_benchmark_units_reading():
    from brainscore_lcl.benchmarks.freemanziemba2013_texmod.benchmark import texture_modulation_details
    from brainscore_lcl.data.texture_responses import load_texture_data
    from brainscore_lcl.scoring import load_model
    from brainscore_lcl.texture_experiment import texture_experiment

    record = texture_experiment("lcl-v2", "freemanziemba2013", source="sim")
    details = texture_modulation_details(load_model("lcl-v2"), load_texture_data("sim", "V2"))
    assert record["n_images"] == details["n_images"] == 450
    assert record["layers"]["layer2"]["family_rmod"] == details["units"]["family_rmod"]
    assert record["layers"]["layer2"]["family_ranks"] == details["units"]["family_ranks"]
    assert [str(family) for family in record["layers"]["layer2"]["families"]] == details["data"]["families"]


def test_the_image_reader_converts_bit_depths_and_modes_by_hand(tmp_path):
    from brainscore_lcl.stimuli.images import read_gray_image

    sixteen = np.array([[0, 65535], [32768, 1000]], dtype=np.uint16)
    Image.fromarray(sixteen).save(tmp_path / "sixteen.png")
    assert np.allclose(read_gray_image(tmp_path / "sixteen.png"), sixteen / 65535.0)
    floats = np.array([[0.0, 0.25], [0.5, 1.0]], dtype=np.float32)
    Image.fromarray(floats, mode="F").save(tmp_path / "float.tiff")
    assert np.allclose(read_gray_image(tmp_path / "float.tiff"), floats)
    Image.fromarray(floats * 2, mode="F").save(tmp_path / "bright.tiff")
    with pytest.raises(ValueError, match=r"float image with values in \[0, 2\]"):
        read_gray_image(tmp_path / "bright.tiff")
    palette = Image.new("P", (2, 1))
    palette.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    palette.putpixel((1, 0), 1)
    palette.save(tmp_path / "palette.png")
    # ITU-R 601-2 luma of pure red (299/1000 * 255 = 76.2 -> 76) and pure blue (114/1000 * 255 = 29.1 -> 29)
    assert np.array_equal(read_gray_image(tmp_path / "palette.png") * 255, [[76, 29]])
    rgba = np.zeros((1, 1, 4), dtype=np.uint8)
    rgba[0, 0] = (0, 255, 0, 0)  # transparent green: the alpha is ignored, luma 587/1000 * 255 = 149.7 -> 150
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "rgba.png")
    assert read_gray_image(tmp_path / "rgba.png")[0, 0] * 255 == pytest.approx(150)


def test_saved_noise_keeps_its_textures_ac_energy_per_family_and_band(made):
    from brainscore_lcl.stimuli.noise import ac_energy_ratio, radial_band_energies

    out, record = made
    for family in (1, 2):
        textures = [read_png(out / "stim" / stimulus_file_name("texture", family, k, SIZE)) for k in (1, 2)]
        noises = [read_png(out / "stim" / stimulus_file_name("noise", family, k, SIZE)) for k in (1, 2)]
        for texture, noise in zip(textures, noises):
            assert ac_energy_ratio(noise, texture) == pytest.approx(1, abs=0.01)
            bands = radial_band_energies(noise, 4) / radial_band_energies(texture, 4)
            assert np.allclose(bands, 1, atol=0.03), bands
    noise_entries = [entry for entry in record["images"].values() if entry["texture_type"] == "noise"]
    assert all(entry["clipped_fraction"] == 0 for entry in noise_entries)
    assert all(0 < entry["contrast"] <= 1 for entry in noise_entries)
    assert record["quality"]["unmatched_noise"] == []


def test_a_common_contrast_keeps_both_images_inside_the_range():
    from brainscore_lcl.stimuli.noise import common_contrast

    texture, noise = np.array([0.2, 0.5, 0.8]), np.array([-0.1, 0.5, 1.1])
    contrast = common_contrast([texture, noise], 0.5, low=0.0, high=1.0)
    assert contrast == pytest.approx(0.5 / 0.6)
    assert common_contrast([texture], 0.5, low=0.0, high=1.0) == 1.0


def test_a_placed_folder_image_has_the_benchmarks_aperture_at_the_corners(tmp_path, monkeypatch):
    from brainscore_lcl.data.freemanziemba import apply_cosine_aperture
    from brainscore_lcl.stimuli.layout import find_stimuli
    from brainscore_lcl.texture_experiment import placed_folder_images

    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))
    pixels = np.random.default_rng(0).integers(0, 256, (320, 320), dtype=np.uint8)
    for kind in ("texture", "noise"):
        write_png(tmp_path / "stim" / stimulus_file_name(kind, 1, 1, 320), pixels)
    placed = placed_folder_images(find_stimuli(tmp_path), "test")
    folder_image = np.asarray(Image.open(placed / stimulus_file_name("texture", 1, 1, 320)))
    recorded_style = apply_cosine_aperture(pixels)  # how the fz2013-aperture-v1 cache places the release's images
    for corner in (np.s_[:40, :40], np.s_[:40, -40:], np.s_[-40:, :40], np.s_[-40:, -40:]):
        assert np.array_equal(folder_image[corner], recorded_style[corner])
        assert np.all(folder_image[corner] == 128)
    assert np.array_equal(folder_image, recorded_style)


def test_units_centred_outside_the_aperture_are_excluded_and_silent_units_counted():
    from brainscore_lcl.metrics.texture import grid_centres_degrees, select_units

    # 2 channels on an 8 x 8 grid over 8 degrees: centres at -3.5 ... 3.5 degrees; inside a 2-degree radius are the
    # 12 positions (+-0.5, +-0.5), (+-0.5, +-1.5), (+-1.5, +-0.5) (distance < 2), so 24 units of 128
    centres = grid_centres_degrees((2, 8, 8), 8.0)
    assert centres.shape == (128, 2) and np.allclose(centres[0], [-3.5, -3.5]) and np.allclose(centres[9], [-2.5, -2.5])
    features = np.ones((4, 128))
    features[:, 27] = 0.0  # channel 0, row 3, column 3: centred at (-0.5, -0.5) and silent
    selection = select_units(features, centres, 2.0)
    assert (selection.n_units, selection.n_outside, selection.n_silent, selection.n_used) == (128, 104, 1, 23)
    assert not selection.used[27] and selection.used[28] and not selection.used[0]
    everything = select_units(features, centres, 2.0, units="all")
    assert (everything.n_outside, everything.n_silent, everything.n_used) == (0, 1, 127)


def sparse_squares(seed: int, size: int = 96) -> np.ndarray:
    """Bright 4-px squares (5% of cells) on gray 0.4: a skewed marginal that matched noise (Gaussian) lacks."""
    rng = np.random.default_rng(seed)
    image = np.full((size, size), 0.4)
    image[np.kron(rng.random((size // 4, size // 4)) < 0.05, np.ones((4, 4))) > 0] = 1.0
    return np.uint8(np.round(image * 255))


@pytest.fixture(scope="module")
def made_with_a_planted_family(tmp_path_factory) -> Path:
    """``make_stimuli`` on three sources, family 2 the sparse bright squares (64 px, 2 samples, 30 steps)."""
    folder = tmp_path_factory.mktemp("planted-sources")
    for family, image in enumerate((source_image(1), sparse_squares(5), source_image(3)), start=1):
        Image.fromarray(image).save(folder / f"family{family}.png")
    out = tmp_path_factory.mktemp("planted-made") / "stim"
    make_stimuli(folder, out, samples=SAMPLES, size=SIZE, seed=4, iterations=ITERATIONS)
    return out


def test_a_pure_energy_model_shows_no_family_modulation_on_made_stimuli(made_with_a_planted_family):
    """Energy that depends on the amplitude spectrum only (circular Gabor energy, pooled over the image; the images
    as saved, no aperture): texture and its noise drive it alike once saved (before the common contrast, clipping
    made the noise weaker: family Rmod up to +0.08 on such sets)."""
    from brainscore_lcl.stimuli.energy import circular_energy
    from brainscore_lcl.texture_experiment import layer_modulation

    found = find_stimuli(made_with_a_planted_family)
    energies = circular_energy(np.stack([read_png(item.path) for item in found]))
    numbers = layer_modulation(
        energies, np.array([item.family for item in found]), np.array([item.texture_type for item in found])
    )
    assert np.all(np.abs(numbers["family_rmod"]) < 0.01), numbers["family_rmod"]


def test_a_planted_family_selective_network_is_recovered_on_made_stimuli(
    made_with_a_planted_family, tmp_path, monkeypatch
):
    from planted_texmod_nets import brightness_network

    from brainscore_lcl.model_helpers.from_file import as_model_id
    from brainscore_lcl.texture_experiment import texture_experiment

    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))
    model_id = as_model_id(brightness_network(), name="planted-bright", layers=["3"])
    record = texture_experiment(model_id, made_with_a_planted_family, layers=["3"])
    numbers = record["layers"]["3"]
    assert numbers["top_family"] == 2, numbers["family_rmod"]
    assert numbers["family_rmod"][1] > 0.1


def test_a_second_run_into_a_locked_out_is_refused(sources, tmp_path):
    from filelock import FileLock

    from brainscore_lcl.cache import lock_path

    out = tmp_path / "stim"
    with FileLock(lock_path(out)), pytest.raises(ValueError, match="another `brainscore stimuli make` is writing"):
        make_stimuli(sources, out, samples=1, size=SIZE, seed=1, iterations=1)
    assert not out.exists()


def test_an_interrupted_run_leaves_out_as_it_was_and_keeps_its_families(sources, tmp_path, monkeypatch):
    from brainscore_lcl.stimuli import make
    from brainscore_lcl.stimuli.make import partial_folder

    calls = []

    def synthesize_then_interrupt(source, seeds, iterations, device="cpu"):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return np.stack([np.random.default_rng(seed).random(source.shape) for seed in seeds]), np.zeros(len(seeds))

    monkeypatch.setattr(make, "synthesize_textures", synthesize_then_interrupt)
    out = tmp_path / "stim"
    with pytest.raises(KeyboardInterrupt):
        make_stimuli(sources, out, samples=1, size=SIZE, seed=1, iterations=1)
    assert not out.exists()
    kept = json.loads((partial_folder(out) / "stimuli.json").read_text())
    assert sorted(kept["images"]) == [stimulus_file_name(kind, 1, 1, SIZE) for kind in ("noise", "texture")]
    record = make_stimuli(sources, out, samples=1, size=SIZE, seed=1, iterations=1)  # continues: family 2 only
    assert len(calls) == 3 and len(record["images"]) == 4 and not partial_folder(out).exists()
    assert sorted(path.name for path in (out / "stim").iterdir()) == sorted(record["images"])


def test_bl_texture_experiment_stays_the_function_once_its_module_is_imported():
    import brainscore_lcl as bl
    from brainscore_lcl import texture_experiment as module

    assert bl.texture_experiment is module  # the import system's doing: the package attribute is the module now
    calls = []
    original = module.texture_experiment
    module.texture_experiment = lambda *args, **kwargs: calls.append((args, kwargs)) or {"called": True}
    try:
        assert bl.texture_experiment("lcl-v2", "stim", layers=["3"]) == {"called": True}
    finally:
        module.texture_experiment = original
    assert calls == [(("lcl-v2", "stim"), {"layers": ["3"]})]
