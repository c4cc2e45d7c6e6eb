"""Files behind the data sets: sha256 checks, the cache directory and careful downloads.

Nothing here unpickles: data files are CSV, gzip'd IDX or ``.npz`` read with
``allow_pickle=False``. Downloads go to a temporary file that is renamed into place only
after its checksum matched, so an interrupted download never leaves a half-written file.

>>> sha256_file("heart.csv")          # '92abc8c5...'
"""
from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["ChecksumError", "sha256_file", "verify_file", "cache_dir", "download"]

DOWNLOAD_TIMEOUT_S = 10.0        # per connection attempt: offline machines fail fast


class ChecksumError(ValueError):
    """A data file's bytes are not the published ones (corrupted, truncated or edited).

    >>> raise ChecksumError("heart.csv has sha256 ab..., expected 92...")
    """


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """The hex sha256 of a file's bytes.

    >>> sha256_file("data/heart.csv")[:8]     # '92abc8c5'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def checksum_message(path: Path, actual: str, expected: str, hint: str) -> str:
    """The text of a ChecksumError: the file, both hashes and what to do."""
    size = path.stat().st_size if path.exists() else 0
    return (f"{path} ({size:,} bytes) failed its checksum: sha256 is {actual}, expected "
            f"{expected}. The file is corrupted, truncated or not the published version; "
            f"{hint}")


def verify_file(path: str | os.PathLike, expected: str, hint: str) -> None:
    """Raise ChecksumError unless the file's sha256 is ``expected``.

    >>> verify_file("heart.csv", "92abc8c5...", hint="reinstall xpgrad")
    """
    path = Path(path)
    actual = sha256_file(path)
    if actual != expected:
        raise ChecksumError(checksum_message(path, actual, expected, hint))


def cache_dir() -> Path:
    """Where downloaded data sets are kept: ``$XDG_CACHE_HOME/xpgrad`` or ``~/.cache/xpgrad``.

    >>> cache_dir()        # PosixPath('/home/me/.cache/xpgrad')
    """
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "xpgrad"


def fetch_url(url: str, timeout: float = DOWNLOAD_TIMEOUT_S) -> Any:
    """Open ``url`` for reading (one place that touches the network; tests replace it)."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"refusing to download from {url!r}: only http(s) URLs are used")
    request = urllib.request.Request(url, headers={"User-Agent": "xpgrad"})
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (scheme checked)


def download(urls: list[str], target: Path, expected_sha256: str) -> Path:
    """Fetch the first of ``urls`` that answers with the right bytes into ``target``.

    Tries each mirror in turn; a mirror whose bytes fail the sha256 check is skipped. Returns
    ``target``; raises OSError listing every mirror's failure when none worked.

    >>> download(["https://example.org/a.gz"], Path("a.gz"), "ab12...")
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + f".part{os.getpid()}")
    failures = []
    for url in urls:
        try:
            with fetch_url(url) as response, open(partial, "wb") as out:
                digest = hashlib.sha256()
                for block in iter(lambda: response.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
            if digest.hexdigest() != expected_sha256:
                failures.append(f"{url}: wrong sha256 {digest.hexdigest()}")
                continue
            os.replace(partial, target)
            return target
        except Exception as exc:  # network errors, timeouts, HTTP errors: try the next mirror
            failures.append(f"{url}: {type(exc).__name__}: {exc}")
        finally:
            if partial.exists():
                partial.unlink()
    raise OSError(f"could not download {target.name}:\n  " + "\n  ".join(failures))
