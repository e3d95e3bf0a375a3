#!/usr/bin/env bash
# python-kis conformance: a venv made here, python-kis (pinned) from PyPI, a full session against
# `kis-trader sim` on loopback (real and paper) with only the client's base URLs changed.
# Usage: scripts/python-kis-conformance.sh [KIS_TRADER_BINARY]   (default: target/debug/kis-trader, built)
# Env: KIS_CONFORMANCE_VENV (default target/python-kis-venv) to reuse a venv between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON_KIS_VERSION=2.1.6
venv="${KIS_CONFORMANCE_VENV:-target/python-kis-venv}"
binary="${1:-}"
if [[ -z "$binary" ]]; then
  cargo build --locked --bin kis-trader
  binary=target/debug/kis-trader
fi
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import pykis, sys; sys.exit(pykis.__version__ != '$PYTHON_KIS_VERSION')" 2>/dev/null; then
  # python-kis imports typing_extensions without declaring it.
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "python-kis==$PYTHON_KIS_VERSION" typing_extensions
fi
exec "$venv/bin/python" tests/python_kis/conformance.py "$binary" "${@:2}"
