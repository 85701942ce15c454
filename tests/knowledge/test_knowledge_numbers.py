"""Number extraction used by `kb check`: Arabic, 万-forms and spoken Chinese numerals."""

from __future__ import annotations

import pytest

from knowledge.numbers import extract_numbers, stated_values


@pytest.mark.parametrize(("text", "values"), [
    ("每年最高补贴3.6万元", [36000]),
    ("两万元", [20000]),
    ("三千块", [3000]),
    ("救助五年", [5]),
    ("三万六", [36000]),
    ("十八周岁", [18]),
    ("１８周岁", [18]),
    ("0—6 岁 20000 元", [0, 6, 20000]),
    ("每年一次", [1]),
    ("一起努力，一站式服务，一人一案，千万别急，十分感谢", []),
])
def test_extract(text: str, values: list[float]) -> None:
    assert [v for _, v in extract_numbers(text)] == values


def test_quote_supports_both_forms() -> None:
    assert {3.6, 36000, 3, 30000} <= stated_values("每年最高补贴由3万元提高到3.6万元")
