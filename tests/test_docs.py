"""The documentation site (mkdocs.yml, tools/docs_hooks.py): its pages made from the sources, the offline rule and the
undocumented-member check on planted cases; the slow test builds the site (the gallery not run) and greps it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mkdocs", reason="the docs extra (pip install -e '.[docs]') builds the site")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import docs_hooks  # noqa: E402


def test_readme_links_are_made_for_the_site():
    text = "[scoring](docs/scoring.md#window) [c](CHANGELOG.md) [LICENSE](LICENSE) [web](https://x.org) [a](#here)"
    assert docs_hooks.site_markdown(text, "") == (
        "[scoring](scoring.md#window) [c](changelog.md) `LICENSE` [web](https://x.org) [a](#here)"
    )


def test_docs_page_links_leave_the_pages_and_reach_the_home_page():
    text = "[README](../README.md#models) [grid](grid.md) [figure](../analyses/ablations.py) ![x](stimuli-family.png)"
    assert docs_hooks.site_markdown(text, "../") == (
        "[README](index.md#models) [grid](grid.md) figure (`analyses/ablations.py`) ![x](stimuli-family.png)"
    )


def test_every_command_has_a_page_with_its_usage():
    from brainscore_lcl.cli import build_parser

    parsers = docs_hooks.command_parsers()
    commands = [action for action in build_parser()._actions if hasattr(action, "choices") and action.choices]
    assert list(parsers) == list(commands[0].choices)
    page = docs_hooks.command_page("data", parsers["data"])
    assert page.startswith("# brainscore data") and "brainscore_lcl.cli.data" in page
    assert "## brainscore data export" in page and "--source" in page


def test_external_fetches_are_found_and_links_are_not(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        '<script src="https://unpkg.com/x"></script><link rel="stylesheet" href="//fonts.example/css">'
        '<a href="https://brain-score.org">site</a><script src="assets/local.js"></script>'
    )
    (tmp_path / "sub" / "page.html").write_text("<img alt='a' src='http://cdn.example/a.png'>")
    assert docs_hooks.external_references(tmp_path) == [
        ("index.html", "https://unpkg.com/x"),
        ("index.html", "//fonts.example/css"),
        ("sub/page.html", "http://cdn.example/a.png"),
    ]


def test_the_theme_fetches_no_font_and_the_search_shim_is_local():
    import yaml

    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    assert config["theme"]["font"] == "false"
    assert config["extra"]["polyfills"] == ["assets/iframe-worker/shim.js"]
    assert (ROOT / "docs" / config["extra"]["polyfills"][0]).is_file()


def test_undocumented_public_members_are_found(tmp_path):
    import griffe

    (tmp_path / "planted.py").write_text(
        '"""A module."""\n\n\ndef documented():\n    """Yes."""\n\n\ndef bare():\n    pass\n\n\n'
        "def _private():\n    pass\n\n\nclass Net:\n    "
        '"""A network."""\n\n    def forward(self):\n        pass\n\n    def fit(self):\n        pass\n'
    )
    module = griffe.GriffeLoader(search_paths=[str(tmp_path)]).load("planted", try_relative_path=False)
    assert docs_hooks.undocumented(module) == ["planted.bare", "planted.Net.fit"]


def test_the_api_pages_render_objects_that_exist():
    import griffe

    docs_hooks.copy_installed_layout()
    loader = griffe.GriffeLoader(search_paths=[str(docs_hooks.SOURCES)])
    loader.load("brainscore_lcl", try_relative_path=False)
    objects = docs_hooks.documented_objects()
    assert ("brainscore_lcl.analyses", True) in objects and ("brainscore_lcl", False) in objects
    for path, _ in objects:
        assert loader.modules_collection[path].docstring, path


@pytest.mark.slow
def test_the_site_builds_strict_and_fetches_nothing_from_another_host(tmp_path):
    site = tmp_path / "site"
    environment = os.environ | {"BRAINSCORE_LCL_GALLERY_RUN": "^$", "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )
    pages = list(site.rglob("*.html"))
    assert len(pages) > 40 and (site / "commands" / "score.html").is_file()
    assert docs_hooks.external_references(site) == []
