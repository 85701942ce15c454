"""Labelled examples: data/train.yaml (training); data/heldout.yaml and data/heldout_fresh.yaml (evaluation only)."""

from __future__ import annotations

from pathlib import Path

from .config import DATA_DIR, load_yaml
from .labels import INTENTS

TRAIN_FILE = DATA_DIR / "train.yaml"
HELDOUT_FILE = DATA_DIR / "heldout.yaml"
# Second held-out split, written before the slot-masking / calibration changes (never tuned on).
FRESH_HELDOUT_FILE = DATA_DIR / "heldout_fresh.yaml"
HELDOUT_FILES = (HELDOUT_FILE, FRESH_HELDOUT_FILE)
CUES_FILE = DATA_DIR / "cues.yaml"


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from a YAML mapping intent -> list of messages."""
    data = load_yaml(path) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping intent -> list of messages")
    examples: list[tuple[str, str]] = []
    for intent, texts in data.items():
        if intent not in INTENTS:
            raise ValueError(f"{path}: unknown intent {intent!r}")
        for text in texts or ():
            examples.append((str(text), intent))
    return examples


def training_examples() -> list[tuple[str, str]]:
    """train.yaml sentences followed by cues.yaml cue phrases (each cue is one tiny example)."""
    return load_examples(TRAIN_FILE) + load_examples(CUES_FILE)
