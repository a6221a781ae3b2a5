#!/usr/bin/env bash
# Makes sure a Chromium is on this machine: the report pages' browser test
# (tests/report_browser_test.go) drives it headless. Installs Debian's
# `chromium` package with apt when it is missing; does nothing when it is there.
set -euo pipefail

have_chromium() {
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

if have_chromium; then
  exit 0
fi
echo "Chromium not found: installing it with apt-get (for the report pages' browser test)…"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "Run as root, or install it yourself: apt-get install -y chromium" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
have_chromium || { echo "apt installed chromium but no chromium command was found" >&2; exit 1; }
echo "Chromium installed."
