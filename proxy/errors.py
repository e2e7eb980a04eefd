"""Error types. Each carries a message a user can act on and, where it reaches a client,
the HTTP status it maps to; the HTTP layer renders them in the client's API format."""

from __future__ import annotations


class ProxyError(Exception):
    """Base class. `status` is the HTTP status a client sees; `code` a stable short name."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class ConfigError(ProxyError):
    """The configuration file is unreadable or invalid; the message names the key."""

    code = "invalid_config"


class PluginLoadError(ProxyError):
    """A plugin binary could not be loaded. Names the path and the reason."""

    code = "plugin_load_failed"

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot load plugin {path}: {reason}")
        self.path = path
        self.reason = reason


class PluginRegisterError(ProxyError):
    """`plugin.register` failed or its reply is not acceptable."""

    code = "plugin_register_failed"


class PluginClosedError(ProxyError):
    """The plugin is shutting down or was unloaded; no new calls are made."""

    status = 503
    code = "plugin_unavailable"

    def __init__(self, path: str) -> None:
        super().__init__(f"plugin {path} is shut down")


class PluginCallError(ProxyError):
    """The plugin answered an error envelope. Its `http_status` (when > 0) is the status."""

    status = 502
    code = "plugin_error"

    def __init__(self, message: str, *, status: int | None = None, plugin_id: str = "") -> None:
        super().__init__(message or "plugin call failed", status=status)
        self.plugin_id = plugin_id
        self.http_status = status or 0  # what the plugin's envelope said; 0 = nothing


class PluginProtocolError(PluginCallError):
    """The plugin broke the wire contract: unreadable envelope, wrong types, bad rc."""

    code = "plugin_protocol_error"


class PluginTimeoutError(PluginCallError):
    """The plugin did not answer within `plugins.call-timeout-seconds`."""

    status = 504
    code = "plugin_timeout"


class RequestError(ProxyError):
    """The client's request is unacceptable (bad JSON, unknown model, too large...)."""

    status = 400
    code = "invalid_request_error"


class ModelNotFoundError(RequestError):
    """Unknown model: 400 with code model_not_found, as CLIProxyAPI answers (04 §8)."""

    code = "model_not_found"

    def __init__(self, model: str) -> None:
        super().__init__(f"The model `{model}` does not exist or you do not have access to it.")
        self.model = model


class AuthenticationError(ProxyError):
    status = 401
    code = "invalid_api_key"


class UpstreamError(ProxyError):
    """A built-in provider's upstream answered an error. The message is the upstream's
    body (a JSON error body reaches the client as it is, 04 §8)."""

    code = "upstream_error"

    def __init__(self, message: str, status: int, retry_after: float = 0.0) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after
