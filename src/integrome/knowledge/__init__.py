"""knowledge stage: the versioned, cited knowledge base the matcher reads.

`load_knowledge_base()` returns the packaged curated core (``knowledge/data/``), optionally with
an imported folder layered over it; importers for external sources live in `knowledge.sources`.
"""

from integrome.knowledge.base import KbFileInfo, KbInfo, KnowledgeBase
from integrome.knowledge.loader import kb_version, load_knowledge_base, parse_kb_file

__all__ = ["KbFileInfo", "KbInfo", "KnowledgeBase", "kb_version", "load_knowledge_base", "parse_kb_file"]
