"""Files on disk: private bundles, a full disk during publish, a kill between the two swap renames."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sales_analytics.cli import main
from sales_analytics.io.snapshot import snapshot_distrust
from sales_analytics.run import monthly
from sales_analytics.run.bundle import DIR_MODE, FILE_MODE, BundleLayout, read_manifest
from tests.test_run import _bundle, _run, fake_execute, make_data, make_notebooks, tree_digest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    return {
        "data": make_data(tmp_path / "data"),
        "notebooks": make_notebooks(tmp_path / "notebooks", "publish", "sleep"),
        "outputs": tmp_path / "outputs",
    }


@pytest.fixture
def open_umask():
    """The most permissive umask: whatever the bundle's modes are, the run set them."""
    old = os.umask(0)
    yield
    os.umask(old)


def modes(folder: Path) -> set[tuple[str, int]]:
    return {
        ("d" if p.is_dir() else "f", stat.S_IMODE(p.stat().st_mode)) for p in [folder, *folder.rglob("*")]
    }


# --------------------------------------------------------------------------- permissions
def test_published_bundle_is_owner_and_group_only(project, monkeypatch, open_umask):
    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    result = _run(project)
    assert modes(result.bundle) == {("d", DIR_MODE), ("f", FILE_MODE)}  # 0750 / 0640
    assert (result.bundle / "inputs" / "orders.parquet").stat().st_mode & 0o007 == 0
    # the run recorded its snapshot's hashes, so its own inputs/ verify
    assert snapshot_distrust(result.bundle / "inputs", outputs=project["outputs"]) is None
    assert set(read_manifest(result.bundle)["snapshot"]) == {
        "inputs/_snapshot.json",
        "inputs/_codes_orders.arrow",  # the codes of the orders' string columns (io/snapshot.py)
        "inputs/orders.parquet",
        "inputs/reps.parquet",
    }


def test_failed_run_is_kept_private_too(project, monkeypatch, open_umask):
    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute(fail=frozenset({"02_sleep"})))
    with pytest.raises(Exception, match="failed"):
        _run(project)
    (failed,) = (project["outputs"] / ".failed").iterdir()
    assert modes(failed) == {("d", DIR_MODE), ("f", FILE_MODE)}
    assert stat.S_IMODE((project["outputs"] / ".failed").stat().st_mode) == DIR_MODE


def test_deploy_units_set_a_private_umask():
    units = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
    assert units
    for unit in units:
        assert "\nUMask=0027\n" in unit.read_text(encoding="utf-8"), unit.name
    cron = (ROOT / "deploy" / "cron" / "sales-workbook.cron").read_text(encoding="utf-8")
    assert "umask 027 &&" in cron


# --------------------------------------------------------------------------- a full disk
@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 1 MiB tmpfs (needs root and mount); skipped with the reason where it cannot be mounted."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("ENOSPC test needs root to mount a 1 MiB tmpfs (mount -t tmpfs -o size=1m)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a 1 MiB tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def fill(disk: Path) -> None:
    """Use up every free byte of ``disk``."""
    with open(disk / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass


def test_full_disk_keeps_the_old_bundle_and_ends_in_one_line(project, monkeypatch, tiny_disk, capsys):
    outputs = tiny_disk / "outputs"
    old = _bundle(outputs / "2026-10", "old run")
    before = tree_digest(old)
    (outputs / ".locks").mkdir()
    (outputs / ".locks" / "2026-10.lock").touch()
    fill(tiny_disk)
    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    monkeypatch.setenv("SALES_ANALYTICS_OUTPUTS", str(outputs))
    code = main(
        [
            "run",
            "--period",
            "2026-10",
            "--data",
            str(project["data"]),
            "--notebooks-dir",
            str(project["notebooks"]),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: run of 2026-10 stopped: no space left on the disk of ")
    assert err[0].endswith("; the published bundle is unchanged. Free some space and run again")
    assert tree_digest(old) == before
    assert not (outputs / ".staging").exists() or not any((outputs / ".staging").iterdir())


# --------------------------------------------------------------------------- a kill between the renames
def half_swap(outputs: Path, period: str = "2026-10") -> Path:
    """The state right after the swap's first rename: the bundle in .old/, the new one still in staging."""
    layout = BundleLayout(outputs)
    _bundle(layout.old_root / f"{period}-r1", "published")
    _bundle(layout.staging(period, "r2"), "unfinished")
    assert not layout.bundle(period).exists()
    return layout.bundle(period)


def test_runs_restores_a_half_swapped_bundle(tmp_path, capsys):
    bundle = half_swap(tmp_path)
    assert main(["runs", "--outputs", str(tmp_path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["period"] for r in listed] == ["2026-10"] and listed[0]["run_id"] == "published"
    assert read_manifest(bundle)["run_id"] == "published"
    assert not any((tmp_path / ".old").iterdir()) and not any((tmp_path / ".staging").iterdir())


def test_next_run_of_another_period_restores_it(project, monkeypatch):
    bundle = half_swap(project["outputs"], "2026-10")
    monkeypatch.setattr(monthly, "execute_notebooks", fake_execute())
    _run(project, period="2026-09")
    assert read_manifest(bundle)["run_id"] == "published"


def test_serve_restores_it_before_listing_bundles(tmp_path, capsys):
    bundle = half_swap(tmp_path)
    # a period that is not published stops serve right after the restore and the listing
    assert main(["serve", "--outputs", str(tmp_path), "--period", "1999-01"]) == 2
    assert "published: ['2026-10']" in capsys.readouterr().err
    assert read_manifest(bundle)["run_id"] == "published"


def test_a_live_run_keeps_its_own_swap(tmp_path):
    bundle = half_swap(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from sales_analytics.run.lock import PeriodLock\n"
            "lock = PeriodLock(sys.argv[1], '2026-10').acquire()\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
            str(tmp_path / ".locks"),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert BundleLayout(tmp_path).restore_half_swapped() == []
        assert not bundle.exists()  # the run holding the lock finishes its own swap
    finally:
        holder.kill()
        holder.wait()
    assert (
        BundleLayout(tmp_path).restore_half_swapped()[0] == "restored the bundle of 2026-10 from 2026-10-r1"
    )
