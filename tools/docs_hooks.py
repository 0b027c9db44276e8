"""MkDocs hooks of the documentation site (``mkdocs.yml``'s ``hooks``): pages made at build time from the sources.

- ``index.md`` is README.md and ``changelog.md`` is CHANGELOG.md, their links rewritten for the site (README's
  ``docs/x.md`` -> ``x.md``; a link to another file of the repository becomes its path in code), so neither text is
  kept twice;
- ``commands/<name>.md``: one page per ``brainscore`` command, its usage printed by the command's own argparse parser
  (``brainscore_lcl.cli.build_parser``) with every sub-command's, so a new option reaches the site with no edit; the
  "Commands" entry of ``nav`` is filled with them;
- the API pages read the package as it is installed: ``build/docs-sources/brainscore_lcl`` is a copy of
  ``brainscore_lcl/``'s sources with the folders setup.py installs into it (``PACKAGE_DIRS``: ``analyses/`` as
  ``brainscore_lcl.analyses``, ...), the one search path of mkdocstrings (``mkdocs.yml``) and of the check below;
- the API pages' ``::: module`` directives are checked: a public module, class, function or method of those modules
  without a docstring is a warning, which ``mkdocs build --strict`` turns into a failure (mkdocstrings renders
  such members, ``show_if_no_docstring``, but does not warn about them).

- after the build, every page is checked for a script, style sheet, image or frame fetched from another host
  (``external_references``): a warning, so ``--strict`` fails on a CDN, a web font or analytics.

Written here rather than with the mkdocs-gen-files plugin: three small generators need no further dependency, and
``File.generated`` (MkDocs >= 1.6) adds pages without writing into ``docs/``.
"""

from __future__ import annotations

