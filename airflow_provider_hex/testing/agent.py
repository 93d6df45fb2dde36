"""The simulated Hex agent: threads that work for a while on the (scaled) clock, then answer.

A thread's turn is ``RUNNING`` for :attr:`AgentState.think_seconds` simulated seconds, then
``IDLE`` with an answer built from the prompt, or ``ERROR`` when the next entry of
:attr:`AgentState.outcomes` says so. Tests read and change the state through
``sim.state.agent`` under ``sim.lock``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

THREAD_STATUSES = ("RUNNING", "IDLE", "ERROR")
TURN_OUTCOMES = ("IDLE", "ERROR")


def _topic_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"hex-simulator/topic/{name}"))


#: Topics every simulated workspace has, by id.
DEFAULT_TOPICS = {_topic_id(name): name for name in ("Inventory", "Marketing", "Revenue")}


def answer_for(prompt: str) -> str:
    """The simulated agent's answer to ``prompt`` (deterministic, so tests can expect it)."""
    return f"Answer to '{prompt}': revenue grew 12% week over week, led by the EU region."


@dataclass
class Turn:
    """One prompt of a thread and how the agent's work on it plays out."""

    prompt: str
    asked_at: float
    done_at: float
    outcome: str = "IDLE"

    def status(self, now: float) -> str:
        """RUNNING until ``done_at``, then the outcome."""
        return "RUNNING" if now < self.done_at else self.outcome


@dataclass
class AgentThread:
    """An agent thread: its prompts (the first one started it) and where it runs."""

    id: str
    user_id: str
    created_at: float
    turns: list[Turn] = field(default_factory=list)
    project_id: str | None = None
    muted: bool = False
    source: str = "PUBLIC_API"
    type: str = "THREADS"
    attachments: list[dict[str, object]] = field(default_factory=list)

    def status(self, now: float) -> str:
        """The status of the latest turn."""
        return self.turns[-1].status(now)

    def updated_at(self, now: float) -> float:
        """When the thread last changed: its last prompt, or the end of the work on it."""
        last = self.turns[-1]
        return last.done_at if now >= last.done_at else last.asked_at


@dataclass
class AgentState:
    """Everything the simulated agent knows.

    :ivar enabled: whether the organization has agent threads (off: 403, as in Hex).
    :ivar think_seconds: simulated seconds the agent works on each prompt.
    :ivar outcomes: outcomes (IDLE or ERROR) of the next prompts, consumed in order;
        prompts beyond the list end IDLE.
    :ivar threads: threads by id.
    :ivar topics: topic names by id.
    """

    enabled: bool = True
    think_seconds: float = 3.0
    outcomes: list[str] = field(default_factory=list)
    threads: dict[str, AgentThread] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TOPICS))

    def ask(self, thread: AgentThread, prompt: str, now: float) -> Turn:
        """Add a prompt to ``thread``; the agent starts working on it."""
        outcome = self.outcomes.pop(0) if self.outcomes else "IDLE"
        if outcome not in TURN_OUTCOMES:
            raise ValueError(f"outcome must be one of {TURN_OUTCOMES}, not {outcome!r}")
        turn = Turn(prompt, now, now + self.think_seconds, outcome)
        thread.turns.append(turn)
        return turn

    def topics_of(self, thread: AgentThread) -> list[dict[str, str]]:
        """Topics whose name one of the thread's prompts mentions."""
        text = " ".join(turn.prompt.lower() for turn in thread.turns)
        return [
            {"id": tid, "name": name}
            for tid, name in sorted(self.topics.items(), key=lambda item: item[1])
            if name.lower() in text
        ]


__all__ = ["DEFAULT_TOPICS", "AgentState", "AgentThread", "Turn", "answer_for"]
