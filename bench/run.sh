#!/usr/bin/env bash
# The benchmark from a fresh clone: the bench extra (zen-engine, the peer) into .venv, then run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet -c constraints.txt -e '.[bench]'
.venv/bin/python bench/run.py "$@"
# the HTTP service: POST /v1/evaluate through kam serve --workers 2 (wrk when installed)
.venv/bin/python bench/service.py
# the store: transitions/s on SQLite (1 client) and PostgreSQL (8 processes; needs --pg URL or
# KAM_BENCH_PG, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/kam_bench)
exec .venv/bin/python bench/store.py "$@"
