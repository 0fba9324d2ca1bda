#!/usr/bin/env bash
# The nightly workflow's own steps on one machine (.github/workflows/nightly.yml):
#   1. N shards, each `npx playwright test --shard i/N --reporter=blob` in a folder of its own (as on
#      separate runners), its blob report and run folder sealed for upload (scripts/shard-artifact.sh);
#   2. the merge: the sealed artifacts opened, `playwright merge-reports` through the matrix reporter
#      (one run.json), the Android job's run.json merged in (`phonehome merge`), `phonehome diff`
#      against the previously published run, `phonehome report --publish` (device identifiers
#      masked), and the Pages folder laid out (scripts/pages-site.sh).
#
# Usage: scripts/nightly-local.sh [--shards N] [--out DIR] [--site DIR] [--android RUN]...
#   --shards N     shards (default 3, as the nightly)
#   --out DIR      work folder (default nightly-local): work/<run-id>/{shard-i,uploads,merge,public}
#   --site DIR     the Pages folder: read as the previously published site, replaced by the new one
#                  (default OUT/site, so local runs build up a history)
#   --android RUN  an Android run (run.json or folder, as the emulator job uploads it) to merge in
# What runs comes from the same variables as the nightly: PHONEHOME_TARGETS (JSON), PHONEHOME_SCENARIOS,
# PHONEHOME_MATRIX, PHONEHOME_WATCH_QUIET/MIN/MAX, PHONEHOME_SOAK, PHONEHOME_WORKERS.
# PHONEHOME_SHARD_KEY seals the shard artifacts (default: a random key for this run).
#
# Exit codes: 0 published, no regression; 1 the diff found regressions; 2 bad arguments, a shard's
# preflight failed, or no run.json was merged; 3 the run has error cells (3 wins over 1).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
die() { printf 'nightly-local: %s\n' "$*" >&2; exit 2; }
say() { printf 'nightly-local: %s\n' "$*"; }
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

shards=3
out=nightly-local
site=
android=()
while [ $# -gt 0 ]; do
  case "$1" in
    --shards) [ $# -ge 2 ] || die "--shards needs a number"; shards=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a folder"; out=$2; shift 2 ;;
    --site) [ $# -ge 2 ] || die "--site needs a folder"; site=$2; shift 2 ;;
    --android) [ $# -ge 2 ] || die "--android needs a run.json or run folder"; android+=("$(realpath -m "$2")"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || die "--shards takes a whole number from 1, not \"$shards\""
for run in "${android[@]}"; do [ -e "$run" ] || die "$run: not found (--android)"; done
out=$(realpath -m "$out")
site=$(realpath -m "${site:-$out/site}")

cd "$root"
phonehome() { node "$root/bin/phonehome.js" "$@"; }
started=$SECONDS
run_id=${PHONEHOME_RUN_ID:-nightly-local-$(date -u +%Y%m%dT%H%M%SZ)-$$}
work=$out/work/$run_id
mkdir -p "$work/uploads" || die "cannot create $work"
export PHONEHOME_SUITE=matrix PHONEHOME_RUN_ID=$run_id CI=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ -z "${PHONEHOME_SHARD_KEY:-}" ]; then
  PHONEHOME_SHARD_KEY=$(openssl rand -hex 32) || die "openssl not found; fix: install it"
  export PHONEHOME_SHARD_KEY
fi
say "run $run_id: $shards shards in $work"

# 1. The shards, at once (on separate runners in the nightly). Each has its own reports folder,
# blob report and test-results, so nothing passes between them except through the artifacts.
pids=()
for i in $(seq 1 "$shards"); do
  dir=$work/shard-$i
  mkdir -p "$dir"
  (
    PHONEHOME_REPORTS_DIR=$dir/reports PLAYWRIGHT_BLOB_OUTPUT_DIR=$dir/blob-report \
      npx playwright test --config playwright.config.ts --shard="$i/$shards" --reporter=blob \
      --output "$dir/test-results" >"$dir/playwright.log" 2>&1
    echo $? >"$dir/exit"
  ) &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
