"""Synthetic UK police incident logs with ground truth, for training and measuring stalkflag.

Hard by design: most stalking is recorded as something else, look-alikes (neighbour disputes,
co-parenting rows, current-partner abuse, mutual online arguments, false reports) share its
vocabulary, notes come in many named writing styles, and identities carry the noise real
records have. See ``data/README.md`` for the scenarios, rates and their sources.
"""

from stalkflag.synth._generator import SynthConfig, generate
from stalkflag.synth._people import NOISE
from stalkflag.synth._render import STYLES
from stalkflag.synth._scenarios import SCENARIOS

__all__ = ["NOISE", "SCENARIOS", "STYLES", "SynthConfig", "generate"]
