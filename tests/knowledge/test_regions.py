"""The one region table (knowledge/data/regions.yaml): districts name their region everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.wording import region_choices, region_name, say
from intents import load_engine
from knowledge.eligibility_dialogue import parse_answer, question_text
from knowledge.regions import load_region_table, parse_region_table
from knowledge.yamlload import KnowledgeError, load_yaml

PLACES = [
    ("我们在渝北区", "chongqing"),
    ("娃儿在万州读书", "chongqing"),
    ("綦江古南街道的", "qijiang"),
    ("重庆綦江区", "qijiang"),  # the district wins over its city
    ("东溪镇", "qijiang"),
    ("上海浦东新区", "shanghai"),
    ("住在闵行", "shanghai"),
    ("南宁市青秀区", "guangxi"),
    ("玉林的", "guangxi"),
    ("诸暨店口镇", "zhuji"),
    ("桂花小区", None),  # contains 桂, names no region
    ("北京朝阳", None),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return load_engine(tmp_path_factory.mktemp("intents-cache"))


@pytest.mark.parametrize(("text", "region"), PLACES)
def test_a_place_names_its_region_in_the_slot_parser_and_the_eligibility_dialogue(engine, text, region):
    assert engine.classify(text).slots.get("region") == region
    assert parse_answer("region", text) == region


def test_places_outside_the_documents_are_recognised_as_such(engine):
    assert engine.classify("我们在北京朝阳区，孤独症有补助吗").slots.get("other_place") == "北京"


def test_menus_follow_the_table_order_so_a_digit_means_the_same_region_everywhere():
    table = load_region_table()
    assert region_choices() == list(table.menu_order)
    menu = question_text("region")
    for i, region in enumerate(table.menu_order, 1):
        assert f"{i}. {table.regions[region].menu_label}" in menu
        assert parse_answer("region", str(i)) == region
        assert say("ask_region").find(f"{i}. ") < say("ask_region").find(f"{i + 1}. ") or i == len(table.menu_order)
        assert table.regions[region].short in say("ask_region").splitlines()[i]
    assert region_name("zhuji") == "浙江诸暨"


def test_a_region_without_words_fails_at_load_with_file_and_line(tmp_path: Path):
    path = tmp_path / "regions.yaml"
    path.write_text("match_order: [a]\nmenu_order: [a]\nregions:\n  a:\n    name: A\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"regions.yaml:5: region 'a' needs"):
        parse_region_table(load_yaml(path), path)


def test_an_order_that_misses_a_region_fails_at_load(tmp_path: Path):
    path = tmp_path / "regions.yaml"
    path.write_text("match_order: [a]\nmenu_order: [a, b]\nregions:\n  a: {name: A, words: [甲]}\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="menu_order"):
        parse_region_table(load_yaml(path), path)


def test_place_suffixes_come_from_the_table() -> None:
    """浦东新区 / 南宁市 are places, not a question's topic: the suffixes are data, with the bare word always."""
    table = load_region_table()
    assert table.place_suffixes[0] == "" and {"区", "市", "新区"} <= set(table.place_suffixes)
