"""Search outbox and index state live here (search issue)."""
