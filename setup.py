"""Package layout of brainscore-lcl (metadata, dependencies and tool settings are in pyproject.toml).

One import root, four top-level folders: `benchmarks/`, `training/` and `analyses/` are installed as
`brainscore_lcl.benchmarks`, `brainscore_lcl.training` and `brainscore_lcl.analyses` (README.md, "What is here").
"""

from setuptools import find_packages, setup

PACKAGE_DIRS = {
    "brainscore_lcl": "brainscore_lcl",
    "brainscore_lcl.benchmarks": "benchmarks",
    "brainscore_lcl.training": "training",
    "brainscore_lcl.analyses": "analyses",
}


def packages() -> list[str]:
    """Every package under the four folders, named under ``brainscore_lcl``."""
    found = ["brainscore_lcl", "brainscore_lcl.benchmarks", "brainscore_lcl.training", "brainscore_lcl.analyses"]
    found += [f"brainscore_lcl.{name}" for name in find_packages("brainscore_lcl")]
    found += [f"brainscore_lcl.benchmarks.{name}" for name in find_packages("benchmarks")]
    found += [f"brainscore_lcl.training.{name}" for name in find_packages("training")]
    return found


setup(
    packages=packages(),
    package_dir=PACKAGE_DIRS,
    # every file but Python source under the four folders that git tracks is package data (tests/test_wheel.py
    # checks the list and the wheel against it)
    package_data={
        "brainscore_lcl": [
            "weights/*.pt",
            "weights/*.json",
            "weights/lcl-v2-report/*",
            "data/*.json",
            "report/*.html",
            "report/*.css",
            "report/*.js",
        ],
        "brainscore_lcl.training": ["configs/*.yaml"],
        "brainscore_lcl.analyses": ["data/*.json"],
    },
)
