"""RPC method names: the one Python table, checked against the compiled header's macros
(`CLIPROXY_METHOD_*` / `CLIPROXY_HOST_*`) by tests/test_abi_header.py."""

from __future__ import annotations

from enum import StrEnum


class Method(StrEnum):
    """Host -> plugin methods (02 §0.7). The member name is the header macro's suffix."""

    PLUGIN_REGISTER = "plugin.register"
    PLUGIN_RECONFIGURE = "plugin.reconfigure"
    PLUGIN_SHUTDOWN = "plugin.shutdown"  # defined for compatibility, never sent
    MODEL_REGISTER = "model.register"
    MODEL_STATIC = "model.static"
    MODEL_FOR_AUTH = "model.for_auth"
    AUTH_IDENTIFIER = "auth.identifier"
    AUTH_PARSE = "auth.parse"
    AUTH_LOGIN_START = "auth.login.start"
    AUTH_LOGIN_POLL = "auth.login.poll"
    AUTH_REFRESH = "auth.refresh"
    FRONTEND_AUTH_IDENTIFIER = "frontend_auth.identifier"
    FRONTEND_AUTH_AUTHENTICATE = "frontend_auth.authenticate"
    SCHEDULER_PICK = "scheduler.pick"
    MODEL_ROUTE = "model.route"
    EXECUTOR_IDENTIFIER = "executor.identifier"
    EXECUTOR_EXECUTE = "executor.execute"
    EXECUTOR_EXECUTE_STREAM = "executor.execute_stream"
    EXECUTOR_COUNT_TOKENS = "executor.count_tokens"
    EXECUTOR_HTTP_REQUEST = "executor.http_request"
    REQUEST_TRANSLATE = "request.translate"
    REQUEST_NORMALIZE = "request.normalize"
    REQUEST_INTERCEPT_BEFORE = "request.intercept_before"
    REQUEST_INTERCEPT_AFTER = "request.intercept_after"
    REQUEST_COMPLETE = "request.complete"
    RESPONSE_TRANSLATE = "response.translate"
    RESPONSE_NORMALIZE_BEFORE = "response.normalize_before"
    RESPONSE_NORMALIZE_AFTER = "response.normalize_after"
    RESPONSE_INTERCEPT_AFTER = "response.intercept_after"
    RESPONSE_INTERCEPT_STREAM_CHUNK = "response.intercept_stream_chunk"
    THINKING_IDENTIFIER = "thinking.identifier"
    THINKING_APPLY = "thinking.apply"
    USAGE_HANDLE = "usage.handle"
    COMMAND_LINE_REGISTER = "command_line.register"
    COMMAND_LINE_EXECUTE = "command_line.execute"
    MANAGEMENT_REGISTER = "management.register"
    MANAGEMENT_HANDLE = "management.handle"


class HostMethod(StrEnum):
    """Plugin -> host callbacks (03 §0), plus our additive `host.build_info`."""

    LOG = "host.log"
    HTTP_DO = "host.http.do"
    HTTP_DO_STREAM = "host.http.do_stream"
    HTTP_STREAM_READ = "host.http.stream_read"
    HTTP_STREAM_CLOSE = "host.http.stream_close"
    MODEL_EXECUTE = "host.model.execute"
    MODEL_EXECUTE_STREAM = "host.model.execute_stream"
    MODEL_STREAM_READ = "host.model.stream_read"
    MODEL_STREAM_CLOSE = "host.model.stream_close"
    STREAM_EMIT = "host.stream.emit"
    STREAM_CLOSE = "host.stream.close"
    AUTH_LIST = "host.auth.list"
    AUTH_GET = "host.auth.get"
    AUTH_GET_RUNTIME = "host.auth.get_runtime"
    AUTH_SAVE = "host.auth.save"
    BUILD_INFO = "host.build_info"
