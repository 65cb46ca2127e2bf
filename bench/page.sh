#!/usr/bin/env bash
# page.sh: the status page of a daemon at N watches (default 10000) with
# EVENTS change events stored (default 100000, spread over the watches),
# each delivered to the local receiver. Once the daemon has delivered
# them all and polled every watch, GET / is fetched ROUNDS times (default
# 10). Prints the median and the slowest time of GET /, the size of the
# page, and the daemon's resident memory before the first GET and after
# the last (its peak, which the start's polls and deliveries set, is
# printed too).
#
#	bench/page.sh [N] [EVENTS] [ROUNDS]
. "$(dirname "$0")/lib.sh"
n=${1:-10000}
events=${2:-100000}
rounds=${3:-10}
build
(cd "$root" && go build -o "$work/filloutbox" ./internal/testkit/filloutbox)
start_api "$n"
start_receiver
# filloutbox names its watches watch-000, watch-001, …
"$work/filloutbox" -db "$work/state.db" -n "$events" -watches "$n" -targets hook
{
	printf 'db = "%s/state.db"\nlisten = "127.0.0.1:%d"\nlog_level = "warn"\n' "$work" "$listen_port"
	printf '\n[[target]]\nname = "hook"\nurl = "http://127.0.0.1:%d/hook"\n' "$receiver_port"
	for i in $(seq 0 $((n - 1))); do
		printf '\n[[watch]]\nname = "watch-%03d"\nurl = "http://127.0.0.1:%d/w/%d"\nschedule = "@every 1h"\nkey = "id"\nnotify = ["hook"]\n' \
			"$i" "$api_port" "$i"
	done
} >"$work/p.toml"
"$work/pollhook" run --config "$work/p.toml" 2>"$work/run.log" &
daemon=$!
pids+=("$daemon")
wait_port "$listen_port"
until [ "$(polls)" -ge "$n" ] && [ "$(received count)" -ge "$events" ]; do sleep 1; done
rss() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$daemon/status"; }
before=$(rss)
times=()
for _ in $(seq "$rounds"); do
	read -r t size < <(curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$listen_port/")
	times+=("$t")
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }')
slowest=$(echo "$sorted" | tail -1)
after=$(rss)
hwm=$(awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$daemon/status")
echo "page: N=$n, $events events: GET / median ${median}s, slowest ${slowest}s, $size bytes; daemon RSS ${before} MiB before, ${after} MiB after (peak ${hwm} MiB)"
