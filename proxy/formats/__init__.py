"""API formats and the translation registry between them (02 §35, 04 §3)."""
