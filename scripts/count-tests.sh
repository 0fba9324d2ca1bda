#!/usr/bin/env bash
# Prints one plain line counting the tests in a log of `npm test`: "N passed, N failed, N skipped"
# (unit tests by vitest plus end-to-end specs by Playwright Test). Usage: count-tests.sh LOG
set -uo pipefail
plain=$(sed -E 's/\x1b\[[0-9;]*m//g' "$1")
# vitest: "      Tests  1 failed | 273 passed | 4 skipped (278)";
# Playwright: "  7 passed (23.8s)", "  1 failed", "  2 skipped" (each on its own line).
unit=$(grep -aE '^ *Tests +[0-9]' <<<"$plain" | tail -1)
number() { grep -aoE "$1" <<<"$2" | grep -oE '[0-9]+' | head -1; }
unit_passed=$(number '[0-9]+ passed' "$unit")
unit_failed=$(number '[0-9]+ failed' "$unit")
unit_skipped=$(number '[0-9]+ skipped' "$unit")
e2e_passed=$(number '^ +[0-9]+ passed \(' "$plain")
e2e_failed=$(number '^ +[0-9]+ failed$' "$plain")
e2e_skipped=$(number '^ +[0-9]+ skipped$' "$plain")
echo "$(( ${unit_passed:-0} + ${e2e_passed:-0} )) passed, $(( ${unit_failed:-0} + ${e2e_failed:-0} )) failed, $(( ${unit_skipped:-0} + ${e2e_skipped:-0} )) skipped"
