# Shared by the bench scripts: build the tools into $work, start and stop
# the test API and receiver, write a configuration of N watches.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
pids=()
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

# start_api N: the API on 127.0.0.1:18080 with N documents.
start_api() {
	"$work/apiserver" -n "$1" >"$work/api.log" 2>&1 &
	pids+=($!)
	wait_port 18080
}

start_receiver() {
	"$work/receiver" >"$work/receiver.log" 2>&1 &
	pids+=($!)
	wait_port 18081
}

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
		printf 'db = "%s/state.db"\nlisten = "127.0.0.1:18090"\nlog_level = "warn"\nmax_per_host = 64\nmax_concurrent = 64\n' "$work"
		if [ -n "$notify" ]; then
			printf '\n[[target]]\nname = "hook"\nurl = "http://127.0.0.1:18081/hook"\n'
		fi
		for i in $(seq 0 $((n - 1))); do
			printf '\n[[watch]]\nname = "w%d"\nurl = "http://127.0.0.1:18080/w/%d"\nschedule = "%s"\nkey = "id"\n' "$i" "$i" "$schedule"
			if [ -n "$notify" ]; then printf 'notify = ["hook"]\n'; else printf 'errors_to = []\n'; fi
		done
	} >"$file"
}
