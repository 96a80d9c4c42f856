"""The shapes of the model's judgments (sent as the structured-output schema and validated
with pydantic) and of the results DSF stores, which add what code measured."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Verdict = Literal["applies", "strains", "violates"]
QUALITY_CRITERIA = ("coherence", "grounding", "prose", "advancement")


# ---- what the model answers -------------------------------------------------------------


class RuleFinding(BaseModel):
    rule_id: str = Field(description="The rule's id exactly as listed, e.g. r-tides.")
    verdict: Verdict = Field(description="applies, strains or violates the rule.")
    quote: str = Field(description="The passage of the segment, copied exactly.")
    reason: str = Field(description="One short sentence: why.")


class ConsistencyJudgment(BaseModel):
    findings: list[RuleFinding] = Field(
        description="Each rule the segment applies, strains or violates; leave out the others."
    )
    summary: str = Field(description="One or two sentences on how the segment fits the world.")


class CriterionScore(BaseModel):
    score: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent).")
    reason: str = Field(description="One line: why this score.")


class QualityJudgment(BaseModel):
    coherence: CriterionScore = Field(description="Does the segment hold together and follow on?")
    grounding: CriterionScore = Field(description="Is it grounded in the world's rules?")
    prose: CriterionScore = Field(description="Is the prose clear, vivid and economical?")
    advancement: CriterionScore = Field(description="Does it move the story forward?")


class RuleChallenge(BaseModel):
    rule_id: str = Field(description="The rule's id exactly as listed.")
    how: str = Field(description="One sentence: how the segment challenges it.")


class InformationGainJudgment(BaseModel):
    new_elements: list[str] = Field(
        description="World facts the segment introduces: places, people, technologies, customs."
    )
    rules_challenged: list[RuleChallenge]
    questions_opened: list[str] = Field(description="Questions about the world it raises.")


class SegmentImplication(BaseModel):
    segment_id: str = Field(description="The id of one of the listed segments.")
    implication: str = Field(description="One sentence: what the change means for it.")


class VersionJudgment(BaseModel):
    summary: str = Field(description="Plain language: what changed between the two versions.")
    implications: list[SegmentImplication] = Field(
        description="For listed segments that rely on a changed rule: what it means for them."
    )


# ---- what DSF stores: the judgment plus what code measured ------------------------------


class CheckedFinding(RuleFinding):
    statement: str  # the rule's statement, looked up by id


class ConsistencyResult(BaseModel):
    findings: list[CheckedFinding]
    summary: str
    counts: dict[str, int]


class QualityResult(QualityJudgment):
    average: float


class Element(BaseModel):
    text: str
    novelty: float  # 0 to 100: how far it lies from everything the world already holds


class InformationGainResult(BaseModel):
    new_elements: list[Element]
    rules_challenged: list[RuleChallenge]
    questions_opened: list[str]
    novelty: float
    lore_passages: int  # how much existing lore the novelty was measured against


class ChangedRule(BaseModel):
    rule_id: str
    before: str
    after: str


class AffectedSegment(BaseModel):
    segment_id: str
    story: str
    title: str
    rule_ids: list[str]
    implication: str = ""


class VersionComparisonResult(BaseModel):
    summary: str
    changes: int
    changed_paths: list[str]
    changed_rules: list[ChangedRule]
    affected_segments: list[AffectedSegment]
