"""Find the resources AWS managed KMS keys protect, and check those keys' policies."""

__version__ = "0.1.0"
