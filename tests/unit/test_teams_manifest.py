"""``vpbot manifest teams``: the app package for the Teams admin center.

The package is checked for the fields the Teams app manifest schema requires (v1.29:
manifestVersion, version, id, developer{name, websiteUrl, privacyUrl, termsOfUseUrl},
name.short, description{short, full}, icons{color, outline}, accentColor) and the limits
vpbot's values must respect. With ``VPBOT_TEST_TEAMS_MANIFEST_SCHEMA`` pointing at a copy of
MicrosoftTeams.schema.json (github.com/OfficeDev/microsoft-teams-app-schema), the manifest
is validated against it too.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from plugins.teams.manifest import MANIFEST_VERSION, teams_manifest, teams_package
from vpbot.cli import main

BASE_URL = "https://vpbot.example.org/"
APP_ID = "6F1C7E52-3B7A-4C4E-9D2F-1A2B3C4D5E6F"
SCHEMA = os.environ.get("VPBOT_TEST_TEAMS_MANIFEST_SCHEMA")  # read at import: tests clear VPBOT_*
GUID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$")


def read_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int, int]]]:
    """Width, height and RGBA pixels of one of our PNGs (8-bit RGBA, filter 0)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks: dict[bytes, bytes] = {}
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = chunks.get(kind, b"") + body
        offset += 12 + length
    width, height, depth, color_type, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, color_type) == (8, 6) and b"IEND" in chunks
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * 4 + 1
    pixels = []
    for y in range(height):
        row = raw[y * stride:(y + 1) * stride]
        assert row[0] == 0
        pixels += [tuple(row[1 + x * 4:5 + x * 4]) for x in range(width)]
    return width, height, pixels  # type: ignore[return-value]


def unpack(package: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files["manifest.json"]), files


def test_the_package_holds_the_manifest_and_both_icons_at_its_root() -> None:
    manifest, files = unpack(teams_package(BASE_URL, APP_ID))
    assert set(files) == {"manifest.json", "color.png", "outline.png"}
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_the_required_fields_are_there_and_within_limits() -> None:
    manifest = teams_manifest(BASE_URL, APP_ID)
    assert manifest["$schema"].endswith(f"/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json")
    assert manifest["manifestVersion"] == MANIFEST_VERSION
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["id"] == APP_ID.lower() and GUID.fullmatch(manifest["id"])
    developer = manifest["developer"]
    assert len(developer["name"]) <= 32
    urls = (developer[k] for k in ("websiteUrl", "privacyUrl", "termsOfUseUrl"))
    assert all(url.startswith("https://vpbot.example.org/") for url in urls)
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["name"]["full"]) <= 100
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["description"]["full"]) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", manifest["accentColor"])


def test_a_personal_bot_and_the_message_extension_command_that_fetches_its_dialog() -> None:
    manifest = teams_manifest(BASE_URL, APP_ID)
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID.lower() and bot["scopes"] == ["personal"]
    [extension] = manifest["composeExtensions"]
    assert extension["botId"] == APP_ID.lower()
    [command] = extension["commands"]
    assert command["id"] == "vertrouwenspersoon" and command["type"] == "action" and command["fetchTask"] is True
    assert command["context"] == ["compose", "commandBox"]
    assert len(command["title"]) <= 32 and len(command["description"]) <= 128
    assert manifest["validDomains"] == ["vpbot.example.org"]
    assert "webApplicationInfo" not in manifest and manifest["permissions"] == []


def test_the_icons_have_the_sizes_and_colours_teams_wants() -> None:
    _manifest, files = unpack(teams_package(BASE_URL, APP_ID))
    width, height, pixels = read_png(files["color.png"])
    assert (width, height) == (192, 192)
    assert all(p[3] == 255 for p in pixels), "the colour icon is opaque"
    assert len(set(pixels)) > 1
    width, height, pixels = read_png(files["outline.png"])
    assert (width, height) == (32, 32)
    assert set(pixels) == {(255, 255, 255, 255), (0, 0, 0, 0)}, "white on transparent only"


@pytest.mark.parametrize(
    ("base_url", "app_id"),
    [("http://vpbot.example.org", APP_ID), ("https://", APP_ID), (None, APP_ID), (BASE_URL, "not-a-guid")],
)
def test_bad_arguments_are_refused(base_url: str | None, app_id: str) -> None:
    with pytest.raises(ValueError):
        teams_manifest(base_url, app_id)  # type: ignore[arg-type]


@pytest.mark.skipif(not SCHEMA, reason="VPBOT_TEST_TEAMS_MANIFEST_SCHEMA (a MicrosoftTeams.schema.json) not set")
def test_the_manifest_validates_against_the_official_schema() -> None:
    assert SCHEMA is not None
    schema = json.loads(Path(SCHEMA).read_text())
    validator = jsonschema.Draft4Validator(schema)
    errors = [f"{list(e.path)}: {e.message[:200]}" for e in validator.iter_errors(teams_manifest(BASE_URL, APP_ID))]
    assert not errors


def test_the_cli_writes_the_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "vpbot-teams.zip"
    code = main(["manifest", "teams", "--base-url", BASE_URL, "--app-id", APP_ID, "-o", str(target)])
    assert code == 0 and str(target) in capsys.readouterr().out
    manifest, _files = unpack(target.read_bytes())
    assert manifest["bots"][0]["botId"] == APP_ID.lower()


def test_the_cli_names_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["manifest", "teams", "--app-id", APP_ID, "-o", str(tmp_path / "x.zip")])
    assert code == 2 and "--base-url" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()
