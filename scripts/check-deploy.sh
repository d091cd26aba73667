#!/usr/bin/env bash
# Validates the Kubernetes manifests in deploy/ against the Kubernetes API
# schema (kubernetes-validate, from PyPI, in a virtualenv under
# target/check-deploy; --strict: unknown fields are errors too).
#
# Usage: scripts/check-deploy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${CARGO_TARGET_DIR:-target}/check-deploy
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  python3 -m venv "$venv" 2>/dev/null || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y python3-venv >/dev/null 2>&1 ||
      { apt-get update >/dev/null && apt-get install -y python3-venv >/dev/null; }
    python3 -m venv "$venv"
  }
  "$venv/bin/pip" install --quiet --disable-pip-version-check kubernetes-validate
fi
"$venv/bin/kubernetes-validate" --strict deploy/*.yaml
echo "check-deploy: every manifest in deploy/ is valid"
