#!/usr/bin/env bash
# Makes sure the Debian packages the tests drive are present: Chromium (Playwright),
# sip-tester (SIPp), tshark, baresip, sox, PostgreSQL 15 (the vitest "postgresql" project starts a
# throw-away cluster with its initdb and pg_ctl), openssl (test certificates for SIP over TLS, an
# independent TLS client) and iproute2 (`ip netns`: several hosts in one test, which needs root). Installs them when it can (root on Debian);
# otherwise stops with the command to run. It never lets a test skip silently.
set -euo pipefail

declare -A BINARY=([chromium]=/usr/bin/chromium [sip-tester]=sipp [tshark]=tshark [baresip]=baresip [sox]=sox
  [postgresql]=/usr/lib/postgresql/15/bin/initdb [openssl]=openssl [iproute2]=ip)
missing=()
for pkg in "${!BINARY[@]}"; do
  command -v "${BINARY[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "npm test: installing missing system packages: ${missing[*]}"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "npm test needs these Debian packages: ${missing[*]}" >&2
echo "Install them with: sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}" >&2
exit 1
