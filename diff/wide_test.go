package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// TestDiffer_Diff_wideSame checks that objectsWide reports what listing
// the members does, on the cases where the two differ most in how they
// work: duplicate and escaped names, values equal by their bytes or only
// by their fingerprints, and scan states that differ between the sides.
// bothWaysCase is a pair of documents to diff both ways (sameBothWays).
type bothWaysCase struct {
	name     string
	opts     Options
	old, new string
}

// runBothWays diffs each case both ways, old to new and new to old.
func runBothWays(t *testing.T, tests []bothWaysCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sameBothWays(t, tt.opts, []byte(tt.old), []byte(tt.new))
			sameBothWays(t, tt.opts, []byte(tt.new), []byte(tt.old))
		})
	}
}

// runs is how many random cases a test tries: n, a tenth of it with
// -short.
func runs(n int) int {
	if testing.Short() {
		return n / 10
	}
	return n
}

// joinN joins n items, item(0) to item(n-1), with commas between open
// and close.
func joinN(open, close string, n int, item func(i int) string) string {
	var b strings.Builder
	b.WriteString(open)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(item(i))
	}
	b.WriteString(close)
	return b.String()
}

func TestDiffer_Diff_wideSame(t *testing.T) {
	t.Parallel()
	many := func(prefix string, n int) string {
		return joinN("{", "}", n, func(i int) string { return fmt.Sprintf(`"%s%d":%d`, prefix, i, i) })
	}
	tests := []bothWaysCase{
		{"duplicates in old", Options{}, `{"a":1,"a":2,"b":1,"a":3}`, `{"a":1,"b":2}`},
		{"duplicates in new", Options{}, `{"a":1,"b":1}`, `{"b":1,"c":1,"a":2,"c":2,"a":1}`},
		{"duplicates of a new name", Options{}, `{}`, `{"x":1,"x":2,"y":[],"x":3}`},
		{"escaped names", Options{}, `{"\u0041":1,"b\n":{"x":1}}`, `{"A":2,"b\u000a":{"x":2}}`},
		{"escaped duplicates", Options{}, `{"A":1,"\u0041":2}`, `{"\u0041":3,"A":1,"\"":1}`},
		{"escaped names in a nested wide object", Options{}, `{"\u00e9":{"\u00e9":1,"b":2}}`, `{"é":{"é":2}}`},
		{"number that extends another", Options{}, `{"a":12,"b":-1,"c":1e5,"d":0}`, `{"a":123,"b":-12,"c":1e50,"d":0.5}`},
		{"number spelled differently", Options{}, `{"a":1,"b":100,"c":-0}`, `{"a":1.0,"b":1e2,"c":0}`},
		{"literal and string", Options{}, `{"a":true,"b":null,"c":"x"}`, `{"a":"true","b":"null","c":"x\u0020"}`},
		{"whitespace and key order", Options{}, `{"a" : [1, 2], "b":{"x":1,"y":2}}`, `{"b":{"y":2,"x":1},"a":[1,2]}`},
		{"reordered, removed where they were", Options{}, `{"a":1,"b":2,"c":3,"d":4,"e":5}`, `{"e":5,"c":30,"a":1,"f":6}`},
		{"pointer and path escapes", Options{Include: []string{"patch"}}, `{"~/":1,"":{"":1},"a.b":1,"*":1}`, `{"~/":2,"":{"":2},"a.b":2,"?":1}`},
		{"many new names", Options{Include: []string{"patch"}}, `{"a":1}`, many("n", 300)},
		{"all names new", Options{}, many("o", 200), many("n", 200)},
		{"ignored member", Options{Ignore: []string{"u", "*.u"}}, `{"u":1,"a":{"u":1,"v":1}}`, `{"a":{"v":1,"u":2},"u":2}`},
		// Element 0 of the old array is element 1 of the new one: its
		// member a reads the same bytes, but b is ignored only in the old.
		{"scan states differ", Options{Key: "id", Ignore: []string{"0.a.b"}},
			`[{"id":1,"a":{"b":1}},{"id":2}]`, `[{"id":2},{"id":1,"a":{"b":1}}]`},
		{"keyed arrays in members", Options{Keys: map[string]string{"*": "id"}},
			`{"x":[{"id":1,"v":1}],"y":[{"id":2}]}`, `{"y":[{"id":2,"v":2}],"x":[{"id":1,"v":1}]}`},
		{"when, on, max_changes", Options{When: "a>1", On: []Op{Added, Changed}, MaxChanges: 2, Include: []string{"patch", "document", "previous"}},
			`[{"a":1,"b":1},{"a":2,"b":1,"c":1}]`, `[{"a":1,"b":2},{"a":2,"b":2,"d":1,"e":1}]`},
		{"empty objects", Options{}, `{}`, `{}`},
		{"root scalar to object", Options{}, `1`, `{"a":1}`},
		{"invalid old", Options{}, `{"a":1,}`, `{"a":1}`},
		{"invalid new", Options{}, `{"a":1}`, `{"a" 1}`},
		{"truncated new", Options{}, `{"a":1}`, `{"a":{"b":1}`},
		{"data after the value", Options{}, `{"a":1}`, `{"a":2}x`},
		{"bad name", Options{}, `{"a":1}`, `{"a":1,2:3}`},
	}
	runBothWays(t, tests)
}

