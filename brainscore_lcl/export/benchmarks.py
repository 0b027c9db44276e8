"""Brain-Score benchmark plugins for the V2 analyses this suite adds, on Brain-Score's own FreemanZiemba2013 data.

``brainscore submit --benchmark ID --out DIR`` writes ``DIR/submission/benchmarks/<plugin_dir>/`` with ``__init__.py``
(the import of ``benchmark_registry`` and one literal registration), ``benchmark.py`` (this suite's analysis code
copied by ``sources.copy_definitions``, then a ``BenchmarkBase`` that reads the data with brainscore_vision's own
``load_dataset`` / ``load_benchmark``), ``requirements.txt`` and ``test.py``; the partition benchmarks also carry
``reference_model.py``, the exported ``v1-steerpyr-pool`` model plugin that ranks the cells. Same zip, manifest,
steps and pre-flight checks as a model submission (``submission.py``, ``checks.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from brainscore_lcl.export.identifiers import checked_identifier, export_identifier
from brainscore_lcl.export.models import PAPER_BIBTEX, describe_for_export, plugin_code, plugin_files

_TEXMOD = "brainscore_lcl.benchmarks.freemanziemba2013_texmod.benchmark"
_PARTITION = "brainscore_lcl.benchmarks.freemanziemba2013_partition.benchmark"
_TEXTURE_RESPONSES = "brainscore_lcl.data.texture_responses"
_PLS = "brainscore_lcl.benchmarks.freemanziemba2013.benchmark"
REFERENCE_MODULE = "reference_model"


@dataclass(frozen=True)
class BenchmarkRecipe:
    """How one suite benchmark becomes plugin code: the suite definitions it copies (``roots``), the plugin's own
    ``body``, the suite model exported beside it as ``reference_model.py`` (or None) and
    one line on what it measures."""

    roots: tuple[tuple[str, str], ...]
    body: str
    summary: str
    reference_model: str | None = None
    subset: str | None = None


_TEXTURE_BODY = '''class FreemanZiemba2013V2TextureModulation(BenchmarkBase):
    """Texture modulation of the model's V2 against the recorded V2 cells (Parthasarathy et al. 2024, Sec. 2.5,
    3.2, A.3.3, Fig. 5), on Brain-Score's ``FreemanZiemba2013.public`` and ``.private`` assemblies joined (all 450
    images: 15 families x 15 samples x texture / spectrally matched noise), each cell's rate averaged over its own
    latency-aligned 100-ms window read from the packaged 1-ms bins (``latency_aligned_packaged``).

    Score: Spearman rho between the per-family texture modulation of the model (each reliable cell predicted from the
    model's V2 features by 10-fold cross-validated PLS, predictions rectified) and of the recorded cells, over the 15
    families; raw, in [-1, 1], no ceiling. ``details`` holds both readings of the model (fitted cells and the layer's
    own units: rho, Q-Q distance, quantiles, family modulation and ranks) and the data's modulation.
    """

    def __init__(self):
        super().__init__(identifier=IDENTIFIER, version=1, ceiling_func=lambda: Score(np.nan), parent="V2",
                         bibtex=BIBTEX)
        self._data = None

    @property
    def data(self) -> TextureData:
        """The recorded V2 responses to all 450 images with their ceilings (loaded once)."""
        if self._data is None:
            packaged = [load_dataset(f"FreemanZiemba2013.{access}") for access in ("public", "private")]
            repetitions, latency = latency_aligned_packaged(packaged, "V2")
            self._data = texture_data_from_repetitions(repetitions, "latency", latency)
        return self._data

    def __call__(self, candidate) -> Score:
        details = texture_modulation_details(candidate, self.data)
        score = Score(details["score"])
        score.attrs["raw"] = Score(details["raw"])
        score.attrs["ceiling"] = Score(np.nan)
        score.attrs["details"] = {"benchmark": IDENTIFIER, "window": "latency",
                                  "latency_window_ms": LATENCY_WINDOW_MS, **details}
        return score


def get_benchmark():
    return FreemanZiemba2013V2TextureModulation()
'''

_PARTITION_BODY = '''SUBSET = {subset!r}


class FreemanZiemba2013V2PartitionPLS(BenchmarkBase):
    """Brain-Score's ``FreemanZiemba2013.V2-pls`` (private split, PLS, internal-consistency ceiling) aggregated over
    the {subset_words} V2 cells only (Parthasarathy et al. 2024, Sec. 3.1, Fig. 4 right): the cells whose responses
    the reference V1 model ``v1-steerpyr-pool`` (``reference_model.py``, a steerable-pyramid energy model) explains
    {quartile_words} quartile of all cells, ranked per cell by the mean over splits of the sign-aware
    (max(r, 0) / r_ceil)^2 on the same split (the paper's procedure; ``partition_from_scores``). The regression is
    fitted on all cells; only the aggregation is restricted.

    Score: Brain-Score's aggregation over the subset (median r over the subset's cells, mean over splits, squared over
    the subset's median ceiling, ``subset_scores``). ``details``: the paper's literal and sign-aware scores with their
    standard deviations over splits, per-cell values and the partition.
    """

    def __init__(self):
        super().__init__(identifier=IDENTIFIER, version=1, ceiling_func=self._subset_ceiling, parent="V2",
                         bibtex=BIBTEX)
        self._pls = None
        self._pls_ceiling = None
        self._partition = None

    @property
    def pls(self):
        """Brain-Score's ``FreemanZiemba2013.V2-pls`` (built on first use: building it loads the recordings)."""
        if self._pls is None:
            self._pls = load_benchmark("FreemanZiemba2013.V2-pls")
        return self._pls

    def pls_ceiling(self) -> Score:
        """Brain-Score's V2 internal-consistency ceiling (computed once)."""
        if self._pls_ceiling is None:
            self._pls_ceiling = self.pls.ceiling
        return self._pls_ceiling

    def per_neuron(self, candidate):
        """Neuroid ids, r (split, neuron) and ceilings (neuron,) of ``candidate`` on Brain-Score's V2 benchmark."""
        return per_neuron_table(self.pls(candidate), self.pls_ceiling())

    @property
    def partition(self) -> ReferencePartition:
        """The reference model's V1-like / V2-like cells (computed on first use)."""
        if self._partition is None:
            from . import reference_model

            neuroid_ids, r, c = self.per_neuron(reference_model.get_model(reference_model.IDENTIFIER))
            self._partition = partition_from_scores(neuroid_ids, r, c, reference_model.IDENTIFIER,
                                                    PARTITION_QUANTILE, selected_on="private")
        return self._partition

    def _subset_ceiling(self) -> Score:
        """Median ceiling of the subset's cells."""
        ceilings = self.pls_ceiling().raw.mean("split")
        mask = self.partition.mask(SUBSET, [str(value) for value in ceilings["neuroid_id"].values])
        return Score(float(np.median(np.asarray(ceilings.values, dtype=float)[mask])))

    def __call__(self, candidate) -> Score:
        neuroid_ids, r, c = self.per_neuron(candidate)
        mask = self.partition.mask(SUBSET, neuroid_ids)
        fields = subset_scores({{"per_neuron_r": r, "per_neuron_ceiling": c}}, mask)
        score = Score(fields["score"])
        score.attrs["raw"] = Score(fields["raw"])
        score.attrs["ceiling"] = Score(fields["ceiling"])
        layer_map = getattr(getattr(candidate, "layer_model", None), "region_layer_map", {{}}) or {{}}
        score.attrs["details"] = {{
            "benchmark": IDENTIFIER, "subset": SUBSET, "selection": "same", "layer": layer_map.get("V2"),
            "score_definitions": dict(SCORE_DEFINITIONS),
            **{{key: value.tolist() if isinstance(value, np.ndarray) else value for key, value in fields.items()}},
            "neuroid_ids": [neuroid for neuroid, keep in zip(neuroid_ids, mask) if keep],
            "partition": self.partition.summary()}}
        return score


def get_benchmark():
    return FreemanZiemba2013V2PartitionPLS()
'''

_TEXTURE = BenchmarkRecipe(
    roots=(
        (_TEXTURE_RESPONSES, "latency_aligned_packaged"),
        (_TEXTURE_RESPONSES, "texture_data_from_repetitions"),
        (_TEXMOD, "texture_modulation_details"),
        (_TEXTURE_RESPONSES, "LATENCY_WINDOW_MS"),
        (_PLS, "BIBTEX"),
    ),
    body=_TEXTURE_BODY,
    summary="V2 texture-modulation family ranks (Spearman rho of model vs recorded per-family modulation)",
)


def _partition_recipe(subset: str) -> BenchmarkRecipe:
    words = ("V1-like", "best: the top") if subset == "v1like" else ("V2-like", "worst: the bottom")
    return BenchmarkRecipe(
        roots=(
            (_PLS, "per_neuron_table"),
            (_PARTITION, "partition_from_scores"),
            (_PARTITION, "subset_scores"),
            (_PARTITION, "ReferencePartition"),
            (_PARTITION, "PARTITION_QUANTILE"),
            (_PLS, "BIBTEX"),
            ("brainscore_lcl.metrics.scores", "SCORE_DEFINITIONS"),
        ),
        body=_PARTITION_BODY.format(subset=subset, subset_words=words[0], quartile_words=words[1]),
        summary=f"V2 PLS over the {words[0]} quartile of V2 cells (ranked by the steerable-pyramid V1 model)",
        reference_model="v1-steerpyr-pool",
        subset=subset,
    )


#: the suite's benchmarks on Brain-Score's official data that are exported, by id (none exists in brainscore_vision)
BENCHMARK_RECIPES: dict[str, BenchmarkRecipe] = {
    "FreemanZiemba2013.V2-texmod": _TEXTURE,
    "FreemanZiemba2013.V2-pls-v1like": _partition_recipe("v1like"),
    "FreemanZiemba2013.V2-pls-v2like": _partition_recipe("v2like"),
}

_BENCHMARK_TEMPLATE = '''"""{identifier}: {summary}.

Generated by `brainscore submit --benchmark` (brainscore-lcl {version}) for Parthasarathy, Henaff & Simoncelli (TMLR
2024). The code below the imports is copied from brainscore-lcl's own modules (marked); the data are Brain-Score's
own FreemanZiemba2013 assemblies (`load_dataset`{pls_note}).
"""
{imports}


{definitions}


# --- plugin: the benchmark ---

IDENTIFIER = {identifier!r}
PAPER_BIBTEX = """{paper_bibtex}"""


{body}'''

_PLUGIN_IMPORTS = [
    "import numpy as np",
    "from brainscore_core.metrics import Score",
    "from brainscore_vision import load_benchmark, load_dataset",
    "from brainscore_vision.benchmarks import BenchmarkBase",
]
_GENERATED_NAMES = {
    "IDENTIFIER",
    "PAPER_BIBTEX",
    "SUBSET",
    "get_benchmark",
    "FreemanZiemba2013V2TextureModulation",
    "FreemanZiemba2013V2PartitionPLS",
}

_TEST_TEMPLATE = '''"""Tests of the {identifier} benchmark plugin (generated by brainscore-lcl's brainscore submit)."""
import pytest

from brainscore_vision import load_benchmark


def test_registration():
    benchmark = load_benchmark({identifier!r})
    assert benchmark.identifier == {identifier!r}
    assert benchmark.parent == "V2"
    assert "freeman2013functional" in benchmark.bibtex


@pytest.mark.private_access
@pytest.mark.slow
def test_scores_a_model_on_the_official_data():
    from brainscore_vision import load_model

    score = load_benchmark({identifier!r})(load_model("alexnet"))
    assert {score_range}
'''


def benchmark_source(identifier: str, recipe: BenchmarkRecipe) -> str:
    """Text of the plugin's ``benchmark.py``."""
    import brainscore_lcl

    imports, definitions = plugin_code(recipe.roots, _PLUGIN_IMPORTS, _GENERATED_NAMES)
    pls_note = " and Brain-Score's `FreemanZiemba2013.V2-pls` benchmark" if recipe.subset else ""
    return _BENCHMARK_TEMPLATE.format(
        identifier=identifier,
        summary=recipe.summary,
        version=brainscore_lcl.__version__,
        pls_note=pls_note,
        imports=imports,
        definitions=definitions,
        paper_bibtex=PAPER_BIBTEX,
        body=recipe.body,
    )


def benchmark_plugin_files(suite_id: str, identifier: str) -> dict[str, str]:
    """{file name: text} of the plugin folder of the suite's benchmark ``suite_id``, registered as ``identifier``."""
    recipe = BENCHMARK_RECIPES[suite_id]
    files = {
        "__init__.py": "from brainscore_vision import benchmark_registry\n\n"
        f'benchmark_registry[{identifier!r}] = lambda: __import__(f"{{__name__}}.benchmark", '
        'fromlist=("get_benchmark",)).get_benchmark()\n',
        "benchmark.py": benchmark_source(identifier, recipe),
        "test.py": _TEST_TEMPLATE.format(
            identifier=identifier,
            score_range="0 <= float(score) <= 1.5" if recipe.subset else "-1 <= float(score) <= 1",
        ),
    }
    requirements = []
    if recipe.reference_model:
        reference = describe_for_export(recipe.reference_model)
        reference_files = plugin_files(reference, None)
        files[f"{REFERENCE_MODULE}.py"] = reference_files["model.py"]
        requirements = [line for line in reference_files["requirements.txt"].splitlines() if "==" in line]
    files["requirements.txt"] = (
        "\n".join(requirements) + "\n" if requirements else "# nothing beyond brainscore_vision\n"
    )
    return files


def submit_benchmark(suite_id: str, out: str | Path, identifier: str | None = None) -> dict:
    """Write the submission folder of the suite's benchmark ``suite_id`` into ``out``, registered as ``identifier``
    (checked; default: the hyphen-free ``export_identifier(suite_id)``); returns the (checked) manifest."""
    from brainscore_lcl.export.submission import checked_out_folder, write_submission
    from brainscore_lcl.scoring import UnknownIdentifierError

    if suite_id not in BENCHMARK_RECIPES:
        raise UnknownIdentifierError("benchmark", suite_id, sorted(BENCHMARK_RECIPES))
    identifier = checked_identifier(identifier) if identifier else export_identifier(suite_id)
    checked_out_folder(out)
    files = benchmark_plugin_files(suite_id, identifier)
    recipe = BENCHMARK_RECIPES[suite_id]
    reference = f"; its reference model `{recipe.reference_model}` travels inside it" if recipe.reference_model else ""
    return write_submission(
        out,
        identifier,
        suite_id,
        "benchmarks",
        files,
        weights=None,
        source={"benchmark": suite_id},
        details={
            "summary": recipe.summary,
            "reference_model": recipe.reference_model,
            "requirements": [line for line in files["requirements.txt"].splitlines() if not line.startswith("#")],
        },
        scoring=f" gives the benchmark ({recipe.summary}){reference}; Brain-Score scores "
        "every leaderboard model on it.",
    )
