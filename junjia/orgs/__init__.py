"""Regions, stations, staff, roles and jurisdiction."""
