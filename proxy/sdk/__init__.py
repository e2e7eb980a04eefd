"""cliproxy's Python SDK: embed the proxy, add executors, translators, client access
providers and usage observers in Python (docs/sdk.md).

    from proxy import sdk

    service = (
        sdk.Builder()
        .with_config({"port": 8317, "api-keys": ["my-key"]})
        .with_executor(MyExecutor(), sdk.Auth(id="k1", provider="myprov", attributes={...}))
        .build()
    )
    service.run()
"""

from proxy.extensions import AccessProvider, AccessRequest, AccessResult, UsageRecord
from proxy.sdk.executor import BaseExecutor, Executor, ExecutorError, NotSupported
from proxy.sdk.service import AuthManager, Builder, Service
from proxy.sdk.translators import ResponseTransform, register
from proxy.sdk.types import (
    Auth,
    Context,
    Format,
    Options,
    Request,
    Response,
    StreamChunk,
    StreamResult,
)

__all__ = [
    "AccessProvider",
    "AccessRequest",
    "AccessResult",
    "Auth",
    "AuthManager",
    "BaseExecutor",
    "Builder",
    "Context",
    "Executor",
    "ExecutorError",
    "Format",
    "NotSupported",
    "Options",
    "Request",
    "Response",
    "ResponseTransform",
    "Service",
    "StreamChunk",
    "StreamResult",
    "UsageRecord",
    "register",
]
