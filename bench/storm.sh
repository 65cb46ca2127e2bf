#!/usr/bin/env bash
# storm.sh: N watches (default 10000) of the test API, each notifying the
# local receiver; once the daemon has stored every baseline (its polls at
# start), every document changes at once and `pollhook once` has the
# daemon poll them all. Prints how long until the receiver has every
# webhook, the rate in changes per second, and the CPU time the daemon
# spent meanwhile (steadier than the rate on a shared machine), and the
# CPU time the test API and the receiver spent, which share the machine.
#
#	bench/storm.sh [N]
. "$(dirname "$0")/lib.sh"
n=${1:-10000}
build
start_api "$n"
api=${pids[-1]}
start_receiver
receiver=${pids[-1]}
config "$work/p.toml" "$n" "@every 1h" notify
"$work/pollhook" run --config "$work/p.toml" 2>"$work/run.log" &
daemon=$!
pids+=("$daemon")
ticks() { awk '{print $14 + $15}' "/proc/${1:-$daemon}/stat"; }
baselines() {
	curl -s http://127.0.0.1:$listen_port/metrics |
		awk '/^pollhook_polls_total\{.*result="baseline"/ { s += $NF } END { print s + 0 }'
}
until [ "$(baselines)" -ge "$n" ]; do sleep 1; done
t0=$(ticks)
a0=$(ticks "$api")
r0=$(ticks "$receiver")
start=$(date +%s.%N)
curl -s -X POST http://127.0.0.1:$api_port/-/change
"$work/pollhook" once --json --config "$work/p.toml" >/dev/null 2>&1 &
until [ "$(curl -s http://127.0.0.1:$receiver_port/stats | sed -E 's/.*"count":([0-9]+).*/\1/')" -ge "$n" ]; do sleep 0.2; done
# The end is when the last webhook arrived, not when this loop saw it.
end=$(date -d "$(curl -s http://127.0.0.1:$receiver_port/stats | sed -E 's/.*"last":"([^"]+)".*/\1/')" +%s.%N)
hz=$(getconf CLK_TCK)
cpu=$(echo "scale=2; ($(ticks) - $t0) / $hz" | bc)
peers=$(echo "scale=2; ($(ticks "$api") - $a0 + $(ticks "$receiver") - $r0) / $hz" | bc)
secs=$(echo "$end - $start" | bc)
echo "storm: N=$n: every webhook in ${secs}s, $(echo "scale=0; $n / $secs" | bc) changes/s, daemon CPU ${cpu}s, test API + receiver CPU ${peers}s"
