"""zhishu.versions gives what importlib.metadata gives (the reference) for every installed distribution."""

from __future__ import annotations

import importlib.metadata as md

import pytest

from zhishu.versions import headers, version


def test_every_installed_distribution():
    dists = list(md.distributions())
    assert len(dists) > 10
    for dist in dists:
        name = dist.metadata["Name"]
        assert version(name) == md.version(name)
        assert headers(dist, "Name", "Version") == {"Name": dist.metadata["Name"], "Version": dist.metadata["Version"]}


def test_not_installed():
    with pytest.raises(md.PackageNotFoundError):
        version("no-such-distribution-zhishu")


def test_headers_only(tmp_path):
    info = tmp_path / "demo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo\nversion: 1.0rc1\nSummary: x\n\n"
                                   "Version: 9 (in the description, not a header)\n", encoding="utf-8")
    dist = md.PathDistribution(info)
    assert headers(dist, "Name", "Version", "License") == {"Name": "demo", "Version": "1.0rc1"}
    assert dist.metadata["Version"] == "1.0rc1"
