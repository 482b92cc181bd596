"""MkDocs hook: the repository's README.md is the site's home page and CHANGELOG.md its changelog page.

Both live at the repository root, outside ``docs_dir``, and link into ``docs/`` the way GitHub resolves links
(``docs/methods/ahp.md``). The hook adds them as pages ``index.md`` and ``changelog.md`` and rewrites those
links relative to the site, so one README serves GitHub and the site, and strict mode still checks every link.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"index.md": "README.md", "changelog.md": "CHANGELOG.md"}
LINK = re.compile(r"\]\((?!https?://|#|mailto:)([^)\s]+)\)")


def on_files(files, config):
    for uri, source in PAGES.items():
        files.append(File.generated(config, uri, abs_src_path=str(ROOT / source)))
    return files


def _site_link(target: str) -> str:
    path, _, anchor = target.partition("#")
    for uri, source in PAGES.items():
        if path == source:
            path = uri
    if path.startswith("docs/"):
        path = path[len("docs/"):]
    return path + (f"#{anchor}" if anchor else "")


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri in PAGES:
        return LINK.sub(lambda m: f"]({_site_link(m.group(1))})", markdown)
    return markdown
