#!/usr/bin/env bash
# scale.sh: the daemon at N watches (default 1000, 5000 and 10000) @every
# 1m for MINUTES (default 3), after a first minute to settle (the polls at
# start take every baseline): its CPU per minute, its resident memory
# sampled every 10 s from /proc (at the end, split into the process's own
# memory, RssAnon, and the file pages it maps, RssFile: the binary and the
# database), its peak, and the percentiles of pollhook_schedule_lag_seconds
# over the measured minutes alone (and over the whole run, start
# included).
#
#	bench/scale.sh [MINUTES] [N...]
#
# SCALE_BINARIES="before=PATH after=PATH" measures those binaries instead
# of building this tree, one after the other at each N, ROUNDS times
# (default 1): interleaved, so that the machine's load falls on each.
# SCALE_SETTLE is the seconds to settle before measuring (default 60):
# past ~20,000 watches the baselines at start take longer than a minute.
. "$(dirname "$0")/lib.sh"
minutes=${1:-3}
shift || true
sizes=("${@:-1000 5000 10000}")
read -r -a sizes <<<"${sizes[*]}"
build
read -r -a binaries <<<"${SCALE_BINARIES:-pollhook=$work/pollhook}"

# lag FILE [BEFORE]: the lag percentiles of a scrape of /metrics, less
# those of an earlier one.
lag() {
	awk '
		/^pollhook_schedule_lag_seconds_bucket/ {
			match($0, /le="[^"]+"/); le = substr($0, RSTART + 4, RLENGTH - 5)
			if (FILENAME == ARGV[1]) { if (!(le in c)) order[++k] = le; c[le] += $NF } else base[le] += $NF
		}
		END {
			total = c["+Inf"] - base["+Inf"]
			if (total <= 0) { print "no scheduled polls"; exit }
			for (i = 1; i <= k; i++) { le = order[i]; n = c[le] - base[le]; if (p50 == "" && n >= total * 0.5) p50 = le; if (p99 == "" && n >= total * 0.99) p99 = le }
			printf "lag p50 <= %ss, p99 <= %ss (%d polls)", p50, p99, total
		}' "$@"
}

for n in "${sizes[@]}"; do
	start_api "$n"
	api=${pids[-1]}
	config "$work/p.toml" "$n" "@every 1m"
	for round in $(seq "${ROUNDS:-1}"); do
		for b in "${binaries[@]}"; do
			name=${b%%=*} bin=${b#*=}
			rm -f "$work/state.db"
			"$bin" run --config "$work/p.toml" 2>"$work/run.log" &
			daemon=$!
			pids+=("$daemon")
			sleep "${SCALE_SETTLE:-60}" # the polls at start, and a first round
			hz=$(getconf CLK_TCK)
			ticks() { awk '{print $14 + $15}' "/proc/$daemon/stat"; }
			curl -s "http://127.0.0.1:$listen_port/metrics" >"$work/m0"
			t0=$(ticks)
			peak=0
			for _ in $(seq $((minutes * 6))); do
				sleep 10
				rss=$(awk '/^VmRSS/ {print $2}' "/proc/$daemon/status")
				((rss > peak)) && peak=$rss
			done
			t1=$(ticks)
			curl -s "http://127.0.0.1:$listen_port/metrics" >"$work/m1"
			read -r anon file < <(awk '/^RssAnon/ {a = $2} /^RssFile/ {f = $2} END {print a, f}' "/proc/$daemon/status")
			cpu=$(echo "scale=2; ($t1 - $t0) / $hz / $minutes" | bc)
			echo "scale: $name N=$n round $round: cpu ${cpu}s per minute, rss $((rss / 1024)) MiB (anon $((anon / 1024)), file $((file / 1024))), peak $((peak / 1024)) MiB;" \
				"measured $(lag "$work/m1" "$work/m0"); whole run $(lag "$work/m1"); load $(cut -d' ' -f1-3 /proc/loadavg)"
			kill "$daemon"
			wait "$daemon" 2>/dev/null || true
		done
	done
	kill "$api"
	sleep 0.2
done
