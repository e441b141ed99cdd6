"""File loaders for real data formats (host libraries imported lazily inside functions)."""
