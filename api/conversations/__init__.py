"""Conversations: threads on exchange requests, proposals and practices, and their messages."""
