"""Shared fixtures: the real samples, chosen by their ``.meta``.

The helpers live in ``tests/corpus.py`` (import them for ``parametrize``, which runs
before fixtures exist); the fixtures here hand them to a test by name::

    from tests.corpus import samples_where

    @pytest.mark.parametrize("s", samples_where(kind="oom", highatomic=True), ids=str)
    def test_oom_with_a_reserve(s):
        (rep,) = s.reports()
        ...

    def test_the_seed(seed_reports):
        oom, failure = seed_reports
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from oomlens.parse.report import Report
from tests.corpus import Sample, all_samples, reports, samples_where


@pytest.fixture(scope="session")
def samples() -> tuple[Sample, ...]:
    """Every sample with its provenance: corpus, seed, and lab fixtures once they land."""
    found = all_samples()
    assert found, "samples/ holds no sample"
    return found


@pytest.fixture(scope="session")
def select() -> Callable[..., list[Sample]]:
    """``select(kind="memcg-oom")``: :func:`tests.corpus.samples_where` as a fixture."""
    return samples_where


@pytest.fixture(scope="session")
def seed_reports() -> tuple[Report, ...]:
    """The two reports of the seed patch: the balloon OOM, then in:imklog's failure."""
    found = reports("seed")
    assert len(found) == 2
    return found


def pytest_make_parametrize_id(config: Any, val: object, argname: str) -> str | None:
    """A sample's test id is its name ("035", "seed", "stranded-7.3")."""
    return str(val) if isinstance(val, Sample) else None
