package diff

import "slices"

// Bounds on Myers' algorithm: it costs O((N+M)·D) time and, with the
// trace kept for backtracking, O(D²) memory. Beyond these many edits the
// middle (after trimming the common prefix and suffix) is left unmatched
// and callers pair it positionally.
const (
	maxEdits    = 1024
	editsBudget = 1 << 25 // (N+M)·D
)

// pair is a matched (old, new) index pair.
type pair struct{ o, n int32 }

// lcs returns the index pairs of a longest common subsequence of a and b
// (Myers' O(ND) algorithm), in increasing order. When more than the edit
// cap would be needed, it returns only the common prefix and suffix.
func lcs(a, b []uint64) []pair {
	var pre int
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	var suf int
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	pairs := make([]pair, 0, pre+suf)
	for i := 0; i < pre; i++ {
		pairs = append(pairs, pair{int32(i), int32(i)})
	}
	pairs = append(pairs, myers(a[pre:len(a)-suf], b[pre:len(b)-suf], pre)...)
	for i := suf; i > 0; i-- {
		pairs = append(pairs, pair{int32(len(a) - i), int32(len(b) - i)})
	}
	return pairs
}

// editLimit is how many edits myers looks for between n and m elements
// before giving up: maxEdits, or fewer for long inputs, so that its trace
// stays within editsBudget.
func editLimit(n, m int) int {
	limit := n + m
	if limit > maxEdits {
		limit = maxEdits
	}
	if budget := editsBudget / (n + m); limit > budget {
		limit = budget
	}
	return limit
}

// myers matches the middle parts; off is added to every index.
func myers(a, b []uint64, off int) []pair {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return nil
	}
	limit := editLimit(n, m)
	vo := limit + 1
	v := make([]int32, 2*limit+3)
	var tr []int32
	found := -1
	for d := 0; d <= limit && found < 0; d++ {
		tr = traceStep(tr, v, vo, d)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[vo+k-1] < v[vo+k+1]) {
				x = int(v[vo+k+1])
			} else {
				x = int(v[vo+k-1]) + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[vo+k] = int32(x)
			if x >= n && y >= m {
				found = d
				break
			}
		}
	}
	if found < 0 {
		return nil
	}
	var pairs []pair
	for _, r := range backtrack(tr, found, n, m, off, nil) {
		for t := range r.len {
			pairs = append(pairs, pair{int32(r.o + t), int32(r.n + t)})
		}
	}
	return pairs
}

// run is a run of matched pairs: old o+t with new n+t for t < len.
type run struct{ o, n, len int }

// traceStep appends to the trace what backtracking reads of step d: the
// d values of v (offset vo) it starts from, on the diagonals -d+1 to d-1.
func traceStep(tr, v []int32, vo, d int) []int32 {
	for k := -d + 1; k <= d-1; k += 2 {
		tr = append(tr, v[vo+k])
	}
	return tr
}

// backtrack appends to runs, in order, the runs of the path that myers
// found to take found steps between n and m elements, from the trace
// traceStep kept; off is added to every index.
func backtrack(tr []int32, found, n, m, off int, runs []run) []run {
	at := func(d, k int) int { return int(tr[d*(d-1)/2+(k+d-1)/2]) }
	base := len(runs)
	x, y := n, m
	for d := found; d > 0; d-- {
		k := x - y
		pk := k - 1
		if k == -d || (k != d && at(d, k-1) < at(d, k+1)) {
			pk = k + 1
		}
		px := at(d, pk)
		py := px - pk
		if t := min(x-px, y-py); t > 0 {
			runs = append(runs, run{off + x - t, off + y - t, t})
		}
		x, y = px, py
	}
	if t := min(x, y); t > 0 {
		runs = append(runs, run{off + x - t, off + y - t, t})
	}
	slices.Reverse(runs[base:])
	return runs
}

// increasing marks the longest strictly increasing subsequence of the
// non-negative entries of m (entries < 0 are skipped).
func increasing(m []int32) []bool {
	keep := make([]bool, len(m))
	tails := make([]int32, 0, 16) // indices into m
	prev := make([]int32, len(m))
	for i, x := range m {
		if x < 0 {
			continue
		}
		lo, hi := 0, len(tails)
		for lo < hi {
			mid := (lo + hi) / 2
			if m[tails[mid]] < x {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		if lo > 0 {
			prev[i] = tails[lo-1]
		} else {
			prev[i] = -1
		}
		if lo == len(tails) {
			tails = append(tails, int32(i))
		} else {
			tails[lo] = int32(i)
		}
	}
	if len(tails) > 0 {
		for i := tails[len(tails)-1]; i >= 0; i = prev[i] {
			keep[i] = true
		}
	}
	return keep
}
