"""The Gemini API of the mock upstream (tests/upstream.py)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler


def handle(handler: BaseHTTPRequestHandler, body: bytes) -> bool:
    """Answers the request if its path belongs to this API; False leaves it to others."""
    return False
