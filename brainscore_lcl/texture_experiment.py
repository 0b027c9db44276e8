"""In-silico texture modulation (Freeman et al. 2013; paper Sec. 3.2, Fig. 5) of any model on any Freeman-style stimuli.

For every unit of each analysed layer: Rmod = (texture - noise) / (texture + noise) per family, from the unit's mean
response to the family's textures and to its noise images (responses rectified at zero, as the texture-modulation
benchmark's "units" reading; ``brainscore_lcl.metrics.texture``); per unit the mean over families; per family the mean
over units (the population's family modulation) and its rank (1 = least modulated).

The images are shown exactly as the benchmark shows Freeman & Ziemba's: at 4 degrees (``VISUAL_DEGREES``) placed in the
model's field of view (Brain-Score's ``place_on_screen``), one trial, the model's region recorded
(``record_model_features``), each analysed layer committed to that region in turn. On ``stimuli="freemanziemba2013"``
the stimuli, their order and the V2 layer's numbers are therefore those of ``<source>.V2-texmod``'s ``units`` reading.
"""

from __future__ import annotations

import csv
import hashlib
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from brainscore_lcl import versioned
from brainscore_lcl.cache import atomic_path, atomic_write_json
from brainscore_lcl.data.facts import VISUAL_DEGREES
from brainscore_lcl.errors import RunError, UsageError
from brainscore_lcl.metrics.texture import (
    UNIT_RULES,
    UnitSelection,
    family_mean_responses,
    family_modulation,
    family_ranks,
    modulation_quantiles,
    neuron_modulation,
    select_units,
    texture_modulation_index,
)

#: the ``stimuli`` name of the suite's own Freeman & Ziemba (2013) stimulus set
FREEMANZIEMBA = "freemanziemba2013"
#: per-unit numbers kept out of ``texmod.json`` (they go to ``texmod_units.csv``)
UNIT_KEYS = ("unit_index", "unit_rmod", "unit_family_rmod")
#: the region each analysed layer is committed to while it is recorded
RECORDED_REGION = "V2"
#: the quantiles of unit Rmod marked on each violin of panel a
UNIT_QUANTILES = (0.05, 0.95)
#: the percentiles of all units' Rmod that panel a's axis spans
UNIT_AXIS_PERCENTILES = (0.5, 99.5)
JSON_FILE, UNITS_FILE, FAMILIES_FILE, FIGURE_FILE = "texmod.json", "texmod_units.csv", "texmod_families.csv", "texmod"
#: version of the placed (apertured) folder stimuli in the cache
APERTURE_VERSION = "v1"


@dataclass
class ExperimentStimuli:
    """The images of a texture experiment: a Brain-Score ``StimulusSet`` and, in one order, its ids, families and
    texture types (each (n_images,)); ``name`` says where they came from."""

    stimulus_set: Any
    stimulus_ids: np.ndarray
    families: np.ndarray
    texture_types: np.ndarray
    name: str


def placed_folder_images(found: list, digest: str) -> Path:
    """The folder stimuli ``found`` (``layout.StimulusFile``) as the benchmark's Freeman-Ziemba images are shown:
    gray levels read by ``stimuli.images.read_gray_image``, rounded to 8 bits, Brain-Score's raised-cosine aperture on
    gray 128 applied at the image's own size (``data.freemanziemba.apply_cosine_aperture``, the function that makes
    the ``fz2013-aperture-v1`` cache). Written once per ``digest`` into ``<cache>/texmod-aperture-v1/<digest>`` (PNGs
    of the same names, atomic, under a lock, with a manifest); returns that folder. ``UsageError`` for an image that
    is not square."""
    from brainscore_lcl import cache_dir
    from brainscore_lcl.cache import ensure_folder, intact_manifest, write_manifest
    from brainscore_lcl.data.freemanziemba import apply_cosine_aperture
    from brainscore_lcl.stimuli.images import read_gray_image
    from brainscore_lcl.stimuli.make import write_png

    pixels = {}
    for item in found:
        image = read_gray_image(item.path, "stimulus")
        if image.shape[0] != image.shape[1]:
            raise UsageError(
                f"stimulus {item.path} is {image.shape[1]}x{image.shape[0]} px; stimuli are square (the aperture is a "
                "disc inscribed in the square)"
            )
        pixels[item.path.name] = np.uint8(np.round(image * 255))

    def build(staging: Path) -> None:
        for name, image in pixels.items():
            write_png(staging / name, apply_cosine_aperture(image, size=len(image)))
        write_manifest(staging)

    folder = cache_dir() / f"texmod-aperture-{APERTURE_VERSION}" / digest
    return ensure_folder(folder, lambda candidate: intact_manifest(candidate) is not None, build)


