"""Stage 9: after the response: `request.complete` for the execution (02 §20) and its
usage record (02 §27), both delivered in the background.

Unlike CLIProxyAPI, plugin executors on every route produce usage records (README point
3); the provider is the credential's provider, or the plugin id on a direct router route.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from proxy.extensions import UsageRecord
from proxy.formats import usage
from proxy.pipeline.context import RequestContext
from proxy.pipeline.resolve import Target
from proxy.providers.credentials import Credential
from proxy.runtime import Runtime


@dataclass
class Tracker:
    runtime: Runtime
    ctx: RequestContext
    target: Target
    started: float = field(default_factory=time.monotonic)
    first_chunk: float = 0.0
    counts: dict[str, int] | None = None
    done: bool = False

    def wanted(self) -> bool:
        """Whether anyone listens: without lifecycle or usage plugins there is nothing to
        record, per request or per chunk."""
        generation = self.ctx.generation
        return bool(generation.snapshot.having("request_lifecycle_plugin") or self._counting())

    def _counting(self) -> bool:
        generation = self.ctx.generation
        return bool(generation.snapshot.having("usage_plugin") or generation.extensions.usage)

    def saw(self, body: bytes) -> None:
        """Notes the token counts a response body or stream chunk reports."""
        if not self._counting():
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
        if self.done or not self.wanted():
            return
        self.done = True
        ctx, generation = self.ctx, self.ctx.generation
        notifier = self.runtime.notifier
        lifecycle = tuple(
            p
            for p in generation.snapshot.having("request_lifecycle_plugin")
            if p.id != ctx.skip_plugin
        )
        now = dt.datetime.now(dt.timezone.utc)
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
