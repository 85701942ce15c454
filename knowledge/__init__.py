"""Curated, cited knowledge base for XingBan: load it, search it, answer parents from it.

Importable without flask/wechatpy; nothing is loaded until `load_knowledge_base` is called.
"""

from knowledge.base import Answer, Hit, KnowledgeBase, load_knowledge_base
from knowledge.entries import Citation, Entry
from knowledge.sources import SourceDoc
from knowledge.yamlload import KnowledgeError

__all__ = [
    "Answer",
    "Citation",
    "Entry",
    "Hit",
    "KnowledgeBase",
    "KnowledgeError",
    "SourceDoc",
    "load_knowledge_base",
]
