"""Faceted search of published practices, completions, and exports of any search."""
