"""Small fixtures shared by the plugin tests (``test.py`` beside each plugin) and ``tests/``."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def tiny_stimulus_set(folder: Path, identifier: str, count: int = 3):
    """A Brain-Score ``StimulusSet`` of ``count`` random 24x24 RGB PNGs written to ``folder``."""
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    rng = np.random.default_rng(0)
    stimuli = StimulusSet([{"stimulus_id": f"stim{index}"} for index in range(count)])
    stimuli.stimulus_paths = {}
    for index in range(count):
        path = folder / f"stim{index}.png"
        Image.fromarray(rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)).save(path)
        stimuli.stimulus_paths[f"stim{index}"] = path
    stimuli.identifier = identifier
    return stimuli
