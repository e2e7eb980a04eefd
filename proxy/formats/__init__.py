"""API formats and the translation registry between them (02 §35, 04 §3).

Importing this package registers the native translators with the registry.
"""

from proxy.formats import claude_openai, openai_claude  # noqa: F401  (register themselves)
