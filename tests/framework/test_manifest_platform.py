"""The manifest's ``platform`` is ``platform.platform()``'s text, found without running ``uname -p``."""

import platform
import subprocess
import sys

import pytest

from zhishu.results import platform_text


@pytest.mark.skipif(sys.platform != "linux", reason="the subprocess is skipped on Linux only")
def test_platform_text_is_platform_platform_without_a_subprocess(monkeypatch):
    processor = subprocess.run(["uname", "-p"], capture_output=True, text=True).stdout.strip()
    platform_text.cache_clear()

    def no_program(*args, **kwargs):
        raise AssertionError(f"a program was run: {args}")

    monkeypatch.setattr(subprocess, "Popen", no_program)
    text = platform_text()
    monkeypatch.undo()
    if processor in ("unknown", "", platform.machine()):  # what platform.platform() leaves out
        assert text == platform.platform()
    assert text.startswith(f"Linux-{platform.release()}-{platform.machine()}")