import argparse
import ast
import logging
import os
import re
import shutil
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: the package as installed, for griffe (mkdocstrings' ``paths`` in mkdocs.yml)
SOURCES = ROOT / "build" / "docs-sources"
log = logging.getLogger("mkdocs.hooks.brainscore_docs")
#: methods whose docstring is the base class's (torch's ``nn.Module``, argparse, logging): not warned about
INHERITED_METHODS = {"forward", "extra_repr", "train", "error", "setup"}
LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")
#: files of the repository that are pages of the site
SITE_PAGES = {"README.md": "index.md", "CHANGELOG.md": "changelog.md"}
#: an mkdocstrings directive and its indented options
DIRECTIVE = re.compile(r"^::: *([\w.]+)\n((?:[ \t]+.*\n)*)", flags=re.MULTILINE)


def site_markdown(text: str, to_root: str) -> str:
    """``text`` with its links to the repository made for the site: ``to_root`` is the path from the text's file to
    the repository root ("" for README.md, "../" for a page of docs/). ``docs/x`` -> ``x``, README.md -> the home
    page, CHANGELOG.md -> the changelog page, another file of the repository -> its path in code; web links, anchors
    and (in docs/) links between pages unchanged."""

    def rewrite(match: re.Match) -> str:
        bang, label, target = match.groups()
        if re.match(r"[a-z]+://|#|mailto:", target) or not target.startswith(to_root):
            return match.group(0)
        path, _, anchor = target[len(to_root) :].partition("#")
        page = SITE_PAGES.get(path) or (path.removeprefix("docs/") if path.startswith("docs/") else None)
        if page is None:
            return f"{label} (`{path}`)" if label != path else f"`{path}`"
        return f"{bang}[{label}]({page}{'#' + anchor if anchor else ''})"

    return LINK.sub(rewrite, text)


def on_page_markdown(markdown: str, page, config, files) -> str:
    """A page of docs/: its links to README.md, CHANGELOG.md and other files of the repository (``../``) made for the
    site (``site_markdown``)."""
    return site_markdown(markdown, "../") if not page.file.generated_by else markdown


def command_parsers() -> dict[str, argparse.ArgumentParser]:
    """{command name: its parser} of ``brainscore``, in the order of ``brainscore --help``."""
    from brainscore_lcl.cli import build_parser

    return dict(sub_parsers(build_parser()))


def sub_parsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    """The (name, parser) of ``parser``'s sub-commands (empty when it has none)."""
    found = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return list(found[0].choices.items()) if found else []


def command_page(name: str, parser: argparse.ArgumentParser) -> str:
    """The Markdown page of ``brainscore <name>``: its description, its usage and each sub-command's."""
    from brainscore_lcl import cli

    module = next(command for command in cli.COMMANDS if name in command_names(command))
    lines = [f"# brainscore {name}", "", f"Implemented in `{module.__name__}` (its `command_*` functions).", ""]
    sections = [(f"brainscore {name}", parser)] + [
        (f"brainscore {name} {sub}", sub_parser) for sub, sub_parser in sub_parsers(parser)
    ]
    for title, section_parser in sections:
        if title != sections[0][0]:
            lines += [f"## {title}", ""]
        lines += ["```text", section_parser.format_help().rstrip(), "```", ""]
    return "\n".join(lines)


def command_names(module) -> list[str]:
    """The command names a ``brainscore_lcl.cli`` module adds (``add_subcommand``), read from a scratch parser."""
    scratch = argparse.ArgumentParser()
    module.add_subcommand(scratch.add_subparsers())
    return [name for name, _ in sub_parsers(scratch)]


def package_dirs() -> dict[str, str]:
    """setup.py's ``PACKAGE_DIRS``: {installed package: its folder in the repository} (read, not run)."""
    tree = ast.parse((ROOT / "setup.py").read_text())
    assignment = next(
        node for node in tree.body if isinstance(node, ast.Assign) and node.targets[0].id == "PACKAGE_DIRS"
    )
    return ast.literal_eval(assignment.value)


def copy_installed_layout() -> None:
    """Make ``SOURCES/brainscore_lcl``: a copy of ``brainscore_lcl/``'s Python files with each folder setup.py installs
    inside it, so that griffe reads ``brainscore_lcl.analyses`` where it is imported from (a copy: griffe resolves
    links back to the folder they point into)."""
    shutil.rmtree(SOURCES, ignore_errors=True)
    only_python = shutil.ignore_patterns("__pycache__", "*.pt", "*.png", "*.html", "*.json", "*.yaml")
    for name, folder in package_dirs().items():
        shutil.copytree(ROOT / folder, SOURCES.joinpath(*name.split(".")), ignore=only_python, dirs_exist_ok=True)


@event_priority(100)
def on_config(config):
    """Fill the ``Commands`` entry of ``nav`` with one page per command; a fixed width for argparse's usage; the
    installed layout for the API pages (``copy_installed_layout``), made before mkdocstrings' own ``on_config`` reads
    its search path (a path missing then is dropped, as on a clean clone)."""
    os.environ["COLUMNS"] = "100"
    copy_installed_layout()
    names = list(command_parsers())
    for entry in config.nav or []:
        if isinstance(entry, dict) and "Commands" in entry:
            entry["Commands"] = [{f"brainscore {name}": f"commands/{name}.md"} for name in names]
    return config


def on_files(files: Files, config) -> Files:
    """Add the generated pages: home (README.md), changelog (CHANGELOG.md), one page per command."""
    generated = {
        "index.md": site_markdown((ROOT / "README.md").read_text(), ""),
        "changelog.md": site_markdown((ROOT / "CHANGELOG.md").read_text(), ""),
    }
    generated |= {f"commands/{name}.md": command_page(name, parser) for name, parser in command_parsers().items()}
    for path, content in generated.items():
        files.append(File.generated(config, path, content=content))
    return files


def documented_objects() -> list[tuple[str, bool]]:
    """The objects the API pages render (``::: path`` of ``docs/api/*.md``) and whether their submodules are shown
    (not where the directive's options say ``show_submodules: false``)."""
    found = []
    for page in sorted((DOCS / "api").glob("*.md")):
        for path, options in DIRECTIVE.findall(page.read_text()):
            found.append((path, "show_submodules: false" not in options))
    return found


def undocumented(obj, submodules: bool = True, inherited: bool = False) -> list[str]:
    """Paths of the public members of the griffe object ``obj`` (recursively, into submodules only with
    ``submodules``; not the names it imports) without a docstring."""
    missing = [] if obj.docstring or (inherited and obj.name in INHERITED_METHODS) else [obj.path]
    for name, member in obj.members.items():
        if member.is_alias or name.startswith("_") or not (member.is_module or member.is_class or member.is_function):
            continue
        if member.is_module and (not submodules or name == "test"):  # a plugin's test file is no API
            continue
        missing += undocumented(member, submodules, inherited=obj.is_class)
    return missing


def on_pre_build(config) -> None:
    """Warn (a failure under ``--strict``) about every public member without a docstring on the API pages."""
    import griffe

    loader = griffe.GriffeLoader(search_paths=[str(SOURCES)])
    loader.load("brainscore_lcl", try_relative_path=False)
    for path, submodules in documented_objects():
        for missing in undocumented(loader.modules_collection[path], submodules):
            log.warning(f"{missing} has no docstring (a public member on the API reference, docs/api/)")


#: a tag that makes the browser fetch its ``src`` / ``href`` when the page is shown (``<a href>`` does not)
FETCHING_TAG = re.compile(
    r"<(script|link|img|iframe|source|embed|object)\b[^>]*?\b(?:src|href|data)=[\"']([^\"']+)[\"']"
)


def external_references(site: Path) -> list[tuple[str, str]]:
    """(page, address) of every script, style sheet, image, frame or object a page of ``site`` fetches from another
    host (an ``http(s)://`` or protocol-relative ``//`` address) when it is viewed."""
    found = []
    for page in sorted(site.rglob("*.html")):
        for _tag, address in FETCHING_TAG.findall(page.read_text(errors="replace")):
            if re.match(r"(https?:)?//", address):
                found.append((str(page.relative_to(site)), address))
    return found


def on_post_build(config) -> None:
    """Warn (a failure under ``--strict``) about every page that fetches something from another host."""
    for page, address in external_references(Path(config.site_dir)):
        log.warning(f"{page} fetches {address} when viewed; the site must work offline (no CDN, fonts or scripts)")
