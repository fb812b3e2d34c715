"""One way to turn a name (a student's, a notebook's) into a safe ASCII file name or key."""

from __future__ import annotations

import re
import unicodedata


def slug(text: str, limit: int = 64) -> str:
    """``text`` as an ASCII key: accents dropped, anything but letters, digits, ``.``, ``_``
    and ``-`` made ``_``, at most ``limit`` characters, no leading or trailing dot; ``"_"``
    when nothing is left (``"Cópia de x"`` → ``"Copia_de_x"``)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]", "_", plain)[:limit].strip(".") or "_"
