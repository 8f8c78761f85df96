#!/usr/bin/env bash
# The benchmark from a fresh clone: the bench extra (zen-engine, the peer) into .venv, then run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet -c constraints.txt -e '.[bench]'
exec .venv/bin/python bench/run.py "$@"
