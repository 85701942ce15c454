"""Which families are the chat simulator's: their openid starts with `sim-` (WeChat openids never do).

Their tickets and messages are practice, not work: the volunteer queue and the dashboard's figures leave
them out, and where they are shown they carry a 模拟 badge.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.storage.models import User

SIM_PREFIX = "sim-"


def is_simulated(user: User | None) -> bool:
    return user is not None and user.openid.startswith(SIM_PREFIX)


def simulated_user_ids() -> Any:
    """SQL: the ids of the simulator's families (for `column.in_(...)` / `.not_in(...)`)."""
    return select(col(User.id)).where(col(User.openid).startswith(SIM_PREFIX))


def real_families(user_id_column: Any) -> Any:
    """SQL: `user_id_column` belongs to a real family, not the simulator."""
    return user_id_column.not_in(simulated_user_ids())
