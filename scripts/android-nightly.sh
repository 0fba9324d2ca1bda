#!/usr/bin/env bash
# What the nightly workflow's Android job runs, inside a booted emulator
# (e.g. reactivecircus/android-emulator-runner with a google_apis x86_64 image, which ships Chrome
# and lets adbd run as root so the run's CA also goes into the system store).
# Needs: ANDROID_HOME (adb, for Appium), JAVA_HOME (UiAutomator2), `npm ci` done.
# Env: ANDROID_SERIAL (default emulator-5554), APPIUM_PORT (default 4723), PHONEHOME_RECIPE (default chrome).
set -euo pipefail
cd "$(dirname "$0")/.."

serial="${ANDROID_SERIAL:-emulator-5554}"
port="${APPIUM_PORT:-4723}"
recipe="${PHONEHOME_RECIPE:-chrome}"
adb="${PHONEHOME_ADB:-adb}"
mkdir -p reports

echo "android-nightly: waiting for $serial to finish booting"
"$adb" -s "$serial" wait-for-device
for _ in $(seq 1 120); do
  [ "$("$adb" -s "$serial" shell getprop sys.boot_completed | tr -d '\r')" = "1" ] && break
  sleep 2
done

# Root lets phonehome read the advertising ID and put the CA in the system store (tmpfs overlay).
"$adb" -s "$serial" root || echo "android-nightly: adbd cannot run as root on this image; CA goes to the user store only"
"$adb" -s "$serial" wait-for-device

# Chrome recipe prerequisites: Chrome installed, screen awake and unlocked.
if ! "$adb" -s "$serial" shell pm path com.android.chrome | grep -q package:; then
  echo "android-nightly: com.android.chrome is not installed on $serial; use a google_apis or google_apis_playstore image" >&2
  exit 1
fi
"$adb" -s "$serial" shell input keyevent KEYCODE_WAKEUP
"$adb" -s "$serial" shell wm dismiss-keyguard || true

# Appium 3 with the UiAutomator2 driver from this project's node_modules (no global install).
npx appium server --address 127.0.0.1 --port "$port" --use-drivers uiautomator2 --log reports/appium.log --log-level info &
appium_pid=$!
trap 'kill "$appium_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$port/status" >/dev/null && break
  sleep 1
done
curl -fs "http://127.0.0.1:$port/status" >/dev/null || { echo "android-nightly: Appium did not start (see reports/appium.log)" >&2; exit 1; }

node bin/phonehome.js run --target "android:$serial:$recipe" --soak "${PHONEHOME_SOAK:-2m}"
