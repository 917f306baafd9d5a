"""Per-user settings (recent projects, last person, shortcuts, zoom, theme) as JSON.

Kept in the core, not QSettings, so the CLI and tests read the same file, and a
test redirects it with XDG_CONFIG_HOME. Writes are atomic (temp file + rename):
a crash mid-write never leaves a half file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from annotator.prefs.paths import user_config_dir

MAX_RECENT = 12


@dataclass
class Settings:
    recent: list[str] = field(default_factory=list)
    last_person: dict[str, str] = field(default_factory=dict)  # project id -> annotator name
    shortcuts: dict[str, list[str]] = field(default_factory=dict)  # action -> keys overrides
    zoom: int = 0
    theme: str = "system"  # system | light | dark
    idle_seconds: int = 60

    def add_recent(self, path: str | Path) -> None:
        text = str(Path(path).resolve())
        self.recent = [text] + [p for p in self.recent if p != text]
        del self.recent[MAX_RECENT:]


def settings_path() -> Path:
    return user_config_dir() / "settings.json"


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings; defaults when there are none or the file is unreadable."""
    path = path or settings_path()
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    known = Settings.__dataclass_fields__
    return Settings(**{k: v for k, v in data.items() if k in known})


def save_settings(settings: Settings, path: Path | None = None) -> None:
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(settings), handle, indent=2)
    os.replace(temp, path)
