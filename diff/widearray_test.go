package diff

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// TestDiffer_Diff_wideArraySame checks that arraysWide reports what
// listing the elements does, on the cases where the two differ most in how
// they work: ignored elements, keys a query must tell apart as gjson does
// (strings and numbers, numbers past float64 precision), duplicate keys,
// keys only in the new array, escaped keys, moves, and errors.
func TestDiffer_Diff_wideArraySame(t *testing.T) {
	t.Parallel()
	keyed := func(prefix string, n int) string {
		return joinN("[", "]", n, func(i int) string { return fmt.Sprintf(`{"id":"%s%d","v":%d}`, prefix, i, i%7) })
	}
	all := Options{Include: []string{"patch", "document", "previous"}}
	with := func(o Options) Options {
		o.Include = all.Include
		return o
	}
	tests := []bothWaysCase{
		{"ignored elements", with(Options{Ignore: []string{"1", "4"}}), `[1,2,3,4,5,6,7]`, `[1,9,3,4,8,6]`},
		{"ignored elements, keyed", with(Options{Key: "id", Ignore: []string{"0", "3"}}),
			`[{"id":1},{"id":2},{"id":3,"v":1},{"id":4}]`, `[{"id":9},{"id":3,"v":2},{"id":2},{"id":1}]`},
		{"ignored elements, set", with(Options{Key: ".", Ignore: []string{"1"}}), `["a","b","c","a"]`, `["c","x","d","a"]`},
		{"every element ignored", with(Options{Ignore: []string{"#"}}), `[1,2]`, `[3]`},
		{"keyed by index path", with(Options{Keys: map[string]string{"1": "id", "1.#.t": "."}}),
			`[[{"id":1}],[{"id":1,"t":["a"]},{"id":2}]]`, `[[{"id":2}],[{"id":2},{"id":1,"t":["b","a"]}]]`},
		{"string and number keys", with(Options{Key: "id"}),
			`[{"id":1,"v":1},{"id":"1","v":1},{"id":1.0,"v":1},{"id":"x"},{"id":0}]`,
			`[{"id":"1","v":2},{"id":1,"v":2},{"id":"x","v":1},{"id":1,"v":3},{"id":0,"v":1}]`},
		{"string keys only", with(Options{Key: "id"}), `[{"id":"3"},{"id":"b"}]`, `[{"id":"b","v":1},{"id":"3","v":1},{"id":"true"}]`},
		{"number keys only", with(Options{Key: "id"}), `[{"id":3},{"id":-0},{"id":1e2}]`, `[{"id":100,"v":1},{"id":0,"v":1},{"id":3.0,"v":1}]`},
		{"numbers past float64 precision", with(Options{Key: "id"}),
			`[{"id":12345678901234567890},{"id":12345678901234567891},{"id":1e400},{"id":2e400}]`,
			`[{"id":12345678901234567891,"v":1},{"id":12345678901234567890,"v":1},{"id":2e400,"v":1},{"id":1e400,"v":1}]`},
		{"set of mixed scalars", with(Options{Key: "."}), `["1",1,"a",0,true,null,{"a":1},[1],"true",1e400]`,
			`[1,"1",0,"b",false,{"a":2},[1],"false",2e400,"a"]`},
		{"set of numbers", with(Options{Key: "."}), `[1,2,3,4,5,6,7,8,9,10]`, `[10,9,8,7,6,5,4,3,2,11,1.0]`},
		{"set duplicates", with(Options{Key: "."}), `["a","a","b","a","c","c"]`, `["c","a","b","b","a","a","a","d","d"]`},
		// Without a patch, a set whose changes are all of one kind is not
		// stabilized: the order of its changes must not show it.
		{"set moved, values removed, no patch", Options{Key: "."}, `["a","b","c","a","x","b","y","c"]`, `["c","b","a","c","b","a"]`},
		{"set moved, values added, no patch", Options{Key: "."}, `["a","b","c","a","b"]`, `["b","x","a","c","y","a","b","z"]`},
		{"set moved, values added and removed, no patch", Options{Key: "."},
			`["a","b","r","c","a","s","b"]`, `["b","x","a","c","y","a","b"]`},
		{"set moved, one kind, max_changes", Options{Key: ".", MaxChanges: 2}, `["p","a","q","b","r","a"]`, `["a","b","a"]`},
		{"keys found many times", with(Options{Key: "id"}),
			`[{"id":1,"v":1},{"id":2},{"id":1,"v":2},{"id":1,"v":3},{"id":2,"v":1},{"id":1}]`,
			`[{"id":2,"v":1},{"id":1,"v":3},{"id":1},{"id":1,"v":1},{"id":1,"v":4},{"id":1,"v":5},{"id":2}]`},
		{"keyed duplicates", with(Options{Key: "id"}),
			`[{"id":1,"v":1},{"id":1,"v":2},{"id":2},{"id":1,"v":3}]`,
			`[{"id":1,"v":3},{"id":2},{"id":1,"v":1},{"id":1,"v":9},{"id":1,"v":2},{"id":1}]`},
		{"composite keys", with(Options{Key: "a,b"}),
			`[{"a":1,"b":"x","v":1},{"a":"1","b":"x"},{"a":1,"b":"y"},{"a":1}]`,
			`[{"a":1,"b":"y","v":1},{"a":1,"b":"x","v":2},{"a":"1","b":"x","v":2},{"b":"x"},{"a":1}]`},
		{"composite keys of one kind", with(Options{Key: "a,b"}),
			`[{"a":1,"b":"x","v":1},{"a":2,"b":"x"}]`, `[{"a":2,"b":"x","v":1},{"a":1,"b":"x","v":2},{"a":1,"b":"z"}]`},
		{"escaped keys", with(Options{Key: "id"}), `[{"id":"\u0041","v":1},{"id":"b\n"}]`, `[{"id":"A","v":2},{"id":"b\u000a","v":1}]`},
		{"field with a control character", with(Options{Key: "\x01a"}), `[{"\u0001a":1,"v":1}]`, `[{"\u0001a":1,"v":2}]`},
		{"string keys true and false", with(Options{Key: "id"}), `[{"id":"true","v":1},{"id":false}]`, `[{"id":"true","v":2},{"id":false,"v":1}]`},
		{"many new keys", with(Options{Key: "id"}), keyed("o", 20), keyed("n", 400)},
		{"all keys new", with(Options{Key: "."}), `["a","b","c"]`, `["d","e","f","g"]`},
		{"moves", with(Options{Key: "id"}),
			`[{"id":1},{"id":2},{"id":3,"v":1},{"id":4},{"id":5}]`, `[{"id":5},{"id":3,"v":2},{"id":1},{"id":4},{"id":2,"v":1}]`},
		{"moved unkeyed elements", with(Options{Key: "id"}), `[{"x":1},{"id":1},{"x":2},{"id":2}]`, `[{"id":2},{"x":2},{"id":1},{"x":1}]`},
		{"keyed values spelled differently", with(Options{Key: "id"}),
			`[{"id":1,"v":1.0,"w":[1, 2]},{"id":2,"v":12}]`, `[{"id":1,"v":1,"w":[1,2]},{"id":2,"v":123}]`},
		{"nested arrays", with(Options{}), `[[1,2],[3,[4,5]],[6]]`, `[[1,3],[3,[4,6],7],[6],[]]`},
		{"nested keyed arrays", with(Options{Key: "id", Keys: map[string]string{"#.c": "id"}}),
			`[{"id":1,"c":[{"id":1,"v":1},{"id":2}]}]`, `[{"id":1,"c":[{"id":2,"v":1},{"id":1,"v":2}]}]`},
		{"when, on, max_changes", Options{Key: "id", When: "v>1", On: []Op{Added, Changed}, MaxChanges: 2, Include: all.Include},
			`[{"id":1,"v":1},{"id":2,"v":2,"w":1},{"id":3,"v":3}]`, `[{"id":1,"v":2},{"id":2,"v":2,"w":2},{"id":4,"v":5},{"id":5,"v":0}]`},
		{"when on unkeyed elements", Options{When: "a>1", Include: all.Include}, `[{"a":1},{"a":2},{"a":3}]`, `[{"a":2,"b":1},{"a":2,"b":1},{"a":4}]`},
		{"reversed", with(Options{}), `[1,2,3,4,5,6,7,8,9]`, `[9,8,7,6,5,4,3,2,1]`},
		{"empty arrays", with(Options{}), `[]`, `[ ]`},
		{"to empty", with(Options{Key: "id"}), `[{"id":1},{"id":2}]`, `[]`},
		{"root scalar to array", with(Options{}), `1`, `[1]`},
		{"invalid old", with(Options{}), `[1,2,]`, `[1]`},
		{"invalid separator", with(Options{}), `[1,2]`, `[1 2]`},
		{"invalid new", with(Options{Key: "id"}), `[{"id":1}]`, `[{"id":1} {"id":2}]`},
		{"truncated new", with(Options{Key: "."}), `["a"]`, `["a",`},
		{"data after the value", with(Options{}), `[1]`, `[2]x`},
		{"bad element", with(Options{Key: "id"}), `[{"id":1}]`, `[{"id":1},{"id":}]`},
	}
	runBothWays(t, tests)
}

