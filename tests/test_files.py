"""`nntui.files.write_text_atomic` (SPEC §8): all or nothing, nothing overwritten unasked.

A full disk and a read-only directory are simulated by making the system calls fail (and, where
the machine allows it, made real on a tiny tmpfs in a private mount namespace).
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nntui import files
from nntui.files import NotRegularFileError, OutsideRootError, file_kind, within, write_text_atomic

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes, links and FIFOs")
OLD = "old text: the lecturer's handout\n" * 100
NEW = "new text ∂E/∂w — 😀\n" * 1000


def leftovers(directory: Path) -> list[str]:
    """Temporary files left behind."""
    return sorted(path.name for path in directory.iterdir() if path.name.endswith(".tmp"))


def test_writes_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "new.md"
    write_text_atomic(target, NEW, overwrite=False)
    assert target.read_bytes() == NEW.encode("utf-8")
    assert leftovers(tmp_path) == []


def test_text_is_written_as_given(tmp_path: Path) -> None:
    """No newline translation, the encoding asked for."""
    target = tmp_path / "lines.txt"
    write_text_atomic(target, "a\nb\r\nc", overwrite=False)
    assert target.read_bytes() == b"a\nb\r\nc"
    write_text_atomic(target, "é", overwrite=True, encoding="latin-1")
    assert target.read_bytes() == b"\xe9"


def test_an_existing_file_is_kept_without_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "old.md"
    target.write_text(OLD, encoding="utf-8")
    with pytest.raises(FileExistsError) as caught:
        write_text_atomic(target, NEW, overwrite=False)
    assert caught.value.filename == str(target)
    assert target.read_text(encoding="utf-8") == OLD
    assert leftovers(tmp_path) == []


def test_overwrite_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "old.md"
    target.write_text(NEW, encoding="utf-8")
    write_text_atomic(target, OLD, overwrite=True)  # shorter: nothing of the old text remains
    assert target.read_text(encoding="utf-8") == OLD
    assert leftovers(tmp_path) == []


def test_a_file_that_appears_while_writing_is_not_clobbered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked, then written: someone else creates the file in between."""
    target = tmp_path / "race.md"
    real_fsync = os.fsync

    def fsync_then_someone_writes(fd: int) -> None:
        real_fsync(fd)
        target.write_text("someone else's\n", encoding="utf-8")

    monkeypatch.setattr(os, "fsync", fsync_then_someone_writes)
    with pytest.raises(FileExistsError):
        write_text_atomic(target, NEW, overwrite=False)
    assert target.read_text(encoding="utf-8") == "someone else's\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("failing", ["write", "fsync"])
def test_a_full_disk_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "handout.md"
    target.write_text(OLD, encoding="utf-8")
    before = target.read_bytes()
    real_write = os.write
    calls = {"n": 0}

    def write_a_little_then_fill_up(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, bytes(data)[:100])  # a partial write first

    def fsync_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if failing == "write":
        monkeypatch.setattr(os, "write", write_a_little_then_fill_up)
    else:
        monkeypatch.setattr(os, "fsync", fsync_full)
    with pytest.raises(OSError) as caught:
        write_text_atomic(target, NEW, overwrite=True)
    assert caught.value.errno == errno.ENOSPC
    assert target.read_bytes() == before
    assert leftovers(tmp_path) == []
    # And a new file is not created half-written.
    calls["n"] = 0
    fresh = tmp_path / "fresh.md"
    with pytest.raises(OSError) as caught:
        write_text_atomic(fresh, NEW, overwrite=False)
    assert caught.value.errno == errno.ENOSPC
    assert not fresh.exists()
    assert leftovers(tmp_path) == []


def test_an_interrupted_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+c in the middle: the old file stays, the temporary file goes."""
    target = tmp_path / "handout.md"
    target.write_text(OLD, encoding="utf-8")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(target, NEW, overwrite=True)
    assert target.read_text(encoding="utf-8") == OLD
    assert leftovers(tmp_path) == []


def test_a_read_only_file_system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The temporary file cannot be created: EROFS, the old file untouched."""
    target = tmp_path / "handout.md"
    target.write_text(OLD, encoding="utf-8")
    real_open = os.open

    def read_only(path: str, flags: int, *args: int) -> int:
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(OSError) as caught:
        write_text_atomic(target, NEW, overwrite=True)
    assert caught.value.errno == errno.EROFS
    assert target.read_text(encoding="utf-8") == OLD
    assert leftovers(tmp_path) == []


@POSIX
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_directory(tmp_path: Path) -> None:
    directory = tmp_path / "locked"
    directory.mkdir()
    target = directory / "handout.md"
    target.write_text(OLD, encoding="utf-8")
    directory.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            write_text_atomic(target, NEW, overwrite=True)
        assert target.read_text(encoding="utf-8") == OLD
        assert leftovers(directory) == []
    finally:
        directory.chmod(0o755)


def test_a_directory_is_never_the_target(tmp_path: Path) -> None:
    for overwrite in (False, True):
        with pytest.raises(IsADirectoryError):
            write_text_atomic(tmp_path, NEW, overwrite=overwrite)
    assert leftovers(tmp_path) == []
    assert leftovers(tmp_path.parent) == []


