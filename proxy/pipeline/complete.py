"""Stage 9: after the response: `request.complete` for the execution (02 §20) and its
usage record (02 §27), both delivered in the background.

Unlike CLIProxyAPI, plugin executors on every route produce usage records (README point
3); the provider is the credential's provider, or the plugin id on a direct router route.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from proxy.errors import ProxyError
from proxy.extensions import UsageRecord
from proxy.formats import usage
from proxy.pipeline.context import RequestContext
from proxy.pipeline.intercept import Rejected
from proxy.pipeline.resolve import Target
from proxy.providers.credentials import Credential
from proxy.runtime import Runtime


class Tracker:
    """One execution's completion record. Used as a context manager around the stages
    before the response is ready, it reports how an execution ended when it ends there
    (rejected by an interceptor, failed, canceled because the client left)."""

    def __init__(self, runtime: Runtime, ctx: RequestContext, target: Target) -> None:
        self.runtime = runtime
        self.ctx = ctx
        self.target = target
        self.started = time.monotonic()
        self.first_chunk = 0.0
        self.counts: dict[str, int] | None = None
        self.done = False
        generation = ctx.generation
        # Whether anyone listens: without lifecycle or usage plugins there is nothing to
        # record, per request or per chunk.
        self.counting = bool(
            generation.snapshot.having("usage_plugin") or generation.extensions.usage
        )
        self.wanted = self.counting or bool(generation.snapshot.having("request_lifecycle_plugin"))

    def __enter__(self) -> Tracker:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: object
    ) -> None:
        if isinstance(error, Rejected):
            self.finish("rejected", error.status, error.message, executed=False)
        elif isinstance(error, ProxyError):
            self.finish("failed", error.status, error.message)
        elif isinstance(error, asyncio.CancelledError):
            self.finish("canceled", 0, "client disconnected")

    def saw(self, body: bytes) -> None:
        """Notes the token counts a response body or stream chunk reports."""
        if not self.counting:
            return
        if not self.first_chunk:
            self.first_chunk = time.monotonic()
        found = usage.parse(body)
        if found is not None:
            self.counts = found

    def finish(
        self,
        outcome: str,
        status: int,
        error: str = "",
        credential: Credential | None = None,
        executed: bool = True,
    ) -> None:
        """Once per execution: the completion, and the usage record when the executor ran."""
        if self.done or not self.wanted:
            return
        self.done = True
        ctx, generation = self.ctx, self.ctx.generation
        notifier = self.runtime.notifier
        lifecycle = tuple(
            p
            for p in generation.snapshot.having("request_lifecycle_plugin")
            if p.id != ctx.skip_plugin
        )
        now = dt.datetime.now(dt.UTC)
        notifier.completed(
            lifecycle,
            {
                "RequestID": ctx.request_id,
                "TraceID": ctx.trace_id,
                "SourceFormat": ctx.entry_format,
                "Model": self.target.model,
                "RequestedModel": ctx.model,
                "Stream": ctx.stream,
                "Outcome": outcome,
                "StatusCode": 0 if outcome == "canceled" else status,
                "Error": error,
                "StartedAt": ctx.started_at or now,
                "CompletedAt": now,
                "Metadata": dict(ctx.metadata),
            },
        )
        if executed and not ctx.skip_plugin:
            self._usage(outcome, status, error, credential)

    def _usage(self, outcome: str, status: int, error: str, credential: Credential | None) -> None:
        ctx = self.ctx
        plugins = ctx.generation.snapshot.having("usage_plugin")
        failed = outcome not in ("succeeded",)
        now = time.monotonic()
        if ctx.generation.extensions.usage:
            ctx.generation.extensions.observe(
                UsageRecord(
                    provider=self.target.provider,
                    executor=self.target.executor.kind,
                    model=self.target.model,
                    requested_model=ctx.model,
                    api_key=ctx.principal,
                    auth_id=credential.id if credential else "",
                    failed=failed,
                    status=status,
                    latency_seconds=now - self.started,
                    first_chunk_seconds=self.first_chunk - self.started if self.first_chunk else 0,
                    tokens=self.counts or usage.zero(),
                )
            )
        if not plugins:
            return
        self.runtime.notifier.usage(
            plugins,
            {
                "Provider": self.target.provider,
                "ExecutorType": self.target.executor.kind,
                "Model": self.target.model,
                "Alias": ctx.model,
                "APIKey": ctx.principal,
                "AuthID": credential.id if credential else "",
                "AuthIndex": credential.index if credential else "",
                "AuthType": "oauth"
                if credential and credential.provider in ctx.generation.auth_owners
                else ("api_key" if credential else ""),
                "Source": ctx.access_provider,
                "ReasoningEffort": str(ctx.metadata.get("reasoning_effort", "")),
                "ServiceTier": str(ctx.metadata.get("service_tier", "auto")),
                "Generate": True,
                "RequestedAt": ctx.started_at,
                "Latency": int((now - self.started) * 1e9),
                "TTFT": int((self.first_chunk - self.started) * 1e9) if self.first_chunk else 0,
                "Failed": failed,
                "Failure": {"StatusCode": status if failed else 0, "Body": error if failed else ""},
                "Detail": self.counts or usage.zero(),
                "ResponseHeaders": None,
            },
        )
