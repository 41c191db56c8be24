"""Fixtures shared by the campaign tests."""

from junjia.visits.tests.test_campaigns import people  # noqa: F401  (fixture)
