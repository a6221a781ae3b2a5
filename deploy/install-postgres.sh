#!/usr/bin/env bash
# Makes sure PostgreSQL's server binaries (initdb, pg_ctl) are on this machine:
# `tabiji dev` and the tests start private clusters from them. Installs them
# from apt when missing; does nothing when they are there.
set -euo pipefail

have_postgres() {
  command -v pg_ctl >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null
}

if have_postgres; then
  exit 0
fi
echo "PostgreSQL server binaries not found: installing them with apt-get…"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "Run as root, or install them yourself: apt-get install -y postgresql" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
have_postgres || { echo "apt installed postgresql but no pg_ctl was found" >&2; exit 1; }
echo "PostgreSQL installed."
