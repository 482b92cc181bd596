"""zhishu.versions gives what importlib.metadata gives (the reference) for every installed distribution, and
for entry points in the same order, reading the folders itself (or, for a zip on sys.path, asking
importlib.metadata)."""

from __future__ import annotations

import importlib.metadata as md

import pytest

import sys
import zipfile

from zhishu import versions
from zhishu.versions import PackageNotFoundError, entry_points, headers, version


def test_every_installed_distribution():
    dists = list(md.distributions())
    assert len(dists) > 10
    for dist in dists:
        name = dist.metadata["Name"]
        assert version(name) == md.version(name)
        assert headers(dist, "Name", "Version") == {"Name": dist.metadata["Name"], "Version": dist.metadata["Version"]}


def test_not_installed():
    with pytest.raises(PackageNotFoundError) as info:
        version("no-such-distribution-zhishu")
    assert isinstance(info.value, ModuleNotFoundError)
    assert str(info.value) == str(md.PackageNotFoundError("no-such-distribution-zhishu"))
    assert info.value.name == "no-such-distribution-zhishu"


@pytest.mark.parametrize("group", ["zhishu", "console_scripts", "pytest11", "no-such-group"])
def test_entry_points_as_importlib_metadata_lists_them(group):
    ours = [(str(dist._path), ep.name, ep.value, ep.group) for dist, ep in entry_points(group)]
    reference = [(str(dist._path), ep.name, ep.value, ep.group) for dist in md.distributions()
                 for ep in dist.entry_points if ep.group == group]
    assert ours == reference
    if group == "zhishu":
        assert len(ours) > 10
        plain = versions._folders(None) is not None  # (another test may have left a finder or a zip behind)
        assert all(isinstance(dist, versions.Folder) for dist, _ in entry_points(group)) == plain


def test_a_zhishu_process_does_not_import_importlib_metadata():
    """``zhishu plugins`` (every plugin found through its entry point, with its distribution and version) in
    a fresh interpreter, where the installation is plain folders: importlib.metadata (and email) not loaded."""
    import subprocess

    code = ("import sys, io, contextlib\nfrom zhishu.cli import main\nout = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n    status = main(['plugins'])\n"
            "print(status, 'template' in out.getvalue(), 'importlib.metadata' in sys.modules, 'email' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd="/")
    assert done.stdout.split() == ["0", "True", "False", "False"], done.stderr


def test_entry_points_load_what_importlib_metadata_loads():
    reference = {ep.name: ep for ep in md.entry_points(group="zhishu")}
    for _, ep in entry_points("zhishu"):
        assert ep.load() is reference[ep.name].load()


def _write_dist(folder, name, ver, eps):
    info = folder / f"{name}-{ver}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {ver}\n\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(eps, encoding="utf-8")
    return info


def test_a_folder_added_to_sys_path_is_searched_in_order(tmp_path, monkeypatch):
    """Comments, blank lines, spaces around ``=`` and lines before any section, as importlib.metadata reads
    them; a second copy of a distribution later on sys.path is listed after the first."""
    first, second = tmp_path / "a", tmp_path / "b"
    _write_dist(first, "zz_demo_dist", "1.2", "# comment\nstray = line\n[zhishu]\n  demo_one = zz_mod:hooks [x]\n"
                "\n[other]\nskip = x\n[zhishu]\ndemo_two=zz_mod\n")
    _write_dist(second, "zz_demo_dist", "9.9", "[zhishu]\ndemo_one = zz_mod2\n")
    monkeypatch.syspath_prepend(str(second))
    monkeypatch.syspath_prepend(str(first))
    version.cache_clear()
    try:
        ours = [(str(d._path), e.name, e.value) for d, e in entry_points("zhishu") if e.name.startswith("demo")]
        ref = [(str(d._path), e.name, e.value) for d in md.distributions() for e in d.entry_points
               if e.group == "zhishu" and e.name.startswith("demo")]
        assert ours == ref == [(str(first / "zz_demo_dist-1.2.dist-info"), "demo_one", "zz_mod:hooks [x]"),
                               (str(first / "zz_demo_dist-1.2.dist-info"), "demo_two", "zz_mod"),
                               (str(second / "zz_demo_dist-9.9.dist-info"), "demo_one", "zz_mod2")]
        assert version("zz-demo.dist") == md.version("zz-demo.dist") == "1.2"
    finally:
        version.cache_clear()


def test_a_zip_on_sys_path_is_read_by_importlib_metadata(tmp_path, monkeypatch):
    archive = tmp_path / "dists.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zz_zipped-3.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: zz_zipped\nVersion: 3.1\n\n")
        zf.writestr("zz_zipped-3.1.dist-info/entry_points.txt", "[zhishu]\nzipped = zz_zipped_mod\n")
    monkeypatch.setattr(sys, "path", [*sys.path, str(archive)])
    version.cache_clear()
    try:
        assert versions._folders(None) is None  # not plain folders: importlib.metadata answers
        assert [(e.name, e.value) for _, e in entry_points("zhishu") if e.name == "zipped"] == [
            ("zipped", "zz_zipped_mod")]
        assert version("zz_zipped") == "3.1"
        with pytest.raises(PackageNotFoundError):
            version("no-such-distribution-zhishu")
    finally:
        version.cache_clear()


def test_headers_only(tmp_path):
    info = tmp_path / "demo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo\nversion: 1.0rc1\nSummary: x\n\n"
                                   "Version: 9 (in the description, not a header)\n", encoding="utf-8")
    dist = md.PathDistribution(info)
    assert headers(dist, "Name", "Version", "License") == {"Name": "demo", "Version": "1.0rc1"}
    assert dist.metadata["Version"] == "1.0rc1"


def test_egg_info_and_empty_metadata_as_importlib_metadata_reads_them(tmp_path):
    """An ``*.egg-info`` folder has PKG-INFO, not METADATA; an empty METADATA is passed over for PKG-INFO."""
    egg = tmp_path / "demo.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: demo\nVersion: 2.0\n\n", encoding="utf-8")
    empty = tmp_path / "other-1.0.dist-info"
    empty.mkdir()
    (empty / "METADATA").write_text("", encoding="utf-8")
    (empty / "PKG-INFO").write_text("Name: other\nVersion: 1.0\n", encoding="utf-8")
    for folder in (egg, empty):
        reference = md.PathDistribution(folder).metadata
        ours = headers(versions.Folder(folder), "Name", "Version")
        assert ours == {"Name": reference["Name"], "Version": reference["Version"]}
    assert headers(versions.Folder(egg), "Version") == {"Version": "2.0"}


def test_a_distribution_installed_after_a_lookup_is_found_as_importlib_metadata_finds_it(tmp_path, monkeypatch):
    """Each sys.path folder's listing is kept while its modification time stays (as importlib.metadata's
    FastPath keeps it); an install changes that time, so the next lookup sees the new distribution."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    version.cache_clear()
    try:
        with pytest.raises(PackageNotFoundError):
            version("zz-late-dist")
        version.cache_clear()  # version() itself is kept per name for the process; the folder listing is not
        _write_dist(folder, "zz_late_dist", "3.1", "[zhishu]\nlate = zz_late\n")
        assert version("zz-late-dist") == md.version("zz-late-dist") == "3.1"
        assert [e.name for _, e in entry_points("zhishu") if e.name == "late"] == ["late"]
    finally:
        version.cache_clear()
