#!/usr/bin/env bash
# storm.sh: N watches (default 10000) of the test API, each notifying the
# local receiver; once the daemon has stored every baseline (its polls at
# start), every document changes at once and the daemon polls them all:
# at once, asked by POST /api/once (what `pollhook once` sends a running
# daemon), or, with STORM_TRIGGER=schedule, on their own schedule
# (`* * * * *`: all due at the same minute, as a fleet of watches on one
# cron schedule is). Prints how long until the receiver has the first and
# every webhook, the rate in changes per second, and the CPU time the
# daemon spent meanwhile (steadier than the rate on a shared machine),
# and the CPU time the test API and the receiver spent, which share the
# machine.
#
#	bench/storm.sh [N]
#	STORM_TRIGGER=schedule bench/storm.sh [N]
. "$(dirname "$0")/lib.sh"
n=${1:-10000}
trigger=${STORM_TRIGGER:-api}
case $trigger in
api) schedule="@every 1h" ;;
schedule) schedule="* * * * *" ;;
*)
	echo "storm: STORM_TRIGGER is api or schedule, not $trigger" >&2
	exit 2
	;;
esac
build
start_api "$n"
api=${pids[-1]}
start_receiver
receiver=${pids[-1]}
config "$work/p.toml" "$n" "$schedule" notify
"$work/pollhook" run --config "$work/p.toml" 2>"$work/run.log" &
daemon=$!
pids+=("$daemon")
ticks() { awk '{print $14 + $15}' "/proc/${1:-$daemon}/stat"; }
until [ "$(polls baseline)" -ge "$n" ]; do sleep 1; done
if [ "$trigger" = schedule ]; then
	# Change the documents between two rounds: at least 20 s after one
	# minute began (its polls, of unchanged documents, are over), and 10 s
	# before the next, when every watch is due.
	# Every round polls each watch once: the last is over when the polls
	# are a multiple of N.
	until s=$((10#$(date +%S))) && [ "$s" -ge 20 ] && [ "$s" -lt 50 ] && [ $(($(polls) % n)) -eq 0 ]; do sleep 1; done
fi
t0=$(ticks)
a0=$(ticks "$api")
r0=$(ticks "$receiver")
curl -s -X POST http://127.0.0.1:$api_port/-/change
if [ "$trigger" = schedule ]; then
	start=$((($(date +%s) / 60 + 1) * 60))
else
	start=$(date +%s.%N)
	curl -s -o /dev/null -X POST -d '{}' http://127.0.0.1:$listen_port/api/once &
fi
until [ "$(received count)" -ge "$n" ]; do sleep 0.2; done
# The end is when the last webhook arrived, not when this loop saw it.
first=$(date -d "$(received first)" +%s.%N)
end=$(date -d "$(received last)" +%s.%N)
hz=$(getconf CLK_TCK)
cpu=$(echo "scale=2; ($(ticks) - $t0) / $hz" | bc)
peers=$(echo "scale=2; ($(ticks "$api") - $a0 + $(ticks "$receiver") - $r0) / $hz" | bc)
secs=$(echo "$end - $start" | bc)
if [ "$(echo "$first < $start" | bc)" -eq 1 ]; then
	echo "storm: a webhook came before the storm began: the round before it was not over" >&2
	exit 1
fi
echo "storm ($trigger): N=$n: first webhook after $(echo "$first - $start" | bc)s, every webhook in ${secs}s, $(echo "scale=0; $n / $secs" | bc) changes/s, daemon CPU ${cpu}s, test API + receiver CPU ${peers}s"
