"""Spiders: one generic news spider driven by ``data/sites.toml``, one class per registered site, and ``article``."""
