"""cliproxy: an LLM API proxy whose heart is a native plugin host."""

__version__ = "0.1.0"
