"""Credential selection for one provider and model (04 §5.2-5.3, 02 §10).

A `Pool` holds one generation's credentials; the cursors of the round-robin strategy and
the cooldowns survive reloads in `PoolState`. Candidates are the enabled credentials of the
provider that serve the model, were not tried yet in this request, and are not cooling
down; only the highest `priority` tier among them is used.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from proxy.providers.credentials import Credential

STRATEGIES = ("round-robin", "fill-first")

# Cooldown per failure status (04 §5.3): how long a credential rests for that model.
_COOLDOWN_SECONDS = {401: 1800.0, 402: 1800.0, 403: 1800.0, 404: 43200.0}
_TRANSIENT_COOLDOWN = 60.0
# A 429 without Retry-After: 1 s, 2 s, 4 s ... per credential and model, at most 30 min.
_BACKOFF_CAP = 1800.0


@dataclass
class PoolState:
    """What outlives a config reload: round-robin cursors and cooldowns."""

    cursors: dict[tuple[str, str], itertools.count[int]] = field(default_factory=dict)
    cooldowns: dict[tuple[str, str], float] = field(default_factory=dict)  # -> monotonic end
    backoff: dict[tuple[str, str], int] = field(default_factory=dict)  # 429s in a row
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cooling(self, credential_id: str, model: str, now: float) -> float:
        """Seconds left of a cooldown of this credential for this model (0: available)."""
        end = max(
            self.cooldowns.get((credential_id, model), 0.0),
            self.cooldowns.get((credential_id, ""), 0.0),
        )
        return max(0.0, end - now)


class Pool:
    def __init__(self, found: Iterable[Credential], state: PoolState) -> None:
        self.state = state
        self.by_id: dict[str, Credential] = {}
        self.by_provider: dict[str, list[Credential]] = {}
        for credential in sorted(found, key=lambda c: c.id):
            self.by_id[credential.id] = credential
            self.by_provider.setdefault(credential.provider, []).append(credential)

    def __len__(self) -> int:
        return len(self.by_id)

    def has_provider(self, provider: str) -> bool:
        return any(not c.disabled for c in self.by_provider.get(provider, ()))

    def available_providers(self) -> list[str]:
        return sorted(p for p in self.by_provider if self.has_provider(p))

    def candidates(
        self, provider: str, model: str, static_models: frozenset[str], tried: set[str]
    ) -> tuple[list[Credential], float]:
        """Usable credentials (highest priority tier) and, when none is usable because all
        are cooling down, the shortest wait."""
        now = time.monotonic()
        usable: list[Credential] = []
        shortest = 0.0
        for credential in self.by_provider.get(provider, ()):
            if credential.disabled or credential.id in tried:
                continue
            if model not in credential.models and model not in static_models:
                continue
            wait = self.state.cooling(credential.id, model, now)
            if wait:
                shortest = wait if not shortest else min(shortest, wait)
                continue
            usable.append(credential)
        if not usable:
            return [], shortest
        top = max(c.priority for c in usable)
        return [c for c in usable if c.priority == top], 0.0

    def soonest(self, provider: str, model: str, static_models: frozenset[str]) -> float:
        """Seconds until some credential of the provider serves the model again (0: one
        does now), ignoring what this request already tried: the wait before a retry round."""
        usable, wait = self.candidates(provider, model, static_models, set())
        return 0.0 if usable else wait

    def pick(
        self, strategy: str, provider: str, model: str, usable: list[Credential]
    ) -> Credential:
        if strategy == "fill-first" or len(usable) == 1:
            return usable[0]
        with self.state.lock:
            cursor = self.state.cursors.setdefault((provider, model), itertools.count())
            turn = next(cursor)
        return usable[turn % len(usable)]

    def cool_down(
        self, credential: Credential, model: str, status: int, retry_after: float
    ) -> None:
        key = (credential.id, model)
        with self.state.lock:
            if retry_after:
                seconds = retry_after
            elif status == 429:
                level = self.state.backoff.get(key, 0)
                self.state.backoff[key] = level + 1
                seconds = min(2.0**level, _BACKOFF_CAP)
            else:
                seconds = _COOLDOWN_SECONDS.get(status, _TRANSIENT_COOLDOWN)
            self.state.cooldowns[key] = time.monotonic() + seconds

    def recovered(self, credential: Credential, model: str) -> None:
        if self.state.cooldowns or self.state.backoff:
            with self.state.lock:
                self.state.cooldowns.pop((credential.id, model), None)
                self.state.backoff.pop((credential.id, model), None)

    def replace(self, credential: Credential) -> None:
        """Swaps in a refreshed record (same id) for later requests of this generation."""
        old = self.by_id.get(credential.id)
        if old is None:
            return
        self.by_id[credential.id] = credential
        siblings = self.by_provider[credential.provider]
        siblings[siblings.index(old)] = credential