preflight_failed=0
for i in $(seq 1 "$shards"); do
  dir=$work/shard-$i
  code=$(cat "$dir/exit" 2>/dev/null || echo 2)
  say "shard $i/$shards: playwright exited $code ($(find "$dir/reports/$run_id" -name record.json 2>/dev/null | wc -l) scenario records; log $dir/playwright.log)"
  [ "$code" = 2 ] && { preflight_failed=1; grep '^phonehome preflight:' "$dir/playwright.log" >&2; }
  # What the shard uploads: its blob report and run folder, sealed. Nothing else leaves the shard.
  parts=()
  for p in blob-report reports; do [ -e "$dir/$p" ] && parts+=("$p"); done
  if [ ${#parts[@]} -gt 0 ]; then
    (cd "$dir" && bash "$root/scripts/shard-artifact.sh" seal "$work/uploads/shard-$i.tar.gz.enc" "${parts[@]}") \
      || die "shard $i: could not seal its artifact"
  fi
done

# 2. The merge job: only the uploads are read from here on.
merge=$work/merge
mkdir -p "$merge/blob" "$merge/reports/$run_id"
for artifact in "$work"/uploads/shard-*.tar.gz.enc; do
  [ -e "$artifact" ] || continue
  name=$(basename "$artifact" .tar.gz.enc)
  bash scripts/shard-artifact.sh open "$artifact" "$merge/$name" || exit 2
  for zip in "$merge/$name"/blob-report/*.zip; do
    [ -e "$zip" ] && cp "$zip" "$merge/blob/$name-$(basename "$zip")"
  done
  [ -d "$merge/$name/reports/$run_id" ] && cp -r "$merge/$name/reports/$run_id/." "$merge/reports/$run_id/"
done
say "merging $(ls "$merge/blob" | wc -l) blob reports through the matrix reporter"
PHONEHOME_REPORTS_DIR=$merge/reports npx playwright merge-reports --config playwright.config.ts "$merge/blob" \
  >"$merge/merge-reports.log" 2>&1
run=$merge/reports/$run_id
[ -f "$run/run.json" ] || { tail -n 20 "$merge/merge-reports.log" >&2; die "the merge wrote no run.json (log: $merge/merge-reports.log)"; }

if [ ${#android[@]} -gt 0 ]; then
  say "merging ${#android[@]} Android run(s)"
  phonehome merge "$run" "${android[@]}" --quiet || die "could not merge the Android run(s)"
fi

regressions=0
if [ -f "$site/run.json" ]; then
  phonehome diff "$site/run.json" "$run" >"$work/diff.txt"
  code=$?
  [ "$code" -le 1 ] || die "phonehome diff failed (exit $code)"
  regressions=$code
  say "diff against the last published run ($(head -n 1 "$work/diff.txt"))"
else
  say "no published run in $site yet: nothing to diff against" | tee "$work/diff.txt"
fi

# What may leave the machine: run.json, run.har and flow logs masked, plus the reports.
mkdir -p "$site/runs"
phonehome report "$run" --out "$work/public" --history "$site/runs" --quiet --publish >"$work/publish.log" 2>&1 \
  || { cat "$work/publish.log" >&2; die "phonehome report --publish failed"; }
rm -rf "$work/site"
bash scripts/pages-site.sh "$work/public" "$site/runs" "$work/site" "$run_id" || exit 2
rm -rf "$site" && mv "$work/site" "$site"

errors=$(node -e 'const r = require(process.argv[1]); console.log(r.cells.filter((c) => c.status === "error").length)' "$run/run.json")
summary=$(node -e 'const r = require(process.argv[1]); const n = (s) => r.cells.filter((c) => c.status === s).length; console.log(`${r.cells.length} cells: ${n("pass")} pass · ${n("fail")} fail · ${n("inconclusive")} inconclusive · ${n("error")} error; ${r.targets.length} targets`)' "$run/run.json")
say "run $run_id: $summary"
say "site: $site (index.html, run.json, runs/$run_id/); uploads: $work/uploads; $((SECONDS - started)) s"
[ "$preflight_failed" = 1 ] && exit 2
[ "$errors" != 0 ] && { say "$errors error cells (the harness broke)"; exit 3; }
[ "$regressions" = 1 ] && { say "the diff found regressions: $work/diff.txt"; exit 1; }
exit 0
