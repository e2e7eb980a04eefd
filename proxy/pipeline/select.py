"""Stage 6a: which credential serves this attempt (04 §5.2, 02 §10).

Direct router routes use none. A provider without any credential is served without one
(an executor plugin with static models, such as the echo examples, needs no credential;
CLIProxyAPI would answer "no auth available"). Otherwise: the candidates of the pool, the
top scheduler plugin's pick when one is loaded, else the configured strategy.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field

from proxy.config import RetryConfig
from proxy.errors import PluginCallError, ProxyError
from proxy.pipeline.context import RequestContext
from proxy.pipeline.resolve import Target
from proxy.plugins import scheduler
from proxy.providers.credentials import Credential

log = logging.getLogger("cliproxy.pipeline")

# Failures after which another round over the credentials may help (04 §5.4).
ROUND_STATUSES = frozenset({403, 408, 429, 500, 502, 503, 504})


class NoCredential(ProxyError):
    status = 503
    code = "auth_unavailable"


class CoolingDown(ProxyError):
    status = 429
    code = "model_cooldown"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


async def select(ctx: RequestContext, target: Target, tried: set[str]) -> Credential | None:
    generation = ctx.generation
    pool = generation.pool
    if target.direct or target.provider not in pool.by_provider:
        return None
    usable, wait = pool.candidates(
        target.provider, target.model, generation.catalog.static_models(target.provider), tried
    )
    if not usable:
        if wait:
            raise CoolingDown(
                f"All credentials for model {target.model} are cooling down via provider "
                f"{target.provider}",
                wait,
            )
        raise NoCredential(f"no auth available (providers={target.provider}, model={target.model})")
    strategy = generation.config.routing_strategy
    schedulers = generation.snapshot.having("scheduler")
    if schedulers:
        try:
            pick = await scheduler.pick(
                schedulers[0],
                target.provider,
                target.model,
                ctx.stream,
                ctx.headers,
                ctx.metadata,
                usable,
            )
        except PluginCallError as exc:
            raise PluginCallError(
                f"scheduler plugin {schedulers[0].id}: {exc.message}",
                status=exc.http_status or 500,
                plugin_id=schedulers[0].id,
            ) from None
        if pick.credential is not None:
            return _selected(ctx, pick.credential)
        strategy = pick.strategy or strategy
    return _selected(ctx, pool.pick(strategy, target.provider, target.model, usable))


@dataclass
class Rounds:
    """The credentials one request tried, round by round (04 §5.4): a round ends when no
    untried credential is left or `max-retry-credentials` were tried; `request-retry` more
    rounds follow after failures worth retrying, once some credential's cooldown ends
    within `max-retry-interval`."""

    retry: RetryConfig
    tried: set[str] = field(default_factory=set)
    round: int = 0

    def full(self) -> bool:
        cap = self.retry.max_retry_credentials
        return cap > 0 and len(self.tried) >= cap

    async def another(self, ctx: RequestContext, target: Target, last: ProxyError) -> bool:
        """Waits for and starts the next round; False when there is none."""
        if last.status not in ROUND_STATUSES or self.round >= self.retry.request_retry:
            return False
        pool = ctx.generation.pool
        static = ctx.generation.catalog.static_models(target.provider)
        wait = pool.soonest(target.provider, target.model, static)
        if wait > self.retry.max_retry_interval:
            return False
        if wait > 0:
            jitter = min(wait * 0.25, 2.0, self.retry.max_retry_interval - wait) * random.random()
            log.info("retry round %d for %s in %.1fs", self.round + 1, target.model, wait)
            await asyncio.sleep(wait + jitter)
        self.tried.clear()
        self.round += 1
        return True


def _selected(ctx: RequestContext, credential: Credential) -> Credential:
    ctx.metadata["selected_auth_id"] = credential.id
    ctx.metadata["selected_auth_index"] = credential.index
    return credential
