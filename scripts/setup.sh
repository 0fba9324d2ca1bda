#!/usr/bin/env bash
# Installs what phonehome needs and is missing: Debian's browsers and tools (apt), then npm packages.
# Idempotent and fast when everything is there. Browsers come from Debian, never from a download.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

# Debian packages and a command that proves each is installed.
declare -A NEED=(
  [chromium]=/usr/bin/chromium
  [chromium-driver]=/usr/bin/chromedriver
  [firefox-esr]=/usr/bin/firefox-esr
  [webkit2gtk-driver]=/usr/bin/WebKitWebDriver
  [epiphany-browser]=/usr/bin/epiphany-browser
  [falkon]=/usr/bin/falkon
  [qutebrowser]=/usr/bin/qutebrowser
  [dbus-daemon]=/usr/bin/dbus-run-session
  [openssl]=/usr/bin/openssl
  [xvfb]=/usr/bin/Xvfb
  [xauth]=/usr/bin/xauth
  [xdotool]=/usr/bin/xdotool
  [xclip]=/usr/bin/xclip
  [libnss3-tools]=/usr/bin/certutil
  [iproute2]=/usr/sbin/ip
  [iptables]=/usr/sbin/iptables
  [tcpdump]=/usr/bin/tcpdump
  [sqlite3]=/usr/bin/sqlite3
  [fonts-dejavu-core]=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
)
missing=()
for pkg in "${!NEED[@]}"; do
  [ -e "${NEED[$pkg]}" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "${PHONEHOME_SKIP_APT:-0}" = 1 ]; then
    say "missing Debian packages: ${missing[*]} (PHONEHOME_SKIP_APT=1, not installing)"
  elif [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${missing[*]}"
    say "run as root, or install them yourself: sudo apt-get install -y ${missing[*]}"
    exit 1
  elif ! command -v apt-get >/dev/null 2>&1; then
    say "missing packages ${missing[*]} and no apt-get on this machine: install them with your package manager"
    exit 1
  else
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || { say "apt-get update failed: is a Debian mirror reachable?"; exit 1; }
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
      || { say "apt-get install failed for: ${missing[*]}"; exit 1; }
  fi
fi

# Node: one of the versions every locked package supports (package.json `engines`).
if ! command -v node >/dev/null 2>&1; then
  say "no node on PATH: install Node.js (versions in package.json engines)"
  exit 1
fi
node scripts/check-node.cjs || exit 1

# npm packages: install when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci: exactly the locked versions)"
  # Playwright must never download browsers: phonehome uses Debian's.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2 \
    || { say "npm ci failed: is the npm registry reachable? (the lock and package.json must agree: npm install updates both)"; exit 1; }
fi
