#!/usr/bin/env bash
# Makes sure a Chromium is on this machine: the report pages' browser test
# (tests/report_browser_test.go) drives it headless. Installs Debian's
# `chromium` package with apt when it is missing, and a Japanese font
# (fonts-noto-cjk) when none is there, so the console's screenshots
# (TABIJI_SCREENSHOTS) show Japanese text rather than boxes; does nothing
# when both are there.
set -euo pipefail

have_chromium() {
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

have_japanese_font() {
  command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ja 2>/dev/null | head -n 1)" ]
}

if have_chromium && have_japanese_font; then
  exit 0
fi
echo "Chromium or a Japanese font not found: installing them with apt-get (for the console's browser tests)…"
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
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation fonts-noto-cjk >/dev/null
have_chromium || { echo "apt installed chromium but no chromium command was found" >&2; exit 1; }
echo "Chromium installed."
