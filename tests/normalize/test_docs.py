"""The examples in the normaliser docstrings are tests too: they must stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "ingest.normalize.text",
    "ingest.normalize.dates",
    "ingest.normalize.bylines",
    "ingest.normalize.urls",
    "ingest.normalize.article",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
