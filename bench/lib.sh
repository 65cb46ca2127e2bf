# Shared by the bench scripts: build the tools into $work, start and stop
# the test API and receiver, write a configuration of N watches.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
pids=()
# BENCH_PORT moves the ports (the API on it, the receiver on the next one,
# pollhook's listen ten above), so that two runs on one machine do not
# meet.
api_port=${BENCH_PORT:-18080}
receiver_port=$((api_port + 1))
listen_port=$((api_port + 10))
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

build() {
	(cd "$root" && go build -o "$work/pollhook" . &&
		for t in apiserver floor receiver measure; do go build -o "$work/$t" "./bench/cmd/$t"; done)
}

# start_api N: the API on 127.0.0.1:$api_port with N documents.
start_api() {
	"$work/apiserver" -addr "127.0.0.1:$api_port" -n "$1" >"$work/api.log" 2>&1 &
	pids+=($!)
	wait_port "$api_port"
}

start_receiver() {
	"$work/receiver" -addr "127.0.0.1:$receiver_port" >"$work/receiver.log" 2>&1 &
	pids+=($!)
	wait_port "$receiver_port"
}

# polls [RESULT]: how many polls the daemon on $listen_port has made (with
# that result), from its /metrics.
polls() {
	curl -s http://127.0.0.1:$listen_port/metrics |
		awk -v r="${1:-}" '/^pollhook_polls_total\{/ && (r == "" || index($0, "result=\"" r "\"")) { s += $NF } END { print s + 0 }'
}

# received FIELD: what the receiver's GET /stats says of FIELD (count,
# first, last).
received() { curl -s http://127.0.0.1:$receiver_port/stats | sed -E "s/.*\"$1\":\"?([^\",}]+).*/\1/"; }

wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	echo "bench: nothing listens on port $1" >&2
	exit 1
}

# config FILE N SCHEDULE [NOTIFY]: N watches of the test API; with NOTIFY,
# each notifies the receiver.
config() {
	local file=$1 n=$2 schedule=$3 notify=${4:-}
	{
		printf 'db = "%s/state.db"\nlisten = "127.0.0.1:%d"\nlog_level = "warn"\nmax_per_host = 64\nmax_concurrent = 64\n' "$work" "$listen_port"
		if [ -n "$notify" ]; then
			printf '\n[[target]]\nname = "hook"\nurl = "http://127.0.0.1:%d/hook"\n' "$receiver_port"
		fi
		for i in $(seq 0 $((n - 1))); do
			printf '\n[[watch]]\nname = "w%d"\nurl = "http://127.0.0.1:%d/w/%d"\nschedule = "%s"\nkey = "id"\n' "$i" "$api_port" "$i" "$schedule"
			if [ -n "$notify" ]; then printf 'notify = ["hook"]\n'; else printf 'errors_to = []\n'; fi
		done
	} >"$file"
}
