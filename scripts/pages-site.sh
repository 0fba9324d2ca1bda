#!/usr/bin/env bash
# Lays out the GitHub Pages site of the nightly from the published (masked) form of a run:
#   SITE/index.html, report.html, summary.md, junit.xml, run.json   the latest run
#   SITE/runs/<run-id>/run.json                                     the last 30 runs (history, diff)
#   SITE/runs/index.txt                                             their ids, oldest first (by startedAt)
#
#   pages-site.sh PUBLIC_DIR PREVIOUS_RUNS_DIR SITE_DIR RUN_ID
# PUBLIC_DIR is what `phonehome report RUN --out PUBLIC_DIR --publish` wrote; PREVIOUS_RUNS_DIR holds
# the runs/ of the site as last published (may be empty or missing). Only files of PUBLIC_DIR and
# PREVIOUS_RUNS_DIR reach the site: the run folder with the full values is never read here.
set -euo pipefail

die() { printf 'pages-site: %s\n' "$*" >&2; exit 2; }
[ $# -eq 4 ] || die "usage: pages-site.sh PUBLIC_DIR PREVIOUS_RUNS_DIR SITE_DIR RUN_ID"
public=$1 previous=$2 site=$3 id=$4
case "$id" in (*[!A-Za-z0-9._-]*|'') die "run id \"$id\" may hold only letters, digits, . _ -";; esac
for f in report.html summary.md junit.xml run.json; do
  [ -f "$public/$f" ] || die "$public/$f: not found (run phonehome report --publish first)"
done

mkdir -p "$site/runs"
cp "$public/report.html" "$site/index.html"
cp "$public/report.html" "$public/summary.md" "$public/junit.xml" "$public/run.json" "$site/"
[ -d "$previous" ] && cp -r "$previous/." "$site/runs/"
rm -f "$site/runs/index.txt"
mkdir -p "$site/runs/$id"
cp "$public/run.json" "$site/runs/$id/"
# Oldest first by when each run started (run.json's startedAt; ids need not sort by time); keep 30.
order=$(node -e '
  const { existsSync, readdirSync, readFileSync } = require("node:fs");
  const dir = process.argv[1];
  const runs = readdirSync(dir).filter((id) => existsSync(`${dir}/${id}/run.json`)).map((id) => {
    try { return [JSON.parse(readFileSync(`${dir}/${id}/run.json`, "utf8")).startedAt ?? "", id]; }
    catch { return ["", id]; }
  });
  for (const [, id] of runs.sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]))) console.log(id);
' "$site/runs") || die "cannot read the runs in $site/runs"
count=$(printf '%s\n' "$order" | grep -c . || true)
for old in $(printf '%s\n' "$order" | head -n "$(( count > 30 ? count - 30 : 0 ))"); do rm -rf "${site:?}/runs/$old"; done
printf '%s\n' "$order" | tail -n 30 > "$site/runs/index.txt"
