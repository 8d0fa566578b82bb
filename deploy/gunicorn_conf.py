"""gunicorn's settings for the application behind nginx (`gunicorn -c deploy/gunicorn_conf.py
config.wsgi:application`), read by scripts/run-full.sh and the front-server test; a production
server uses the same file with its own environment.

Sizing, for this project's host (2 cores shared with PostgreSQL, Elasticsearch, Redis and a
Celery worker): sync workers, 2 x cores + 1 of them (gunicorn's own rule: while one worker
waits on PostgreSQL or Elasticsearch, another has the core). Sync workers are right behind
nginx, which buffers requests and responses, so a slow client never holds a worker. Each
worker loads its own copy of the sentence encoder (core/embedding.py) on first use; memory is
not what limits this host. GUNICORN_WORKERS overrides the count (benchmarks/ measure it).
"""

import os

bind = os.environ.get("GUNICORN_BIND") or "127.0.0.1:" + os.environ.get("GUNICORN_PORT", "8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
worker_class = "sync"
# A request that runs longer than this is killed and its worker replaced (nginx then answers 502;
# its proxy_read_timeout is longer).
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 30
# A worker is replaced after this many requests (with jitter, so not all at once): a bound on
# what a slow leak in any library can grow to.
max_requests = 1000
max_requests_jitter = 100
# Only nginx on this host may tell gunicorn the scheme; the application reads the client's
# address and the scheme itself (core/network.py, SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = "127.0.0.1,::1"
# nginx writes the access log (with the upstream time); gunicorn logs errors and worker events.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "policy-transfer"
