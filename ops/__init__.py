"""Operations: liveness and readiness endpoints and the Prometheus metrics endpoint.

On the top floor beside api and portal (portal/__init__.py), because what it reports comes from
several apps: the database, the search engine (search), the outbox (practices), the mails
waiting (accounts), the task queue (Redis)."""
