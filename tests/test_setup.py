"""scripts/setup and requirements.lock: every dependency pinned, set-up once, then offline.

The double build copies the repository's files as they stand in the work tree (tracked and
untracked-but-not-ignored, so uncommitted changes count) into a scratch folder and runs
`./scripts/build` there twice: the first run makes its own .venv from the package index, the
second must not need the index at all (it is pointed at a closed port) and must print nothing
that looks like a problem.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
CLOSED_INDEX = "http://127.0.0.1:9/simple"  # the discard port: nothing listens there


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for raw in LOCK.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep and version and ";" not in line, f"requirements.lock: not a pin: {raw!r}"
        pins[_normal(name)] = version.strip()
    return pins


def test_the_lock_pins_every_dependency_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    wanted += [Requirement(r) for r in project["optional-dependencies"]["test"]]
    pins = _pins()
    missing = sorted(r.name for r in wanted if _normal(r.name) not in pins)
    assert not missing, f"not in requirements.lock (run scripts/lock): {missing}"
    outside = sorted(
        f"{r.name}=={pins[_normal(r.name)]} (pyproject.toml: {r.specifier})"
        for r in wanted
        if not r.specifier.contains(pins[_normal(r.name)], prereleases=True)
    )
    assert not outside, f"pins outside pyproject.toml's ranges (run scripts/lock): {outside}"
    assert "pip" in pins  # scripts/setup upgrades pip to the locked one


def _copy_work_tree(dest: Path) -> None:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"not a git work tree: {error}")
    for entry in filter(None, listed.split(b"\0")):
        rel = os.fsdecode(entry)
        source = ROOT / rel
        if source.is_dir() or not (source.is_file() or source.is_symlink()):
            continue  # a submodule, or deleted in the work tree but not yet in git
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest / rel, follow_symlinks=False)


def _build(site: Path, env: dict[str, str], timeout: int) -> tuple[str, float]:
    start = time.monotonic()
    run = subprocess.run(
        ["./scripts/build"],
        cwd=site,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    seconds = time.monotonic() - start
    assert run.returncode == 0, f"./scripts/build exited {run.returncode}:\n{run.stdout}"
    return run.stdout, seconds


def _lines(output: str, pattern: str) -> list[str]:
    return [line for line in output.splitlines() if re.search(pattern, line)]


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_a_second_build_needs_no_network_and_is_quiet(tmp_path: Path) -> None:
    site = tmp_path / "repo"
    _copy_work_tree(site)
    assert not (site / ".venv").exists()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}

    first, first_seconds = _build(site, env, timeout=900)
    assert not _lines(first, r"(?i)deprecated"), first
    stamp = site / ".venv" / ".bulletin-setup"
    stamped = (stamp.read_text(), stamp.stat().st_mtime_ns)

    # No package source at all: no config files (they may name local mirrors), no PIP_* from
    # outside, the index a closed port. Any pip run would fail or at least leave a new stamp.
    offline = {k: v for k, v in env.items() if not k.startswith("PIP_")}
    offline |= {
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_INDEX_URL": CLOSED_INDEX,
        "PIP_RETRIES": "0",
        "PIP_TIMEOUT": "1",
    }
    second, second_seconds = _build(site, offline, timeout=300)
    print(f"\nfirst ./scripts/build {first_seconds:.1f} s, second {second_seconds:.1f} s")
    assert not _lines(second, r"WARNING|(?i:deprecated)"), second
    assert (stamp.read_text(), stamp.stat().st_mtime_ns) == stamped, "scripts/setup ran pip again"
    assert "Built:" in second
    assert (site / "build" / "site" / "index.html").is_file()
    shutil.rmtree(site / ".venv", ignore_errors=True)  # a few hundred MB; kept only on failure
