"""Embedding the proxy: a `Builder` collects the config and the Python additions, the
`Service` it builds serves them (Hypercorn, HTTP/1.1 and HTTP/2) or hands out the ASGI
app, and its `AuthManager` registers executors and credentials, also while serving."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from starlette.types import ASGIApp, Receive, Scope, Send

from proxy import config as config_module
from proxy import server
from proxy.config import Config
from proxy.extensions import AccessProvider, ExtraProvider, UsageObserver
from proxy.http.app import create_app
from proxy.runtime import Runtime
from proxy.sdk import translators
from proxy.sdk.adapter import PythonExecutor, credential_of
from proxy.sdk.executor import Executor
from proxy.sdk.types import Auth


class AuthManager:
    """Executors by provider and their credentials. A request for a model of an auth's
    provider runs on the executor whose `identifier()` is that provider, through the
    credential pool (rotation, cooldowns, refresh on 401) like any other provider."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.live = False  # set while serving: changes take effect at once

    def register_executor(self, executor: Executor) -> None:
        provider = executor.identifier().lower()
        adapter = PythonExecutor(executor, self.runtime.upstream)
        providers = self.runtime.extensions.providers
        known = providers.get(provider)
        found = known.credentials if known else []
        providers[provider] = ExtraProvider(provider, adapter, found, [])
        self._publish(provider)

    def register(self, auth: Auth) -> None:
        """Adds a credential, or replaces the one with the same id."""
        provider = auth.provider.lower()
        extra = self.runtime.extensions.providers.get(provider)
        if extra is None:
            raise ValueError(
                f"auth {auth.id!r}: no executor for provider {provider!r}; "
                "register_executor() first"
            )
        credential = credential_of(auth)
        if not credential.models:
            credential.models = tuple(getattr(extra.executor.executor, "models", ()))
        extra.credentials = [c for c in extra.credentials if c.id != auth.id] + [credential]
        self._publish(provider)

    def _publish(self, provider: str) -> None:
        extra = self.runtime.extensions.providers[provider]
        served = dict.fromkeys(m for c in extra.credentials if not c.disabled for m in c.models)
        served.update(dict.fromkeys(getattr(extra.executor.executor, "models", ())))
        extra.model_infos = [
            {"ID": model, "Object": "model", "OwnedBy": provider, "Type": provider}
            for model in served
        ]
        if self.live:
            self.runtime.reload_credentials()


class Service:
    def __init__(self, config: Config) -> None:
        self.runtime = Runtime(config)
        self.auth_manager = AuthManager(self.runtime)
        self._running: server.Running | None = None

    @property
    def config(self) -> Config:
        return self.runtime.config

    async def start(self) -> None:
        """Loads plugins and applies the config; for an ASGI app you mount yourself, call
        it from your app's startup (the app of `asgi()` does it on its own)."""
        self._running = await server.Running.start(self.runtime)
        self.auth_manager.live = True

    async def stop(self) -> None:
        self.auth_manager.live = False
        if self._running is not None:
            running, self._running = self._running, None
            await running.stop()

    def asgi(self) -> ASGIApp:
        """The proxy as an ASGI app; the ASGI lifespan starts and stops the service."""
        app = create_app(self.runtime)

        async def with_lifespan(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "lifespan":
                await app(scope, receive, send)
                return
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await self.start()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await self.stop()
                    await send({"type": "lifespan.shutdown.complete"})
                    return

        return with_lifespan

    async def serve(self) -> bool:
        """Serves on the config's host and port until SIGINT or SIGTERM."""
        self.auth_manager.live = True
        try:
            return await server.serve(self.runtime)
        finally:
            self.auth_manager.live = False

    def run(self) -> None:
        server.run(self.serve(), self.runtime.config)


class Builder:
    """`Builder().with_config({...}).with_executor(MyExecutor(), Auth(...)).build().run()`"""

    def __init__(self) -> None:
        self._config: Config = Config()
        self._executors: list[tuple[Executor, tuple[Auth, ...]]] = []
        self._access: list[AccessProvider] = []
        self._usage: list[UsageObserver] = []
        self._translators: list[tuple[str, str, Any, translators.ResponseTransform]] = []

    def with_config_file(self, path: str | Path) -> Builder:
        """A YAML config file, watched for changes like `cliproxy serve --config`."""
        self._config = config_module.load(path)
        return self

    def with_config(self, config: Mapping[str, Any] | str) -> Builder:
        """The config as a mapping (the YAML file's keys) or as YAML text."""
        text = config if isinstance(config, str) else yaml.safe_dump(dict(config))
        self._config = config_module.parse(text)
        return self

    def with_executor(self, executor: Executor, *auths: Auth) -> Builder:
        self._executors.append((executor, auths))
        return self

    def with_translator(
        self,
        from_format: str,
        to_format: str,
        request: translators.RequestTransform,
        response: translators.ResponseTransform,
    ) -> Builder:
        self._translators.append((from_format, to_format, request, response))
        return self

    def with_access_provider(self, provider: AccessProvider) -> Builder:
        """Client authentication beside the config's `api-keys`: an async callable from
        AccessRequest to AccessResult (accepted) or None (not recognised)."""
        self._access.append(provider)
        return self

    def with_usage_observer(self, observer: UsageObserver) -> Builder:
        """Called (sync or async) with a UsageRecord after every execution."""
        self._usage.append(observer)
        return self

    def build(self) -> Service:
        service = Service(self._config)
        for from_format, to_format, request, response in self._translators:
            translators.register(from_format, to_format, request, response)
        extensions = service.runtime.extensions
        extensions.access.extend(self._access)
        extensions.usage.extend(self._usage)
        for executor, auths in self._executors:
            service.auth_manager.register_executor(executor)
            for auth in auths:
                service.auth_manager.register(auth)
        return service
