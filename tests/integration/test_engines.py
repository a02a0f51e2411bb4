"""The engine fixtures fail, never skip, when an engine cannot be installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration import engines


def test_an_engine_that_cannot_be_installed_fails_with_the_installers_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installer = tmp_path / "install.sh"
    installer.write_text(
        "echo 'E: Unable to locate package virtuoso-opensource-7-bin' >&2\nexit 100\n"
    )
    monkeypatch.setattr(engines, "INSTALL_SCRIPT", installer)
    monkeypatch.setattr(engines, "REPO", tmp_path)
    monkeypatch.setattr(engines, "virtuoso_program", lambda: None)
    monkeypatch.setattr(engines, "oxigraph_program", lambda: "/bin/true")
    monkeypatch.setattr(engines, "nginx_program", lambda: "/bin/true")
    with pytest.raises(engines.EngineUnavailable) as caught:
        engines.ensure_installed()
    message = str(caught.value)
    assert message.startswith("virtuoso-t not installed, and install.sh did not install it.")
    assert "Run it as root" in message
    assert "Unable to locate package virtuoso-opensource-7-bin" in message
