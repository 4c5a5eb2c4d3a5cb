"""A parsed lesson, as the grader and the web app read it (built from the stored plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Hint:
    text: str
    cost: int


@dataclass(frozen=True)
class Check:
    id: str
    kind: str
    args: dict[str, Any]
    message: str


@dataclass(frozen=True)
class SolutionAction:
    call: str = ""  # "iam.create_role"; empty for a clock move
    as_: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    clock: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    instructions: str
    explanation: str
    hints: list[Hint]
    checks: list[Check]
    solution: list[SolutionAction]


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    summary: str
    version: int
    order: int
    topics: list[str]
    domains: list[str]
    difficulty: str
    minutes: int
    prerequisites: list[str]
    acting_as: str
    editable: list[dict[str, str]]
    steps: list[Step]
    quiz: list[str]
    setup_text: str
    first_account: str

    @property
    def checks(self) -> list[tuple[Step, Check]]:
        return [(step, check) for step in self.steps for check in step.checks]

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    @classmethod
    def from_data(cls, data: dict[str, Any], setup_text: str, first_account: str) -> Lesson:
        steps = [
            Step(
                id=s["id"],
                title=s["title"],
                instructions=s["instructions"],
                explanation=s["explanation"],
                hints=[Hint(h["text"], h["cost"]) for h in s.get("hints", [])],
                checks=[
                    Check(c["id"], c["kind"], c["args"], c["message"]) for c in s.get("checks", [])
                ],
                solution=[
                    SolutionAction(clock=a["clock"])
                    if "clock" in a
                    else SolutionAction(call=a["call"], as_=a["as"], params=a.get("params", {}))
                    for a in s.get("solution", [])
                ],
            )
            for s in data.get("steps", [])
        ]
        return cls(
            id=data["id"],
            title=data["title"],
            summary=data["summary"],
            version=data["version"],
            order=data["order"],
            topics=list(data.get("topics", [])),
            domains=list(data.get("domains", [])),
            difficulty=data["difficulty"],
            minutes=data["minutes"],
            prerequisites=list(data.get("prerequisites", [])),
            acting_as=data["acting_as"],
            editable=list(data.get("editable", [])),
            steps=steps,
            quiz=list(data.get("quiz", [])),
            setup_text=setup_text,
            first_account=first_account,
        )
