"""API formats and the translation registry between them (02 §35, 04 §3).

Importing this package registers the native translators with the registry.
"""

from proxy.formats import (  # noqa: F401  (they register themselves)
    claude_openai,
    gemini_openai,
    openai_claude,
    openai_codex,
    openai_gemini,
    responses_codex,
    responses_openai,
)