@POSIX
def test_a_fifo_or_a_device_is_never_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target in (fifo, Path(os.devnull)):
        with pytest.raises(NotRegularFileError) as caught:
            write_text_atomic(target, NEW, overwrite=True)
        assert "not a regular file" in str(caught.value.strerror)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert leftovers(tmp_path) == []


def test_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_text_atomic(tmp_path / "no" / "such.md", NEW, overwrite=False)


@POSIX
def test_permission_bits_are_kept_when_replacing(tmp_path: Path) -> None:
    target = tmp_path / "script.md"
    target.write_text(OLD, encoding="utf-8")
    target.chmod(0o640)
    write_text_atomic(target, NEW, overwrite=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    target.chmod(0o604)
    write_text_atomic(target, OLD, overwrite=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o604


@POSIX
def test_a_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old_mask = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "new.md", NEW, overwrite=False)
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE((tmp_path / "new.md").stat().st_mode) == 0o640


@POSIX
def test_a_symbolic_link_is_followed_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text(OLD, encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real.name)
    with pytest.raises(FileExistsError):
        write_text_atomic(link, NEW, overwrite=False)
    write_text_atomic(link, NEW, overwrite=True)
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == NEW


def test_without_hard_links_the_name_is_still_not_clobbered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system without hard links: the name is reserved with O_EXCL instead."""

    def no_links(*args: object) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "new.md"
    write_text_atomic(target, NEW, overwrite=False)
    assert target.read_text(encoding="utf-8") == NEW
    with pytest.raises(FileExistsError):
        write_text_atomic(target, OLD, overwrite=False)
    assert target.read_text(encoding="utf-8") == NEW
    assert leftovers(tmp_path) == []


def test_a_very_long_name_still_gets_a_temporary_name(tmp_path: Path) -> None:
    target = tmp_path / ("n" * 240 + ".md")
    write_text_atomic(target, NEW, overwrite=False)
    assert target.read_text(encoding="utf-8") == NEW
    assert leftovers(tmp_path) == []


@POSIX
def test_file_kinds(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "file").write_text("x")
    assert file_kind(os.stat(tmp_path / "file").st_mode) == "a regular file"
    assert file_kind(os.stat(tmp_path).st_mode) == "a directory"
    assert file_kind(os.stat(tmp_path / "fifo").st_mode) == "a FIFO"
    assert file_kind(os.stat(os.devnull).st_mode) == "a character device"


def test_only_one_writer_in_the_package() -> None:
    """Every file nntui writes goes through `write_text_atomic` (no other open-for-writing)."""
    package = Path(files.__file__).parent
    offenders = []
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ('open(args.output, "w"', ".write_text(", ".write_bytes(", '"w", encoding'):
            if needle in text and path.name != "files.py":
                offenders.append(f"{path.relative_to(package)}: {needle}")
    assert offenders == []


# -- a real full disk and a real read-only file system ----------------------------------------

REAL_FS_SCRIPT = textwrap.dedent(
    """
    set -e
    mount -t tmpfs -o size=256k tmpfs "$MNT"
    cd "$MNT"
    printf 'the old handout\\n' > out.md
    # 1 MB of text into 256 kB: ENOSPC in the middle of the write.
    "$PY" -c 'import sys; from nntui.files import write_text_atomic
    try:
        write_text_atomic("out.md", "x" * 1_000_000, overwrite=True)
    except OSError as err:
        print(err.strerror)'
    cat out.md
    ls -A
    mount -o remount,ro "$MNT"
    "$PY" -c 'from nntui.files import write_text_atomic
    try:
        write_text_atomic("out.md", "new\\n", overwrite=True)
    except OSError as err:
        print(err.strerror)'
    cat out.md
    """
)


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt && umount /mnt"],
        capture_output=True,
        timeout=30,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs root and mount namespaces")
def test_a_real_full_disk_and_read_only_file_system(tmp_path: Path) -> None:
    mount = tmp_path / "mnt"
    mount.mkdir()
    env = {**os.environ, "MNT": str(mount), "PY": sys.executable}
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", REAL_FS_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        os.strerror(errno.ENOSPC),  # "No space left on device"
        "the old handout",
        "out.md",  # and no temporary file
        os.strerror(errno.EROFS),  # "Read-only file system"
        "the old handout",
    ]


class TestWithin:
    """`within(root, path)`: the one check of where a file may be in a confined nntui."""

    def test_any_path_without_a_root(self, tmp_path):
        assert within(None, "/etc/passwd") == "/etc/passwd"

    def test_a_relative_path_under_the_root(self, tmp_path):
        assert within(tmp_path, "nets/a.toml") == str(tmp_path.resolve() / "nets" / "a.toml")

    @pytest.mark.parametrize("path", ["../x.toml", "/etc/passwd", "a/../../x.toml", ".."])
    def test_paths_leading_out_are_refused(self, tmp_path, path):
        with pytest.raises(OutsideRootError) as caught:
            within(tmp_path / "root", path)
        assert caught.value.filename == path

    def test_a_symbolic_link_leading_out_is_refused(self, tmp_path):
        root = tmp_path / "root"
        root.mkdir()
        (root / "out").symlink_to(tmp_path)
        with pytest.raises(OutsideRootError):
            within(root, "out/secret.toml")

    def test_the_root_itself_is_inside(self, tmp_path):
        assert within(tmp_path, ".") == str(tmp_path.resolve())
