"""A family's situation, as far as the parent has told us (every field may be absent)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from knowledge.regions import load_region_table

REGIONS = load_region_table().menu_order  # data/regions.yaml

ENUMS: dict[str, tuple[str, ...]] = {
    "diagnosis": ("diagnosed", "suspected", "none"),
    "residency": ("hukou", "residence_permit", "none"),
    "institution": ("in_district", "out_of_district"),
}
BOOLS = (
    "disability_certificate",
    "sunshine_card",
    "other_province_aid",
    "hardship",
    "self_care_insufficient",
    "school_ready",
    "rehab_indication",
)
NUMBERS = {"age": 30.0, "permit_years": 100.0, "years_aided": 30.0}  # field -> largest plausible value

# Order used to break ties when choosing the next question (most basic first).
FIELD_ORDER = (
    "region", "diagnosis", "residency", "age", "disability_certificate", "sunshine_card", "hardship",
    "institution", "years_aided", "permit_years", "other_province_aid", "self_care_insufficient",
    "school_ready", "rehab_indication",
)


class ProfileError(ValueError):
    """A profile field is unknown or has a value we cannot use; the message names the field."""


@dataclass(frozen=True)
class Profile:
    region: str | None = None
    age: float | None = None
    diagnosis: str | None = None
    disability_certificate: bool | None = None
    sunshine_card: bool | None = None
    residency: str | None = None
    permit_years: float | None = None
    other_province_aid: bool | None = None
    hardship: bool | None = None
    institution: str | None = None
    years_aided: float | None = None
    self_care_insufficient: bool | None = None
    school_ready: bool | None = None
    rehab_indication: bool | None = None  # 经评估具备康复指征 (never asked; a stated "no" decides)
    as_of: dt.date | None = None

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_dict(cls, data: Any) -> Profile:
        if isinstance(data, Profile):
            return data
        if not isinstance(data, dict):
            raise ProfileError(f"profile must be a JSON object, got {type(data).__name__}")
        known = cls.field_names()
        values: dict[str, Any] = {}
        for key, raw in data.items():
            if key not in known:
                raise ProfileError(f"unknown field {key!r} (known fields: {', '.join(known)})")
            if raw is not None:
                values[key] = check_value(key, raw)
        return cls(**values)

    def get(self, name: str) -> Any:
        return getattr(self, name)

    def today(self) -> dt.date:
        return self.as_of or dt.date.today()

    def replace(self, **changes: Any) -> Profile:
        data = self.to_dict()
        data.update(changes)
        return Profile.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.field_names():
            value = getattr(self, name)
            if value is not None:
                out[name] = value.isoformat() if isinstance(value, dt.date) else value
        return out


def check_value(key: str, raw: Any) -> Any:
    if key == "region":
        if not isinstance(raw, str) or not raw.strip():
            raise ProfileError(f"field 'region' must be a non-empty string, got {raw!r}")
        return raw.strip().lower()  # an id we do not know is allowed: it evaluates to not_covered
    if key in ENUMS:
        if raw not in ENUMS[key]:
            raise ProfileError(f"field {key!r} must be one of {', '.join(ENUMS[key])}; got {raw!r}")
        return raw
    if key in BOOLS:
        if not isinstance(raw, bool):
            raise ProfileError(f"field {key!r} must be true or false; got {raw!r}")
        return raw
    if key in NUMBERS:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ProfileError(f"field {key!r} must be a number; got {raw!r}")
        if not 0 <= raw <= NUMBERS[key]:
            raise ProfileError(f"field {key!r} must be between 0 and {NUMBERS[key]:g}; got {raw!r}")
        return float(raw)
    if key == "as_of":
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        try:
            return dt.date.fromisoformat(str(raw))
        except ValueError:
            raise ProfileError(f"field 'as_of' must be a date YYYY-MM-DD; got {raw!r}") from None
    raise ProfileError(f"unknown field {key!r}")  # pragma: no cover