def folder_stimuli(folder: str | Path) -> ExperimentStimuli:
    """The release-named stimuli of ``folder`` (``brainscore_lcl.stimuli.layout.find_stimuli``), placed in the
    benchmark's aperture (``placed_folder_images``), as a StimulusSet named by the sha1 of the folder's absolute path
    and the files' contents: Brain-Score caches placed images and activations by that name and checks their paths, so
    a copy elsewhere or a changed image gets a new name."""
    import pandas as pd
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    from brainscore_lcl.stimuli.layout import find_stimuli

    found = find_stimuli(folder)
    digests = [hashlib.sha1(item.path.name.encode() + item.path.read_bytes()).hexdigest() for item in found]
    named = hashlib.sha1((str(Path(folder).absolute()) + "".join(digests)).encode()).hexdigest()[:16]
    placed = placed_folder_images(found, named)
    frame = pd.DataFrame(
        {
            "stimulus_id": digests,
            "image_file_name": [item.path.name for item in found],
            "texture_family": [item.family for item in found],
            "texture_type": [item.texture_type for item in found],
            "sample": [item.sample for item in found],
        }
    )
    stimulus_set = StimulusSet(frame)
    stimulus_set.stimulus_paths = {digest: str(placed / item.path.name) for digest, item in zip(digests, found)}
    stimulus_set.identifier = f"brainscore-lcl-stimuli-{APERTURE_VERSION}.{named}"
    return ExperimentStimuli(
        stimulus_set,
        np.array(digests),
        frame["texture_family"].to_numpy(),
        frame["texture_type"].to_numpy(),
        str(folder),
    )


def freemanziemba_stimuli(source: str = "sim", data_root: str | None = None) -> ExperimentStimuli:
    """The 450 images (225 on ``public``) of the texture-modulation benchmark's data source, in its order."""
    from brainscore_lcl.data.texture_responses import load_texture_data

    data = load_texture_data(source, "V2", data_root=data_root)
    return ExperimentStimuli(
        data.stimulus_set, data.stimulus_ids, data.families, data.texture_types, f"{FREEMANZIEMBA} ({source})"
    )


def experiment_stimuli(stimuli: str | Path, source: str = "sim", data_root: str | None = None) -> ExperimentStimuli:
    """``"freemanziemba2013"`` (the suite's data ``source``) or a folder of release-named stimuli."""
    if str(stimuli) == FREEMANZIEMBA:
        return freemanziemba_stimuli(source, data_root)
    folder = Path(stimuli)
    if not folder.is_dir():
        raise UsageError(
            f"--stimuli {stimuli} is neither {FREEMANZIEMBA} nor a folder; pass a folder made by "
            "`brainscore stimuli make` (or holding stim/tex-*.png and noise-*.png)"
        )
    return folder_stimuli(folder)


def analysed_layers(model, model_id: str, layers: Sequence[str] | None) -> list[str]:
    """``layers`` (each one the model records), else the layers the model commits to its regions, in region order."""
    recorded = list(getattr(model, "layers", None) or [])
    region_layer_map = getattr(getattr(model, "layer_model", None), "region_layer_map", None)
    if not recorded or region_layer_map is None:
        raise RunError(
            f"model {model_id} is not a layer-committed model of this suite (a ModelCommitment), so its layers cannot "
            "be recorded one by one; wrap the network with --model-file FILE.py:FUNCTION"
        )
    if not layers:
        return list(dict.fromkeys(region_layer_map[region] for region in sorted(region_layer_map)))
    unknown = [layer for layer in layers if layer not in recorded]
    if unknown:
        raise UsageError(
            f"--layers {unknown[0]} is not a layer that model {model_id} records; choose from {', '.join(recorded)}"
        )
    return list(dict.fromkeys(layers))


