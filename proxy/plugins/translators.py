"""Translator and normalizer plugins (02 §16-17, §21-23), as the registry uses them.

Translators: the first plugin that answers a non-empty body wins; an error or an empty
body declines. Normalizers: a chain, each gets the previous output; an error or an empty
body leaves the body as it was.
"""

from __future__ import annotations

import logging
from typing import Any

from proxy.errors import ProxyError
from proxy.plugins import rpc, schema
from proxy.plugins.methods import Method
from proxy.plugins.plugin import Plugin

log = logging.getLogger("cliproxy.plugins")


async def _body(plugin: Plugin, method: Method, struct: Any, request: dict[str, Any]) -> bytes:
    try:
        reply = await rpc.call(plugin, method, struct, request, schema.PAYLOAD_RESPONSE)
    except ProxyError as exc:
        log.debug("plugin %s: %s declined: %s", plugin.id, method.value, exc.message)
        return b""
    return reply["Body"] or b""


async def translate_request(plugins: tuple[Plugin, ...], request: dict[str, Any]) -> bytes | None:
    """`request` is a RequestTransformRequest; None when no plugin translated."""
    for plugin in plugins:
        body = await _body(
            plugin, Method.REQUEST_TRANSLATE, schema.REQUEST_TRANSFORM_REQUEST, request
        )
        if body:
            return body
    return None


async def normalize_request(plugins: tuple[Plugin, ...], request: dict[str, Any]) -> bytes:
    body = request["Body"]
    for plugin in plugins:
        body = (
            await _body(
                plugin,
                Method.REQUEST_NORMALIZE,
                schema.REQUEST_TRANSFORM_REQUEST,
                {**request, "Body": body},
            )
            or body
        )
    return body


async def translate_response(plugins: tuple[Plugin, ...], request: dict[str, Any]) -> bytes | None:
    """`request` is a ResponseTransformRequest; None when no plugin translated."""
    for plugin in plugins:
        body = await _body(
            plugin, Method.RESPONSE_TRANSLATE, schema.RESPONSE_TRANSFORM_REQUEST, request
        )
        if body:
            return body
    return None


async def normalize_response(
    plugins: tuple[Plugin, ...], after: bool, request: dict[str, Any]
) -> bytes:
    method = Method.RESPONSE_NORMALIZE_AFTER if after else Method.RESPONSE_NORMALIZE_BEFORE
    body = request["Body"]
    for plugin in plugins:
        body = (
            await _body(
                plugin, method, schema.RESPONSE_TRANSFORM_REQUEST, {**request, "Body": body}
            )
            or body
        )
    return body