// TestDiffer_Diff_wideArrayRandom compares both ways on random arrays of
// up to 80 elements from small alphabets, edited as APIs edit lists
// (insertions, removals, changes, moved runs), for option sets the
// property test leaves out: ignored elements, keys given by index, and
// sets of objects.
func TestDiffer_Diff_wideArrayRandom(t *testing.T) {
	t.Parallel()
	n := runs(1500)
	r := rand.New(rand.NewSource(4))
	opts := append(fuzzOptions(),
		Options{Ignore: []string{"1", "5", "#.a"}},
		Options{Key: "id", Ignore: []string{"0", "7"}},
		Options{Key: ".", Ignore: []string{"2"}},
		Options{Keys: map[string]string{"3": "id", "#.c": "."}},
		Options{Key: "id", When: "v>0", On: []Op{Added, Removed}, MaxChanges: 3},
	)
	elem := func() string {
		switch r.Intn(6) {
		case 0:
			return fmt.Sprint(r.Intn(5))
		case 1:
			return []string{`"a"`, `"3"`, `"true"`, `"\u0041"`, `1.0`, `12345678901234567890`, `null`, `3`}[r.Intn(8)]
		case 2:
			return fmt.Sprintf(`{"id":%d,"v":%d}`, r.Intn(8), r.Intn(3))
		case 3:
			return fmt.Sprintf(`{"id":"%d","v":%d,"c":[%d,%d]}`, r.Intn(4), r.Intn(3), r.Intn(3), r.Intn(3))
		case 4:
			return fmt.Sprintf(`{"a":%d,"b":"%c"}`, r.Intn(3), 'x'+r.Intn(2))
		default:
			return fmt.Sprintf(`[%d,%d]`, r.Intn(2), r.Intn(2))
		}
	}
	doc := func(es []string) []byte {
		return []byte("[" + strings.Join(es, ",") + "]")
	}
	for i := range n {
		a := make([]string, r.Intn(80))
		for k := range a {
			a[k] = elem()
		}
		b := append([]string(nil), a...)
		for e := r.Intn(12); e > 0 && len(b) > 0; e-- {
			k := r.Intn(len(b))
			switch r.Intn(5) {
			case 0:
				b = append(b[:k], b[k+1:]...)
			case 1:
				b = append(b[:k], append([]string{elem()}, b[k:]...)...)
			case 2:
				b[k] = elem()
			case 3: // a run moved
				m := min(len(b)-k, 1+r.Intn(5))
				run := append([]string(nil), b[k:k+m]...)
				b = append(b[:k], b[k+m:]...)
				at := r.Intn(len(b) + 1)
				b = append(b[:at], append(run, b[at:]...)...)
			default:
				b = append(b, elem())
			}
		}
		da, db := doc(a), doc(b)
		o := opts[i%len(opts)]
		sameBothWays(t, o, da, db) // no patch: sets may skip stabilizing
		o.Include = []string{"patch", "document", "previous"}
		sameBothWays(t, o, da, db)
		// The patch's invariant holds up to ignore, which does not hold
		// for ignored indices once the patch has moved the elements.
		if i%10 == 0 && i%len(opts) < len(fuzzOptions()) && fuzzable(da) && fuzzable(db) {
			checkInvariants(t, opts[i%len(opts)], da, db)
		}
		if t.Failed() {
			return
		}
	}
}

// TestDiffer_Diff_wideArrayEditCap diffs arrays too long or too different
// for the edit cap both ways: the middle is paired by position.
func TestDiffer_Diff_wideArrayEditCap(t *testing.T) {
	t.Parallel()
	var a, b, c bytes.Buffer
	for k := range 20000 {
		sep := ","
		if k == 0 {
			sep = "["
		}
		fmt.Fprintf(&a, "%s%d", sep, k%1000)
		fmt.Fprintf(&b, "%s%d", sep, (19999-k)%1000)
		if k%100 == 3 { // 200 edits: past the cap of 2^25/40000 edits
			fmt.Fprintf(&c, "%s%d,%d", sep, 5000+k, k%1000)
		} else {
			fmt.Fprintf(&c, "%s%d", sep, k%1000)
		}
	}
	a.WriteByte(']')
	b.WriteByte(']')
	c.WriteByte(']')
	for _, o := range []Options{{}, {Include: []string{"patch"}, MaxChanges: 10}} {
		sameBothWays(t, o, a.Bytes(), b.Bytes())
		sameBothWays(t, o, a.Bytes(), c.Bytes())
		sameBothWays(t, o, c.Bytes(), a.Bytes())
	}
}