def record_layers(model, layers: list[str], stimuli: ExperimentStimuli) -> dict[str, np.ndarray]:
    """{layer: activations (image, unit) in ``stimuli``'s order}: all layers extracted in one pass, then each read as
    the recorded region (the benchmark's ``record_model_features``); the model's region-layer map is restored."""
    from brainscore_vision.benchmark_helpers.screen import place_on_screen

    from brainscore_lcl.benchmarks.freemanziemba2013_texmod.benchmark import record_model_features
    from brainscore_lcl.model_helpers.commitment import commit_layers

    placed = place_on_screen(
        stimuli.stimulus_set, target_visual_degrees=model.visual_degrees(), source_visual_degrees=VISUAL_DEGREES
    )
    model.activations_model(placed, layers=layers)
    region_layer_map = model.layer_model.region_layer_map
    saved = dict(region_layer_map)
    try:
        features = {}
        for layer in layers:
            commit_layers(model, {RECORDED_REGION: layer})
            features[layer] = record_model_features(model, RECORDED_REGION, stimuli.stimulus_set, stimuli.stimulus_ids)
        return features
    finally:
        region_layer_map.clear()
        region_layer_map.update(saved)


def layer_modulation(
    features: np.ndarray, families: np.ndarray, texture_types: np.ndarray, selection: UnitSelection | None = None
) -> dict[str, Any]:
    """One layer's texture modulation from its activations (image, unit), as the benchmark's ``population_modulation``
    (rectified), over the units ``selection`` keeps (default: every unit that is not silent): every used unit's Rmod
    per family (``unit_family_rmod``, (used unit, family) array; ``unit_index``: their columns in ``features``), per
    unit the mean over families (``unit_rmod``), per family the mean over units, its rank and the top family,
    quantiles of unit Rmod, and the counts of units used and dropped (``units``)."""
    selection = selection or select_units(features, None, VISUAL_DEGREES / 2, units="all")
    used = features[:, selection.used]
    means = family_mean_responses(used, families, texture_types)
    rmod = texture_modulation_index(means.texture, means.noise, rectify=True)
    unit_rmod, population = neuron_modulation(rmod), family_modulation(rmod)
    finite = np.isfinite(unit_rmod)
    if not finite.any():
        raise RunError(
            f"no unit of this layer responds to the stimuli ({selection.n_units} units: {selection.n_outside} outside "
            f"the aperture, {selection.n_silent} silent); choose another layer, or --units all"
        )
    return {
        "n_units": selection.n_used,
        "units": selection.counts(),
        "n_modulated_units": int(finite.sum()),
        "families": [int(family) for family in means.families],
        "family_rmod": population.tolist(),
        "family_ranks": family_ranks(population).tolist(),
        "top_family": int(means.families[int(np.nanargmax(population))]),
        "median_unit_rmod": float(np.nanmedian(unit_rmod)),
        "quantiles": modulation_quantiles(unit_rmod).tolist(),
        "unit_index": np.flatnonzero(selection.used).tolist(),
        "unit_rmod": unit_rmod.tolist(),
        "unit_family_rmod": rmod,
    }


