"""HTTP surface: Starlette routes, error bodies and SSE framing per client format."""
