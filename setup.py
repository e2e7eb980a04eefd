"""Builds the compiled cffi extension (API mode) that hosts native plugins.

Everything else about the package lives in pyproject.toml; this file exists only because
cffi's setuptools integration is declared through `cffi_modules`.
"""

from setuptools import setup

setup(cffi_modules=["proxy/native/build.py:ffibuilder"])
