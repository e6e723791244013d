"""Text features from officers' notes: spaCy's tokeniser and lemma tables, stalkflag's reader.

- :mod:`._behaviours`: the behaviour catalogue, one record per behaviour (kind, channel,
  S-DASH questions, FOUR element, patterns), in a registry.
- :mod:`._lexicon`: lemmas (``spacy-lookups-data``), word classes and the pattern language.
- :mod:`._reader`: finds, qualifies (negated, hypothetical, who acted) and counts behaviours.
- :mod:`._pipeline`: ``spacy.blank("en")`` with normal forms (abbreviations, typos) and the
  reader; :mod:`._placeholders` replaces personal data before any vectoriser sees a note.
- :mod:`._reading`: an export's notes read for the model (matches, masked text), in worker
  processes when there are many.
"""

from stalkflag.text._behaviours import (
    ACTS,
    BEHAVIOURS,
    CONTEXTS,
    OFFLINE,
    ONLINE,
    SDASH,
    Behaviour,
    behaviour_records,
    registry,
)
from stalkflag.text._pipeline import (
    TEXT_PIPELINE,
    BehaviourMatch,
    iter_notes,
    make_text_pipeline,
    name_roles,
    read_notes,
)
from stalkflag.text._placeholders import mask_doc, name_lexicon  # notes masked as the model does
from stalkflag.text._reading import Reads, read_for_model

__all__ = [
    "ACTS",
    "BEHAVIOURS",
    "CONTEXTS",
    "OFFLINE",
    "ONLINE",
    "SDASH",
    "TEXT_PIPELINE",
    "Behaviour",
    "BehaviourMatch",
    "Reads",
    "behaviour_records",
    "iter_notes",
    "make_text_pipeline",
    "mask_doc",
    "name_lexicon",
    "name_roles",
    "read_for_model",
    "read_notes",
    "registry",
]
