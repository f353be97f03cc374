"""insights stage: AMP/ASCO/CAP tiering, ranking, plain-language explanation, reconciliation of
biomarker therapies with pharmacogenomic alerts, and `analyze`."""

from integrome.insights.analyze import analyze
from integrome.insights.rank import rank_insights
from integrome.insights.reconcile import reconcile_pgx
from integrome.insights.tiering import assign_tier

__all__ = ["analyze", "assign_tier", "rank_insights", "reconcile_pgx"]
