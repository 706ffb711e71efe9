"""What is installed: a distribution's version, read from its metadata on sys.path.

koie records the analyser's versions in every output line and cache key, and
the parser's version in the key of every cached pattern tree.
"""

from __future__ import annotations

import os
import sys


def installed_version(distribution: str) -> str | None:
    """The ``Version:`` of an installed distribution's metadata, as importlib.metadata.version reads it.

    Read from the first ``NAME-VERSION.dist-info`` on sys.path, as importlib.metadata
    looks for it, without importing importlib.metadata: that import (email, zipfile
    and more) takes 20-40 ms. A cold run pays it anyway, inside ``import kiwipiepy``
    (whose tqdm imports it); a warm run, which never imports kiwipiepy or lark, does not.
    None where there is no such directory (an egg, a zip): the caller asks importlib.metadata.
    """
    prefix = distribution.lower().replace("-", "_") + "-"
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as found:
                # NAME is normalised in a wheel's directory (kiwipiepy_model-0.24.0.dist-info)
                names = sorted(
                    e.name for e in found if e.name.endswith(".dist-info") and e.name.lower().startswith(prefix)
                )
        except OSError:
            continue
        for name in names:
            try:
                metadata = open(os.path.join(entry or ".", name, "METADATA"), encoding="utf-8")  # noqa: SIM115 (with below)
            except OSError:
                continue
            with metadata:
                for line in metadata:
                    if line.startswith("Version:"):
                        return line.split(":", 1)[1].strip()
                    if not line.strip():
                        break  # the headers end here
    return None
