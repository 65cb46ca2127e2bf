#!/usr/bin/env bash
# floor.sh: a no-change poll of N = 2,000 and 10,000 watches against the
# floor (a minimal Go client that GETs the same documents with the same
# concurrency over keep-alive and hashes each body), measured two ways:
#
#   once    `pollhook once`: its CPU time and peak memory (measure);
#   daemon  one round of `pollhook run`: the daemon's CPU time, from
#           /proc as storm.sh reads it, while `pollhook once` has it poll
#           every watch.
#
# The baselines are taken first; then each round runs once, the floor and
# the daemon round in turn, ROUNDS times (default 3). With
# BENCH_BEFORE=DIR, a pollhook built from DIR (a checkout of another
# commit) is measured too, interleaved with this one. Prints each
# measure, then the medians and their ratios to the floor's.
#
#	bench/floor.sh [ROUNDS]
#	BENCH_BEFORE=../before bench/floor.sh 5
. "$(dirname "$0")/lib.sh"
rounds=${1:-3}
build
mv "$work/pollhook" "$work/pollhook-after"
trees=(after)
if [ -n "${BENCH_BEFORE:-}" ]; then
	(cd "$BENCH_BEFORE" && go build -o "$work/pollhook-before" .)
	trees=(before after)
fi
hz=$(getconf CLK_TCK)
results=$work/results

# daemon_round TREE N ROUND: start the daemon (which has polled every
# watch within the hour, so it does not poll at start), wait until it is
# ready, then measure the CPU it spends on the round `pollhook once` asks
# of it.
daemon_round() {
	local bin=$work/pollhook-$1 n=$2
	"$bin" run --config "$work/p.toml" 2>"$work/run.log" &
	local daemon=$!
	pids+=("$daemon")
	until curl -sf "http://127.0.0.1:$listen_port/readyz" >/dev/null; do
		if ! kill -0 "$daemon" 2>/dev/null; then
			echo "bench: the daemon did not start:" >&2
			cat "$work/run.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	sleep 0.5 # what it does at start, done
	local t0 t1
	t0=$(awk '{print $14 + $15}' "/proc/$daemon/stat")
	"$bin" once --json --config "$work/p.toml" >/dev/null 2>&1
	t1=$(awk '{print $14 + $15}' "/proc/$daemon/stat")
	kill "$daemon"
	wait "$daemon" 2>/dev/null || true
	unset 'pids[-1]'
	local cpu
	cpu=$(awk -v t="$((t1 - t0))" -v hz="$hz" 'BEGIN { printf "%.3f", t / hz }')
	echo "daemon: $1 daemon N=$n round $3: cpu ${cpu}s"
	echo "$1-daemon $n $cpu 0" >>"$results"
}

# once_run TREE N ROUND: a no-change pollhook once, measured.
once_run() {
	local line
	line=$("$work/measure" -label "$1 once N=$2 round $3" -- "$work/pollhook-$1" once --json --config "$work/p.toml" 2>&1 >/dev/null | grep '^measure:')
	echo "$line"
	echo "$line" | awk -v k="$1-once" -v n="$2" '{ for (i = 1; i <= NF; i++) { if ($i == "cpu") c = $(i+1); if ($i == "maxrss") r = $(i+1) } sub(/s$/, "", c); print k, n, c, r }' >>"$results"
}

floor_run() {
	local line
	line=$("$work/measure" -label "floor N=$1 round $2" -- "$work/floor" -base "http://127.0.0.1:$api_port" -n "$1" -c 64 2>&1 >/dev/null | grep '^measure:')
	echo "$line"
	echo "$line" | awk -v n="$1" '{ for (i = 1; i <= NF; i++) { if ($i == "cpu") c = $(i+1); if ($i == "maxrss") r = $(i+1) } sub(/s$/, "", c); print "floor", n, c, r }' >>"$results"
}

for n in 2000 10000; do
	start_api "$n"
	config "$work/p.toml" "$n" "@every 1h"
	rm -f "$work/state.db"
	"$work/pollhook-after" once --json --config "$work/p.toml" >/dev/null 2>&1 # baselines
	for r in $(seq "$rounds"); do
		for t in "${trees[@]}"; do once_run "$t" "$n" "$r"; done
		floor_run "$n" "$r"
		for t in "${trees[@]}"; do daemon_round "$t" "$n" "$r"; done
	done
	kill "${pids[-1]}"
	unset 'pids[-1]'
	sleep 0.2
done

# Medians, and each measure's ratio to the floor's median.
echo
echo "median of $rounds rounds (load average now: $(cut -d' ' -f1-3 /proc/loadavg)):"
sort -k1,1 -k2,2n -k3,3n "$results" | awk '
	function median(a, k) { return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
	{ key = $1 " " $2; c[key, ++nc[key]] = $3; keys[key] = 1 }
	{ r[key, nc[key]] = $4 }
	END {
		for (key in keys) {
			k = nc[key]
			for (i = 1; i <= k; i++) { cs[i] = c[key, i]; rs[i] = r[key, i] }
			# cpu is sorted already; sort rss.
			for (i = 2; i <= k; i++) { v = rs[i]; for (j = i - 1; j >= 1 && rs[j] > v; j--) rs[j + 1] = rs[j]; rs[j + 1] = v }
			mc[key] = median(cs, k); mr[key] = median(rs, k)
		}
		for (key in keys) {
			split(key, f, " ")
			fl = "floor " f[2]
			line = sprintf("%-14s N=%-6s cpu %.3fs (%.2fx the floor)", f[1], f[2], mc[key], mc[key] / mc[fl])
			if (mr[key] > 0) line = line sprintf(", peak rss %.1f MiB (%.2fx)", mr[key], mr[key] / mr[fl])
			print f[2], line
		}
	}' | sort -k1,1n -k2,2 | cut -d' ' -f2-
