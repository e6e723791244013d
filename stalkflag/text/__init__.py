"""Text features from officers' notes: spaCy rule components on ``spacy.blank("en")``.

Behaviour patterns are versioned data (:mod:`._patterns`); the pipeline (:mod:`._pipeline`)
normalises police abbreviations and typos and qualifies every match (negated, hypothetical,
who acted). :mod:`._placeholders` replaces personal data before any vectoriser sees a note.
"""

from stalkflag.text._patterns import BEHAVIOURS, behaviour_patterns, registry
from stalkflag.text._pipeline import TEXT_PIPELINE, BehaviourMatch, make_text_pipeline

__all__ = [
    "BEHAVIOURS",
    "TEXT_PIPELINE",
    "BehaviourMatch",
    "behaviour_patterns",
    "make_text_pipeline",
    "registry",
]
