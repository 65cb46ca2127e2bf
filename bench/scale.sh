#!/usr/bin/env bash
# scale.sh: the daemon at N watches (default 1000, 5000 and 10000) @every
# 1m for MINUTES (default 3): its CPU per minute and resident memory,
# sampled every 10 s from /proc, after a first minute to settle; and the
# schedule lag percentiles when /metrics has pollhook_schedule_lag_seconds.
#
#	bench/scale.sh [MINUTES] [N...]
. "$(dirname "$0")/lib.sh"
minutes=${1:-3}
shift || true
sizes=("${@:-1000 5000 10000}")
read -r -a sizes <<<"${sizes[*]}"
build
for n in "${sizes[@]}"; do
	start_api "$n"
	config "$work/p.toml" "$n" "@every 1m"
	rm -f "$work/state.db"
	"$work/pollhook" run --config "$work/p.toml" 2>"$work/run.log" &
	daemon=$!
	pids+=("$daemon")
	sleep 60 # the polls at start, and a first round
	hz=$(getconf CLK_TCK)
	ticks() { awk '{print $14 + $15}' "/proc/$daemon/stat"; }
	t0=$(ticks)
	peak=0
	for _ in $(seq $((minutes * 6))); do
		sleep 10
		rss=$(awk '/^VmRSS/ {print $2}' "/proc/$daemon/status")
		((rss > peak)) && peak=$rss
	done
	t1=$(ticks)
	cpu=$(echo "scale=2; ($t1 - $t0) / $hz / $minutes" | bc)
	echo "scale: N=$n: cpu ${cpu}s per minute, rss now $((rss / 1024)) MiB, peak $((peak / 1024)) MiB"
	curl -s http://127.0.0.1:$listen_port/metrics | awk -v n="$n" '
		/^pollhook_schedule_lag_seconds_bucket/ { match($0, /le="[^"]+"/); le = substr($0, RSTART + 4, RLENGTH - 5); c[le] += $NF; order[++k] = le }
		/^pollhook_schedule_lag_seconds_count/ { total += $NF }
		END {
			if (total == 0) { print "scale: N=" n ": no pollhook_schedule_lag_seconds"; exit }
			for (i = 1; i <= k; i++) { le = order[i]; if (!(le in seen)) { seen[le] = 1; if (!p50 && c[le] >= total * 0.5) p50 = le; if (!p99 && c[le] >= total * 0.99) p99 = le } }
			print "scale: N=" n ": schedule lag p50 <= " p50 "s, p99 <= " p99 "s (" total " polls)"
		}'
	kill "$daemon"
	wait "$daemon" 2>/dev/null || true
	kill "${pids[-2]}"
	sleep 0.2
done
