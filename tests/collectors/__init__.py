"""Collector tests, one module per service."""
