#!/usr/bin/env bash
# Create the virtualenv and install the pinned Python packages (and, for tests, Debian packages).
# Usage: scripts/bootstrap.sh runtime|dev
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-runtime}"
venv="${VENV:-.venv}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "need root to run: $*" >&2; return 1; fi; }

apt_install() {
  # Debian packages listed in scripts/debian-packages-<kind>.txt (one per line, # comments).
  local list="scripts/debian-packages-$1.txt" missing=()
  [ -f "$list" ] || return 0
  command -v dpkg-query >/dev/null || { echo "not a Debian system: install $(grep -v '^#' "$list" | xargs) by hand" >&2; return 0; }
  while read -r pkg; do
    [ -z "$pkg" ] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done < <(grep -v '^\s*#' "$list")
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "Python 3.11 or newer is required (found $("$python" --version 2>&1))" >&2; exit 1; }
if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    apt_install venv
    rm -rf "$venv"; "$python" -m venv "$venv"
  fi
fi

stamp="$venv/.installed-$kind"
reqs=requirements.txt; [ "$kind" = dev ] && reqs=requirements-dev.txt
if [ ! -f "$stamp" ] || [ "$reqs" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$reqs"
  touch "$stamp"
fi
apt_install "$kind"
