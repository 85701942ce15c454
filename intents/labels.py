"""Intent names (public contract, see docs/contracts.md)."""

INTENTS: tuple[str, ...] = (
    "apply_aid",
    "eligibility",
    "aid_amount",
    "next_session",
    "rescreen",
    "institution",
    "education",
    "living_assistance",
    "family_support",
    "subscribe",
    "unsubscribe",
    "human",
    "greeting",
    "thanks",
    "delete_data",
    "out_of_scope",
)

OUT_OF_SCOPE = "out_of_scope"