def texture_experiment(
    model: Any,
    stimuli: str | Path = FREEMANZIEMBA,
    *,
    layers: Sequence[str] | None = None,
    checkpoint: str | None = None,
    source: str = "sim",
    data_root: str | None = None,
    out: str | Path | None = None,
    units: str = "centred",
) -> dict[str, Any]:
    """Texture modulation of ``model`` (an id, ``FILE.py:FUNCTION``, a ``torch.nn.Module`` or a ``BrainModel``, as
    ``brainscore_lcl.score`` takes) on ``stimuli`` (a folder of release-named stimuli, or ``"freemanziemba2013"``:
    the images of the ``source`` data). ``layers``: default the layers the model commits to its regions. ``units``:
    "centred" (default) averages over the units whose receptive-field centre, from the layer's geometry
    (``model_helpers.unit_grid``), lies inside the stimulus' aperture; "all" over every unit; silent units are left
    out under both (``metrics.texture.select_units``).

    Returns the record ``brainscore texmod`` writes: model, stimuli, images, families, and per layer
    ``layer_modulation``'s numbers. With ``out``, also writes ``texmod.json`` (without the per-unit numbers),
    ``texmod_units.csv`` (layer, unit (its column among the layer's units), rmod, then Rmod per family:
    ``rmod_im<family>``; the used units only),
    ``texmod_families.csv`` (layer, family, rmod, rank) and the
    Fig. 5-style panels ``texmod.png``/``.pdf`` (``draw``).
    """
    from brainscore_lcl.model_helpers.commitment import configure_activation_cache
    from brainscore_lcl.model_helpers.from_file import as_model_id
    from brainscore_lcl.model_helpers.unit_grid import stimulus_units
    from brainscore_lcl.scoring import load_model

    if units not in UNIT_RULES:
        raise UsageError(f"--units {units} is not one of {', '.join(UNIT_RULES)}")
    configure_activation_cache()
    model_id = as_model_id(model)
    brain_model = load_model(model_id, checkpoint=checkpoint)
    chosen = analysed_layers(brain_model, model_id, layers)
    experiment = experiment_stimuli(stimuli, source, data_root)
    features = record_layers(brain_model, chosen, experiment)
    record = {
        "model": model_id,
        "checkpoint": None if checkpoint is None else str(checkpoint),
        "stimuli": experiment.name,
        "n_images": int(len(experiment.stimulus_ids)),
        "visual_degrees": VISUAL_DEGREES,
        "rectified": True,
        "units": units,
        "layers": {
            layer: layer_modulation(
                values,
                experiment.families,
                experiment.texture_types,
                stimulus_units(brain_model, layer, values, VISUAL_DEGREES, units),
            )
            for layer, values in features.items()
        },
    }
    if out is not None:
        write_outputs(record, Path(out))
    return record


def write_outputs(record: dict[str, Any], out: Path) -> list[Path]:
    """``texmod.json``, the two CSVs and the figure of ``record`` in ``out`` (each written atomically)."""
    out.mkdir(parents=True, exist_ok=True)
    summary = {
        **record,
        "layers": {
            layer: {key: value for key, value in numbers.items() if key not in UNIT_KEYS}
            for layer, numbers in record["layers"].items()
        },
    }
    atomic_write_json(out / JSON_FILE, versioned(summary), indent=1)
    with atomic_path(out / UNITS_FILE) as temporary, temporary.open("w", newline="") as handle:
        writer = csv.writer(handle)
        families = next(iter(record["layers"].values()))["families"]
        writer.writerow(["layer", "unit", "rmod", *(f"rmod_im{family}" for family in families)])
        for layer, numbers in record["layers"].items():
            writer.writerows(
                [layer, unit, f"{mean:.6g}", *(f"{value:.6g}" for value in row)]
                for unit, mean, row in zip(numbers["unit_index"], numbers["unit_rmod"], numbers["unit_family_rmod"])
            )
    with atomic_path(out / FAMILIES_FILE) as temporary, temporary.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["layer", "family", "rmod", "rank"])
        for layer, numbers in record["layers"].items():
            writer.writerows(
                zip(
                    [layer] * len(numbers["families"]),
                    numbers["families"],
                    numbers["family_rmod"],
                    numbers["family_ranks"],
                )
            )
    return [out / JSON_FILE, out / UNITS_FILE, out / FAMILIES_FILE, *draw(record, out / FIGURE_FILE)]


