#!/usr/bin/env bash
# instructions.sh: the instructions one operation of a Go benchmark runs,
# counted by valgrind's callgrind: the same count, within about 0.5 %, on
# a quiet machine or a busy one, where times on a shared 2-core machine
# swing by a fifth. The benchmark runs at -test.benchtime 1x and Nx
# (default 5x), and the difference is divided by N - 1, so what the
# benchmark does before its loop is left out. GOMAXPROCS=1 makes the
# count repeatable, asyncpreemptoff keeps callgrind off Go's preemption
# signals, and GOGC=off (unless INSTR_GOGC says otherwise) leaves out
# the collector, whose share depends on timing. With BENCH_BEFORE=DIR the
# same benchmark of a checkout of another commit is counted too.
#
# callgrind has no SHA extensions: SHA-256 runs its AVX2 code, many more
# instructions than on this machine's CPU, and weighs more in a count
# than in a profile. Needs valgrind (Debian's package).
#
#	bench/instructions.sh ./config 'Parse/partial' [N]
#	BENCH_BEFORE=../before bench/instructions.sh ./store WatchStates
. "$(dirname "$0")/lib.sh"
pkg=${1:?package, as ./config}
bench=${2:?benchmark, as Parse/partial}
n=${3:-5}
if ! command -v valgrind >/dev/null; then
	echo "instructions: valgrind is not installed (apt-get install valgrind)" >&2
	exit 1
fi
# count BIN N: the instructions of BIN's benchmark at benchtime N.
count() {
	local out
	out=$(GOGC=${INSTR_GOGC:-off} GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind \
		--callgrind-out-file=/dev/null "$1" -test.run '^$' -test.bench "$bench" -test.benchtime "${2}x" 2>&1)
	if ! grep -q '^Benchmark' <<<"$out"; then
		echo "instructions: no benchmark of $1 matches $bench:" >&2
		tail -5 <<<"$out" >&2
		exit 1
	fi
	awk '/Collected/ { print $4 }' <<<"$out"
}
trees=("after=$root")
if [ -n "${BENCH_BEFORE:-}" ]; then trees=("before=$BENCH_BEFORE" "${trees[@]}"); fi
for t in "${trees[@]}"; do
	name=${t%%=*} dir=${t#*=}
	(cd "$dir" && go test -c -o "$work/$name.test" "$pkg")
	one=$(count "$work/$name.test" 1) || exit 1
	all=$(count "$work/$name.test" "$n") || exit 1
	echo "instructions: $name $pkg $bench: $(((all - one) / (n - 1))) per op (1x: $one, ${n}x: $all)"
done
