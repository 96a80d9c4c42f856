"""The four evaluators (consistency, quality, information gain, version comparison): judged by
the agents' own model with validated structured output, measured by code where code can."""

from dsf_app.evaluators.segments import evaluate_segment
from dsf_app.evaluators.versions import compare_versions

__all__ = ["compare_versions", "evaluate_segment"]
