"""main() pauses the cyclic garbage collector only while it builds the command table, and leaves it as it found
it (on, or off when the caller had turned it off), also when the command fails."""

from __future__ import annotations

import gc

import pytest

from zhishu.cli import main


@pytest.mark.parametrize("argv", [["plugins"], ["validate", "no-such-config.toml"]])
def test_collector_on_again_after_main(argv, capsys):
    assert gc.isenabled()
    main(argv)
    assert gc.isenabled()


def test_collector_left_off_when_the_caller_turned_it_off(capsys):
    gc.disable()
    try:
        main(["plugins"])
        assert not gc.isenabled()
    finally:
        gc.enable()