def draw(record: dict[str, Any], stem: Path) -> list[Path]:
    """Fig. 5-style panels: (a) the distribution of unit Rmod per layer (violins, median and ``UNIT_QUANTILES``
    marked, the axis spanning ``UNIT_AXIS_PERCENTILES`` of all units: a few units at +-1, those answering one type
    only, would otherwise flatten the rest), (b) each layer's
    family Rmod against the families ordered by the last layer's ranks, ranks printed. Writes ``stem``.png and .pdf."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    layers = list(record["layers"])
    figure, (units_axis, families_axis) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=[1, 1.6])
    values = [np.array(record["layers"][layer]["unit_rmod"], dtype=float) for layer in layers]
    values = [row[np.isfinite(row)] for row in values]
    shown = [index for index, row in enumerate(values) if len(row)]
    if shown:
        units_axis.violinplot(
            [values[i] for i in shown],
            positions=shown,
            showmedians=True,
            showextrema=False,
            quantiles=[list(UNIT_QUANTILES)] * len(shown),
        )
        low, high = np.percentile(np.concatenate([values[i] for i in shown]), UNIT_AXIS_PERCENTILES)
        margin = 0.1 * max(high - low, 1e-3)
        units_axis.set_ylim(min(low, 0) - margin, max(high, 0) + margin)
    units_axis.axhline(0, color="gray", linewidth=0.8)
    units_axis.set_xticks(range(len(layers)), layers, rotation=30)
    units_axis.set_ylabel("unit texture modulation (mean over families)")
    units_axis.set_xlabel(
        f"median and {UNIT_QUANTILES[0]:.0%}-{UNIT_QUANTILES[1]:.0%} of units marked; axis: "
        f"{UNIT_AXIS_PERCENTILES[0]:g}-{UNIT_AXIS_PERCENTILES[1]:g}th percentile",
        fontsize=8,
    )
    units_axis.set_title("a. units")
    reference = record["layers"][layers[-1]]
    order = np.argsort(reference["family_ranks"])
    families = [reference["families"][i] for i in order]
    for layer in layers:
        numbers = record["layers"][layer]
        position = {family: i for i, family in enumerate(numbers["families"])}
        families_axis.plot(
            range(len(families)), [numbers["family_rmod"][position[f]] for f in families], "o-", label=layer
        )
    families_axis.set_xticks(range(len(families)), [str(f) for f in families], rotation=90)
    families_axis.set_xlabel(f"texture family (ordered by {layers[-1]}'s rank)")
    families_axis.set_ylabel("population texture modulation")
    families_axis.axhline(0, color="gray", linewidth=0.8)
    families_axis.legend(fontsize=8)
    families_axis.set_title("b. families")
    figure.suptitle(f"{record['model']} on {record['stimuli']}", fontsize=10)
    figure.tight_layout()
    paths = []
    for suffix in (".png", ".pdf"):
        path = stem.with_suffix(suffix)
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=120)
        paths.append(path)
    plt.close(figure)
    return paths


def summary_lines(record: dict[str, Any]) -> list[str]:
    """Per layer: units used and dropped, median unit Rmod, the families from most to least modulated (with Rmod)."""
    lines = [f"{record['model']} on {record['stimuli']} ({record['n_images']} images)"]
    for layer, numbers in record["layers"].items():
        order = np.argsort(numbers["family_ranks"])[::-1]
        ranked = ", ".join(f"{numbers['families'][i]} ({numbers['family_rmod'][i]:+.3f})" for i in order)
        counts = numbers["units"]
        lines.append(
            f"{layer}: {counts['n_used']} of {counts['n_units']} units used ({counts['n_outside_aperture']} centred "
            f"outside the aperture, {counts['n_silent']} silent), median unit Rmod "
            f"{numbers['median_unit_rmod']:+.3f}; families, most modulated first: {ranked}"
        )
    return lines


class _CallableModule(types.ModuleType):
    """This module, callable as its function ``texture_experiment``: once the module is imported, Python's import
    system sets ``brainscore_lcl.texture_experiment`` to the module, replacing the function the package's lazy
    ``__getattr__`` gives, so ``bl.texture_experiment(model, ...)`` calls the function either way."""

    def __call__(self, *args, **kwargs) -> dict[str, Any]:
        return texture_experiment(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
