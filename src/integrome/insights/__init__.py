"""insights stage: AMP/ASCO/CAP tiering, ranking, plain-language explanation, reconciliation of
biomarker therapies with pharmacogenomic alerts, `analyze`, and `diff_analyses` (what changed for a
patient between two analyses)."""

from integrome.insights.analyze import analyze
from integrome.insights.diff import AnalysisDiff, diff_analyses
from integrome.insights.rank import rank_insights
from integrome.insights.reconcile import reconcile_pgx
from integrome.insights.tiering import assign_tier

__all__ = ["AnalysisDiff", "analyze", "assign_tier", "diff_analyses", "rank_insights", "reconcile_pgx"]
