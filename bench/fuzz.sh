#!/usr/bin/env bash
# bench/fuzz.sh: the long fuzzing runs of docs/RELIABILITY.md.
#
#   bash bench/fuzz.sh [DURATION] [TARGET...]     (default 30m, every target)
#
# Runs each fuzz target for DURATION with one worker, prints how many inputs
# it executed and how many interesting ones it found, and keeps the found
# corpus (the smallest 100 entries per target) in the package's
# testdata/fuzz/<Target>, where `go test` replays it on every run. A failure
# stops the script with the crashing input saved by go test.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-30m}
shift || true
all=(
	"./caddymodule/htmlrewrite FuzzRewrite"
	"./caddymodule/htmlrewrite FuzzOracle"
	"./caddymodule/htmlrewrite FuzzXML"
	"./caddymodule/htmlrewrite FuzzSmallHold"
	"./caddymodule/htmlrewrite FuzzDataScript"
	"./caddymodule FuzzHandler"
	"./policy FuzzParseSetCookie"
	"./policy FuzzDecode"
	"./policy FuzzParse"
	"./policy FuzzMatcher"
	"./policy FuzzMayImport"
	"./policy FuzzURLShortcuts"
	"./policy/cmp FuzzRead"
	"./policy/draft FuzzDraft"
	"./caddymodule FuzzReport"
	"./caddymodule FuzzResponseHeaders"
	"./policy/knowncookies FuzzReadOpenCookieDatabase"
)
cache=$(go env GOCACHE)/fuzz/github.com/consentgate/consentgate
for entry in "${all[@]}"; do
	read -r pkg target <<<"$entry"
	if [ $# -gt 0 ] && [[ " $* " != *" $target "* ]]; then
		continue
	fi
	echo "=== $target ($pkg) for $duration"
	out=$(mktemp)
	go test -run='^$' -fuzz="^${target}\$" -fuzztime="$duration" -parallel=1 "$pkg" 2>&1 | tee "$out" | grep -E 'elapsed|FAIL|ok|panic' | tail -3
	if grep -q '^FAIL\|--- FAIL' "$out"; then
		cat "$out"
		exit 1
	fi
	grep -o 'execs: [0-9]*.*new interesting: [0-9]*[^)]*)' "$out" | tail -1
	found="$cache/${pkg#./}/$target"
	keep="${pkg}/testdata/fuzz/$target"
	if [ -d "$found" ]; then
		mkdir -p "$keep"
		# The smallest inputs first: they are the readable ones.
		# (ls is cut off by head: its SIGPIPE is not a failure.)
		{ ls -S -r "$found" || true; } | head -100 | while read -r f; do cp "$found/$f" "$keep/"; done
		echo "kept $(ls "$keep" | wc -l) corpus entries in $keep"
	fi
	rm -f "$out"
done
