#!/usr/bin/env bash
# What a nightly shard hands to the merge job, sealed so the artifact carries no device identifier in
# any form. The merge must judge every claim on the full flows (unlinkable-modes compares the two
# modes' flows, which may sit in different shards), so the shard cannot mask them before upload
# without changing verdicts; instead its blob report and run folder travel encrypted (AES-256-CBC,
# key stretched with PBKDF2) under PHONEHOME_SHARD_KEY, and only the merge job opens them. What is
# published is masked by `phonehome report --publish` after the merge.
#
#   shard-artifact.sh seal OUT_FILE DIR...   tar the DIRs (relative to the current folder) into OUT_FILE
#   shard-artifact.sh open IN_FILE DEST      decrypt and unpack IN_FILE into DEST
set -euo pipefail

die() { printf 'shard-artifact: %s\n' "$*" >&2; exit 2; }

[ -n "${PHONEHOME_SHARD_KEY:-}" ] || die "PHONEHOME_SHARD_KEY is not set; fix: set it to the same random secret (32+ characters) in every shard and the merge (the nightly reads the repository secret PHONEHOME_SHARD_KEY)"
[ "${#PHONEHOME_SHARD_KEY}" -ge 32 ] || die "PHONEHOME_SHARD_KEY has ${#PHONEHOME_SHARD_KEY} characters; fix: use a random secret of 32 or more (openssl rand -hex 32)"
command -v openssl >/dev/null || die "openssl not found; fix: install it (Debian: apt-get install openssl)"

cipher=(-aes-256-cbc -pbkdf2 -iter 200000 -md sha256 -pass env:PHONEHOME_SHARD_KEY)

case "${1:-}" in
  seal)
    [ $# -ge 3 ] || die "usage: shard-artifact.sh seal OUT_FILE DIR..."
    out=$2
    shift 2
    for dir in "$@"; do [ -e "$dir" ] || die "$dir: not found"; done
    mkdir -p "$(dirname "$out")"
    # Written beside and renamed, so a crash never leaves a truncated artifact under the final name.
    tar -czf - -- "$@" | openssl enc -e "${cipher[@]}" -salt -out "$out.part"
    mv "$out.part" "$out"
    ;;
  open)
    [ $# -eq 3 ] || die "usage: shard-artifact.sh open IN_FILE DEST"
    [ -f "$2" ] || die "$2: not found"
    mkdir -p "$3"
    openssl enc -d "${cipher[@]}" -in "$2" | tar -xzf - -C "$3" \
      || die "$2: cannot be opened (wrong PHONEHOME_SHARD_KEY, or a damaged artifact)"
    ;;
  *)
    die "usage: shard-artifact.sh seal OUT_FILE DIR... | open IN_FILE DEST"
    ;;
esac
