"""Writing a file so that nothing is lost (SPEC §8), and telling what kind of file a path is.

`write_text_atomic(path, text, overwrite=...)` is the one way nntui writes a file: a handout
(`nntui export -o`), a network (`save_network`, `nntui train -o`, `nntui new`, saving in the app).
What a caller can rely on:

- **All or nothing.** The text goes to a new temporary file in the target's own directory
  (`.NAME.XXXXXXXX.tmp`), which is written in full, flushed and fsync'd, and only then takes the
  target's name in one step (`os.replace`, or `os.link` when not overwriting). A full disk, a
  read-only directory, a crash or ctrl+c at any moment leaves either the old file, byte for byte,
  or the new one — never half of either — and no temporary file behind (short of a power cut
  between the write and the rename, after which a `.tmp` file may remain; the target is still
  whole).
- **Nothing overwritten unasked.** With `overwrite=False` an existing target is refused
  (`FileExistsError`), also when it appears while the text is being written: the temporary file
  is hard-linked to the name, which fails rather than replaces.
- **Only regular files.** A directory (`IsADirectoryError`), a FIFO or a device such as
  `/dev/null` (`NotRegularFileError`) is never written, not even with `overwrite=True`: a rename
  would put a regular file in place of a device node.
- **The old file's permission bits are kept** when it is replaced (its owner and group too, as
  far as the system allows); a new file gets the usual 0o666 minus the umask. Replacing breaks a
  hard link (the other name keeps the old text), as any atomic replacement must; a symbolic link
  is followed, so the file it points to is replaced and the link stays.

Every error is an `OSError` (with `filename` set) for the caller to put into one line; the
message is in `err.strerror`. Standard library only: the loader and the command line use it
without NumPy.

`read_regular(path, limit=..., kind=...)` is the one way nntui reads a file it was given (a
network file, a CSV file): only a regular file, at most `limit` bytes, never waiting on a FIFO;
every refusal is a `ReadRefused` whose message is the one line to show.

`within(root, path)` is the one check of where a file may be when nntui is confined to a
directory (`nntui serve`, SPEC §8): the path, resolved (symbolic links followed, `..` taken),
must lie under the root, resolved the same way.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat

__all__ = [
    "NotRegularFileError",
    "OutsideRootError",
    "ReadRefused",
    "file_kind",
    "read_regular",
    "within",
    "write_text_atomic",
]

#: The longest piece of the target's name kept in the temporary file's name (names are limited
#: to 255 bytes on most file systems; the temporary name adds about 16 characters).
_TMP_STEM_CHARS = 100

#: `os.link` fails with these where a file system has no hard links (FAT, some FUSE and network
#: file systems); the write then reserves the name with O_EXCL and renames over it.
_NO_HARD_LINKS = {
    errno.EPERM,
    errno.ENOSYS,
    errno.EXDEV,
    getattr(errno, "ENOTSUP", errno.EPERM),
    getattr(errno, "EOPNOTSUPP", errno.EPERM),
}


class ReadRefused(ValueError):
    """A file `read_regular` would not or could not read; the message says why in one line."""


def read_regular(path: str | os.PathLike[str], *, limit: int, kind: str) -> bytes:
    """The bytes of the regular file at `path`. Anything else — a directory, a FIFO, a
    device, a file over `limit` bytes — is refused before it is opened (so nothing waits for
    a writer or reads forever), and checked again on what was opened. `kind` names the file
    in messages ("network file": "is a directory, not a network file")."""
    try:
        _check_regular(os.stat(path), limit, kind)
        # O_NONBLOCK: should a FIFO take the file's place after the check, opening it does not
        # wait for a writer; the check is then made again on what was opened.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        descriptor = os.open(path, flags)
        with open(descriptor, "rb") as file:
            _check_regular(os.fstat(descriptor), limit, kind)
            if hasattr(os, "set_blocking"):
                os.set_blocking(descriptor, True)
            content = file.read(limit + 1)
    except FileNotFoundError:
        raise ReadRefused("no such file") from None
    except IsADirectoryError:
        raise ReadRefused(f"is a directory, not a {kind}") from None
    except PermissionError:
        raise ReadRefused("permission denied") from None
    except OSError as err:
        raise ReadRefused(f"cannot read: {err.strerror or err}") from None
    except ValueError as err:  # e.g. a NUL character in the path
        if isinstance(err, ReadRefused):
            raise
        raise ReadRefused("not a usable file name") from None
    if len(content) > limit:  # it grew after the check
        raise ReadRefused(_too_large(len(content), limit, kind))
    return content


def _check_regular(status: os.stat_result, limit: int, kind: str) -> None:
    if stat.S_ISDIR(status.st_mode):
        raise ReadRefused(f"is a directory, not a {kind}")
    if not stat.S_ISREG(status.st_mode):
        raise ReadRefused(f"not a regular file ({file_kind(status.st_mode)})")
    if status.st_size > limit:
        raise ReadRefused(_too_large(status.st_size, limit, kind))


def _too_large(size: int, limit: int, kind: str) -> str:
    shown = f"{size / 1024**3:.1f} GB" if size >= 1024**3 else f"{size / 1024**2:.1f} MB"
    return f"too large for a {kind} ({shown}; the limit is {limit // (1024 * 1024)} MB)"


class OutsideRootError(PermissionError):
    """A path that leads out of the directory nntui is confined to."""


def within(root: str | os.PathLike[str] | None, path: str | os.PathLike[str]) -> str:
    """`path` (relative to `root` when relative) resolved, if it lies under `root`; any path
    when `root` is None. `OutsideRootError` otherwise — an absolute path elsewhere, `..` above
    the root, or a symbolic link that leads out all count, since the resolved path is judged."""
    if root is None:
        return os.fspath(path)
    base = os.path.realpath(root)
    resolved = os.path.realpath(os.path.join(base, os.fspath(path)))
    if os.path.commonpath([base, resolved]) != base:
        raise OutsideRootError(
            errno.EACCES, f"only files under {base} can be used here", os.fspath(path)
        )
    return resolved


class NotRegularFileError(OSError):
    """The path names something that is not a regular file (a FIFO, a device, a socket)."""


def file_kind(mode: int) -> str:
    """What a `stat` mode describes, for messages: "a regular file", "a directory", "a FIFO"
    (a named or anonymous pipe), "a character device", "a block device", "a socket", "a
    special file"."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def write_text_atomic(
    path: str | os.PathLike[str], text: str, *, overwrite: bool, encoding: str = "utf-8"
) -> None:
    """Write `text` (encoded with `encoding`, line endings as given) to `path`, atomically.

    With `overwrite=False` an existing `path` raises `FileExistsError` and is left untouched;
    with `overwrite=True` an existing regular file is replaced in one step, keeping its
    permission bits. Raises `IsADirectoryError` or `NotRegularFileError` when `path` is not a
    regular file, and any other `OSError` the system gives (`ENOSPC`, `EACCES`, `EROFS`, ...);
    after any error the old file, if there was one, is as it was and no temporary file is left.
    """
    data = text.encode(encoding)
    shown = os.fsdecode(path)
    # Follow a symbolic link: the file it points to is the one replaced, and the link stays.
    target = os.path.realpath(path)
    old = _existing(target, shown)
    if old is not None and not overwrite:
        raise FileExistsError(errno.EEXIST, "already exists", shown)
    directory, name = os.path.split(target)
    temporary = _write_temporary(directory, name, data, old)
    try:
        if overwrite:
            os.replace(temporary, target)
        else:
            _publish_new(temporary, target, shown)
    except BaseException:
        _remove(temporary)
        raise
    _sync_directory(directory)


