"""Where the intent data lives and how the per-step settings are loaded.

Every pipeline step keeps its defaults in a commented ``DEFAULTS`` dict in its own module;
``data/engine.yaml`` holds the decision thresholds and may override any step's defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
ENGINE_CONFIG = DATA_DIR / "engine.yaml"


def default_cache_dir() -> Path:
    """``instance/`` under the current directory. The NLU reads no environment: the ``xingban`` command
    passes ``$XINGBAN_CACHE_DIR`` (declared in bot/config.py) as the commands' default."""
    return Path.cwd() / "instance"


def load_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def merged(defaults: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``defaults`` updated with ``overrides``; unknown keys are an error (typos in YAML)."""
    overrides = overrides or {}
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}; known: {sorted(defaults)}")
    out = dict(defaults)
    out.update(overrides)
    return out


def load_engine_config(path: Path = ENGINE_CONFIG) -> dict[str, Any]:
    data = load_yaml(path) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of step name -> settings")
    return data
