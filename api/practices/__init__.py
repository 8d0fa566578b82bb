"""Practices: listing and reading them, writing them, their translations and their review."""
