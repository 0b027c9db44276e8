"""Training configs: the paper's numbers, inheritance, sweeps, overrides and round trips."""

import pytest

from brainscore_lcl.training.config import CONFIG_DIR, ConfigError, config_from_dict, load_config, load_raw


def all_runs():
    for path in sorted(CONFIG_DIR.glob("*.yaml")):
        for variant in sorted(load_raw(path).get("sweep") or {}) or [None]:
            yield path.stem, variant


@pytest.mark.parametrize("name,variant", list(all_runs()))
def test_every_packaged_config_and_sweep_variant_loads_and_round_trips(name, variant):
    config = load_config(name, variant)
    assert config.architecture.n_stages == len(config.stages)
    assert config_from_dict(config.to_dict()) == config


def test_lcl_v2_has_the_papers_numbers():
    config = load_config("lcl-v2")
    layer1, layer2 = (stage.view for stage in config.stages)
    assert (layer1.center_crop, layer1.output_size, layer1.scale) == (56, 48, (0.6, 0.9))
    assert (layer2.center_crop, layer2.output_size, layer2.scale) == (112, 96, (0.3, 0.9))
    for view in (layer1, layer2):
        assert view.ratio == (0.9, 1.1) and view.jitter_probability == 0.8 and view.grayscale_probability == 0.2
        assert view.brightness == view.contrast == 0.2 and view.noise_sigma == (0.04, 0.1)
        assert view.noise_probability == (1.0, 0.0)
    assert config.optimizer.lr == 1e-3 and config.optimizer.weight_decay == 0.0
    assert config.objective.projector_dim == 2048 and config.input.resize_short_side == 224
    assert config.input.mean == (0.485, 0.456, 0.406) and config.input.std == (0.229, 0.224, 0.225)
    assert config.store_size == 112


def test_extends_and_overrides():
    config = load_config("lcl-v2-sample", overrides=["training.batch_size=64", "stages.1.view.scale=[0.2, 0.9]"])
    assert config.training.batch_size == 64 and config.stages[1].view.scale == (0.2, 0.9)
    assert config.optimizer.lr == 1e-3  # inherited from lcl-v2
    assert load_config("ablation-loss", "simsiam").name == "lcl-v2-loss-simsiam"


def test_blockbarlow_uses_the_end_to_end_augmentations():
    view = load_config("blockbarlow").stages[0].view
    assert view.scale == (0.08, 1.0) and view.flip_probability == 0.5 and view.blur_probability == (1.0, 0.1)
    assert view.solarize_probability == (0.0, 0.2) and (view.brightness, view.saturation, view.hue) == (0.4, 0.2, 0.1)


def test_invalid_values_are_reported_with_the_field(tmp_path):
    with pytest.raises(ConfigError, match="scale"):
        load_config("lcl-v2", overrides=["stages.0.view.scale=[0.9, 0.5]"])
    with pytest.raises(ConfigError, match="objective.name"):
        load_config("lcl-v2", overrides=["objective.name=byol"])
    with pytest.raises(ConfigError, match="no sweep variant"):
        load_config("ablation-loss", "nope")
    bad = tmp_path / "bad.yaml"
    bad.write_text("training: [1, 2")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