def _existing(target: str, shown: str) -> os.stat_result | None:
    """The target's status when it exists (a regular file), None when it does not."""
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", shown)
    if not stat.S_ISREG(status.st_mode):
        kind = file_kind(status.st_mode)
        raise NotRegularFileError(errno.EINVAL, f"not a regular file ({kind})", shown)
    return status


def _write_temporary(directory: str, name: str, data: bytes, old: os.stat_result | None) -> str:
    """A new file beside the target holding `data`, flushed to the disk; its path."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    while True:
        temporary = os.path.join(directory, f".{name[:_TMP_STEM_CHARS]}.{secrets.token_hex(4)}.tmp")
        try:
            # 0o666: the kernel applies the umask, as for any new file.
            descriptor = os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue  # another writer's temporary name: draw again
        break
    try:
        try:
            if old is not None:
                _copy_mode(descriptor, temporary, old)
            _write_all(descriptor, data)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except BaseException:
        _remove(temporary)
        raise
    return temporary


def _copy_mode(descriptor: int, temporary: str, old: os.stat_result) -> None:
    """Give the new file the old one's permission bits, and its owner and group if allowed."""
    if hasattr(os, "fchown") and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
        with contextlib.suppress(OSError):  # only root may give a file away
            os.fchown(descriptor, old.st_uid, old.st_gid)
    mode = stat.S_IMODE(old.st_mode)
    if hasattr(os, "fchmod"):
        os.fchmod(descriptor, mode)
    else:  # pragma: no cover - Windows
        os.chmod(temporary, mode)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]


def _publish_new(temporary: str, target: str, shown: str) -> None:
    """Give the finished temporary file the target's name, failing if the name is taken."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "already exists", shown) from None
    except OSError as err:
        if err.errno not in _NO_HARD_LINKS:
            raise
        _publish_new_without_links(temporary, target, shown)
        return
    _remove(temporary)


def _publish_new_without_links(temporary: str, target: str, shown: str) -> None:
    """Reserve the name with O_EXCL (an empty file, so nobody else takes it), then rename the
    temporary file over the reservation."""
    try:
        reserved = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "already exists", shown) from None
    try:
        identity = _identity(os.fstat(reserved))
    finally:
        os.close(reserved)
    try:
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            if _identity(os.stat(target)) == identity:  # still our empty reservation
                os.unlink(target)
        raise


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _sync_directory(directory: str) -> None:
    """Flush the directory entry too, so the new name survives a power cut (best effort)."""
    if not hasattr(os, "O_DIRECTORY"):  # pragma: no cover - Windows
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(directory or ".", os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
