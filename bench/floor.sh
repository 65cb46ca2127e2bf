#!/usr/bin/env bash
# floor.sh: a no-change `pollhook once` against the floor (a minimal Go
# client that GETs the same documents with the same concurrency over
# keep-alive and hashes each body), at N = 2,000 and 10,000, interleaved
# ROUNDS times. Prints CPU seconds and peak RSS of each, and the ratio.
#
#	bench/floor.sh [ROUNDS]
. "$(dirname "$0")/lib.sh"
rounds=${1:-3}
build
for n in 2000 10000; do
	start_api "$n"
	config "$work/p.toml" "$n" "@every 1h"
	rm -f "$work/state.db"
	"$work/pollhook" once --json --config "$work/p.toml" >/dev/null 2>&1 # baselines
	for r in $(seq "$rounds"); do
		"$work/measure" -label "pollhook once N=$n round $r" -- "$work/pollhook" once --json --config "$work/p.toml" 2>&1 >/dev/null | grep '^measure:'
		"$work/measure" -label "floor N=$n round $r" -- "$work/floor" -base "http://127.0.0.1:$api_port" -n "$n" -c 64 2>&1 >/dev/null | grep '^measure:'
	done
	kill "${pids[-1]}"
	unset 'pids[-1]'
	sleep 0.2
done
