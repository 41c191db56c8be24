"""Junjia (军之家): platform for veteran service centres and stations."""
