"""AMP/ASCO/CAP 2017 tiering, as the insights stage exposes it.

The grading itself lives in `integrome.match.tiering`, because the matcher grades each record for
the patient's tumor type and earlier stages never import later ones (STYLE.md, folders follow the
data flow); ranking and reports read the same functions through this module.
"""

from integrome.match.tiering import TIER_ORDER, assign_tier, tier_rank

__all__ = ["TIER_ORDER", "assign_tier", "tier_rank"]
