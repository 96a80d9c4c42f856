"""The four evaluators (consistency, quality, information gain, version comparison): judged by
the agents' own model with validated structured output, measured by code where code can."""

from dsf_app.evaluators.segments import evaluate_segment, judge_segment, read_segment
from dsf_app.evaluators.verdict import Verdict
from dsf_app.evaluators.versions import compare_versions, judge_versions

__all__ = [
    "Verdict",
    "compare_versions",
    "evaluate_segment",
    "judge_segment",
    "judge_versions",
    "read_segment",
]
