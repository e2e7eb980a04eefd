"""Stage 6a: which credential serves this attempt (04 §5.2, 02 §10).

Direct router routes use none. A provider without any credential is served without one
(an executor plugin with static models, such as the echo examples, needs no credential;
CLIProxyAPI would answer "no auth available"). Otherwise: the candidates of the pool, the
top scheduler plugin's pick when one is loaded, else the configured strategy.
"""

from __future__ import annotations

from proxy.errors import PluginCallError, ProxyError
from proxy.pipeline.context import RequestContext
from proxy.pipeline.resolve import Target
from proxy.plugins import scheduler
from proxy.providers.credentials import Credential


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


def _selected(ctx: RequestContext, credential: Credential) -> Credential:
    ctx.metadata["selected_auth_id"] = credential.id
    ctx.metadata["selected_auth_index"] = credential.index
    return credential