// TestDiffer_Diff_wideRandom compares both ways on random documents with
// duplicate member names, which the property test leaves out (gjson and
// JSON Patch read duplicates differently).
func TestDiffer_Diff_wideRandom(t *testing.T) {
	t.Parallel()
	n := runs(1000)
	g := gen{rand.New(rand.NewSource(3))}
	var dupes func(v any) any
	dupes = func(v any) any {
		switch x := v.(type) {
		case []any:
			for i := range x {
				x[i] = dupes(x[i])
			}
		case []kv:
			for i := range x {
				x[i].v = dupes(x[i].v)
			}
			if len(x) > 0 && g.r.Intn(2) == 0 {
				d := kv{x[g.r.Intn(len(x))].k, g.value(2)}
				at := g.r.Intn(len(x) + 1)
				x = append(x[:at], append([]kv{d}, x[at:]...)...)
			}
			return x
		}
		return v
	}
	for i := range n {
		a := g.value(0)
		b := g.mutate(a, 0)
		da, db := g.doc(dupes(a)), g.doc(dupes(b))
		for v := range fuzzOptions() {
			sameBothWays(t, fuzzOpts(uint8(v)), da, db)
		}
		sameBothWays(t, fullOpts(uint8(i), i), da, db)
	}
}

// TestDiffer_Diff_wideRecorded diffs a recorded npm packument (an object
// of 16 members, three of them objects of 160 to 727 members) as a new
// version is published: with the default threshold the packument and its
// wide members take objectsWide, the small ones are listed.
func TestDiffer_Diff_wideRecorded(t *testing.T) {
	t.Parallel()
	raw := readTestdata(t, "npm_registry_react_2018-10-25.json")
	old := mutate(t, raw, func(v any) any { return v })
	new := mutate(t, raw, func(v any) any {
		p := obj(v)
		vs := obj(p["versions"])
		nv := map[string]any{}
		for k, x := range obj(vs["16.6.0"]) {
			nv[k] = x
		}
		nv["version"] = "16.6.1"
		nv["_id"] = "react@16.6.1"
		vs["16.6.1"] = nv
		tm := obj(p["time"])
		tm["16.6.1"] = "2018-11-06T18:55:07.000Z"
		tm["modified"] = "2018-11-06T18:55:10.000Z"
		obj(p["dist-tags"])["latest"] = "16.6.1"
		us := obj(p["users"])
		delete(us, "3boll")
		us["zz-new-user"] = true
		p["_rev"] = "1178-0000"
		return v
	})
	opts := Options{Ignore: []string{"readme"}}
	d := mustCompile(t, opts)
	r, err := d.Diff(JSON, old, new)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range r.Changes {
		got = append(got, fmt.Sprintf("%s %s", c.Op, c.Path))
	}
	want := []string{
		"changed _rev",
		"changed dist-tags.latest",
		`added time.16\.6\.1`,
		"changed time.modified",
		`removed users.3boll`,
		`added users.zz-new-user`,
		`added versions.16\.6\.1`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var nv bytes.Buffer
	if err := json.Compact(&nv, r.Changes[len(r.Changes)-1].New); err != nil || !bytes.Contains(nv.Bytes(), []byte(`"version":"16.6.1"`)) {
		t.Errorf("added version: %.200s (%v)", nv.Bytes(), err)
	}
	checkInvariants(t, opts, old, new)
	sameBothWays(t, Options{Include: []string{"patch", "document", "previous"}}, old, new)
}
