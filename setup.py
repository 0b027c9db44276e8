"""brainscore-lcl: layerwise complexity-matched learning (Parthasarathy, Henaff & Simoncelli, TMLR 2024) on Brain-Score."""
from setuptools import find_packages, setup

# One import root, four top-level folders: `benchmarks/`, `training/` and `analyses/` are installed as
# `brainscore_lcl.benchmarks`, `brainscore_lcl.training` and `brainscore_lcl.analyses` (see docs in README.md).
PACKAGE_DIRS = {"brainscore_lcl": "brainscore_lcl",
                "brainscore_lcl.benchmarks": "benchmarks",
                "brainscore_lcl.training": "training",
                "brainscore_lcl.analyses": "analyses"}


def packages() -> list[str]:
    found = ["brainscore_lcl", "brainscore_lcl.benchmarks", "brainscore_lcl.training", "brainscore_lcl.analyses"]
    found += [f"brainscore_lcl.{name}" for name in find_packages("brainscore_lcl")]
    found += [f"brainscore_lcl.benchmarks.{name}" for name in find_packages("benchmarks")]
    found += [f"brainscore_lcl.training.{name}" for name in find_packages("training")]
    return found


setup(
    name="brainscore-lcl",
    version="0.1.0",
    description=__doc__,
    python_requires=">=3.11",
    packages=packages(),
    package_dir=PACKAGE_DIRS,
    package_data={"brainscore_lcl": ["weights/*.pt", "weights/*.json", "data/*.json", "report/*.html"],
                  "brainscore_lcl.training": ["configs/*.yaml"],
                  "brainscore_lcl.analyses": ["data/*.json"]},
    install_requires=[
        "brainscore-vision==2.4.2",
        "torch==2.14.1",
        "torchvision==0.29.1",
        "plenoptic==2.1.1",
        "xarray",
        "scikit-learn",
        "scipy",
        "pandas",
        "matplotlib",
        "tqdm",
        "h5py",
        "pyyaml",
        "pillow",
        "filelock>=3.13,<5",
    ],
    # pytest-check: Brain-Score's generic plugin tests import it (brainscore_vision's own [test] extra), run by
    # tests/test_submit.py on the exported plugins
    extras_require={"test": ["pytest", "pytest-check"]},
    entry_points={"console_scripts": ["brainscore = brainscore_lcl.cli:main"]},
)
