package diff

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// scratchPairs are document pairs of different shapes (keyed arrays,
// nested objects, escaped names, a wide object, a deep one) for one
// Differ to diff in turn, so that each diff runs on the stacks the one
// before it left.
func scratchPairs(t *testing.T) [][2][]byte {
	t.Helper()
	status := readTestdata(t, "statuspage_githubstatus_summary_2022-11-25.json")
	releases := readTestdata(t, "github_releases_github-hub_2019-10-03.json")
	// 3,000 members, every 500th of them times sign
	wide := func(sign int) []byte {
		return []byte(joinN("{", "}", 3000, func(i int) string {
			if i%500 == 7 {
				return fmt.Sprintf(`"m%d":%d`, i, sign*i)
			}
			return fmt.Sprintf(`"m%d":%d`, i, i)
		}))
	}
	return [][2][]byte{
		{status, bytes.Replace(status, []byte(`"status": "operational"`), []byte(`"status": "major_outage"`), 2)},
		{releases, mutate(t, releases, func(v any) any {
			rs := v.([]any)
			obj(rs[3])["name"] = "renamed"
			return append(rs[1:], rs[0])
		})},
		{[]byte(`{"a\"b":{"x":[1,2,3]},"c":"d"}`), []byte(`{"a\"b":{"x":[1,3]},"c":"e","f":null}`)},
		{wide(1), wide(-1)},
		{deepDoc(`{"a":[1,`, "2", `]}`, 40), deepDoc(`{"a":[1,`, "3", `]}`, 40)},
		{status, status},
	}
}

// deepDoc is leaf nested n times in open and close.
func deepDoc(open, leaf, close string, n int) []byte {
	return []byte(strings.Repeat(open, n) + leaf + strings.Repeat(close, n))
}

// freshResults are the results of pairs from Differs of o that never
// diffed before.
func freshResults(t *testing.T, o Options, pairs [][2][]byte) []*Result {
	t.Helper()
	want := make([]*Result, len(pairs))
	for i, p := range pairs {
		r, err := mustCompile(t, o).Diff(JSON, p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		want[i] = r
	}
	return want
}

// A Differ lends a diff's stacks to the next (scratch): each result must be
// what a Differ that never diffed before gives, and a result must not
// change when later diffs reuse the stacks.
func TestDiff_ScratchReusedGivesTheSameResults(t *testing.T) {
	opts := Options{Keys: map[string]string{"components": "id", "incidents": "id", "": "id"}, Include: []string{"patch"}}
	pairs := scratchPairs(t)
	want := freshResults(t, opts, pairs)
	d := mustCompile(t, opts)
	var kept []*Result
	for round := range 3 {
		for i, p := range pairs {
			r, err := d.Diff(JSON, p[0], p[1])
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r, want[i]) {
				t.Fatalf("round %d, pair %d: reused stacks gave\n%+v\nwant\n%+v", round, i, r, want[i])
			}
			kept = append(kept, r)
		}
	}
	for k, r := range kept {
		if !reflect.DeepEqual(r, want[k%len(pairs)]) {
			t.Errorf("result %d changed after later diffs:\n%+v\nwant\n%+v", k, r, want[k%len(pairs)])
		}
	}
}

// Diffs of one Differ on several goroutines at once each get their own
// stacks (run with -race).
func TestDiff_ScratchConcurrent(t *testing.T) {
	opts := Options{Keys: map[string]string{"components": "id", "incidents": "id", "": "id"}}
	pairs := scratchPairs(t)
	want := freshResults(t, opts, pairs)
	d := mustCompile(t, opts)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for k := range 3 * len(pairs) {
				i := (g + k) % len(pairs)
				r, err := d.Diff(JSON, pairs[i][0], pairs[i][1])
				if err != nil {
					t.Error(err)
					return
				}
				if !reflect.DeepEqual(r, want[i]) {
					t.Errorf("goroutine %d, pair %d: got %+v, want %+v", g, i, r, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// A diff of a large or deep document does not lend its stacks: what a
// Differ's pool holds stays small whatever the documents were.
func TestDiff_ScratchNotKeptFromLargeDocuments(t *testing.T) {
	pairs := scratchPairs(t)
	wide, deep := pairs[3], pairs[4]
	hugeOld, hugeNew := productsDocs(5000)
	deeper := [2][]byte{deepDoc(`{"a":`, "1", `}`, 100), deepDoc(`{"a":`, "2", `}`, 100)}
	for _, p := range [][2][]byte{wide, deep, {hugeOld, hugeNew}, deeper} {
		d := mustCompile(t, Options{Key: "id"})
		d.wide, d.wideArr = 0, 0 // the wide paths, with their segments
		if _, err := d.Diff(JSON, p[0], p[1]); err != nil {
			t.Fatal(err)
		}
		sc, ok := d.scratch.Get().(*scratch)
		if !ok {
			continue // not kept
		}
		for name, n := range map[string]int{"estack": cap(sc.estack), "mstack": cap(sc.mstack), "wtab": cap(sc.wtab),
			"woff": sc.woff.capacity(), "wmatch": sc.wmatch.capacity(), "wnoff": sc.wnoff.capacity(),
			"old frames": cap(sc.scans[0].stack), "new frames": cap(sc.scans[1].stack),
			"old string": cap(sc.scans[0].buf), "new string": cap(sc.scans[1].buf)} {
			if n > maxScratch {
				t.Errorf("%.20s…: kept %s of %d entries, want at most %d", p[0], name, n, maxScratch)
			}
		}
		if len(sc.levels) > maxScratchLevels {
			t.Errorf("%.20s…: kept %d levels, want at most %d", p[0], len(sc.levels), maxScratchLevels)
		}
	}
}
