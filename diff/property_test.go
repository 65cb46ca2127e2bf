package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzOptions returns the option sets the property and fuzz tests run with.
func fuzzOptions() []Options {
	return []Options{
		{},
		{Key: "id"},
		{Key: "."},
		{Key: "id", Keys: map[string]string{"#.tags": ".", "#.v": "k"}, Ignore: []string{"#.u"}},
		{Ignore: []string{"*.x", "a", "#.b"}},
		{Key: "a,b"},
		{Keys: map[string]string{"*": "id", "*.#.v": "k"}},
		{Key: "id", Keys: map[string]string{"#.c": "id", "#.c.#.tags": "."}},
	}
}

func fuzzOpts(v uint8) Options { o := fuzzOptions(); return o[int(v)%len(o)] }

// fullOpts adds to fuzzOpts(v) the options that do not change the
// comparison but what is reported: on, when, max_changes, include.
func fullOpts(v uint8, i int) Options {
	o := fuzzOpts(v)
	o.Include = []string{"patch", "document", "previous"}
	o.MaxChanges = i % 4
	o.On = [][]Op{nil, {Added}, {Removed, Changed}}[i%3]
	switch i % 5 {
	case 0:
		o.When = "id>0"
	case 2:
		o.When = `op == "removed" || new?.id != old?.id || path contains "a"`
	}
	return o
}

// kv is an object member; objects keep their members in order.
type kv struct {
	k string
	v any
}

type gen struct{ r *rand.Rand }

func genKey(r *rand.Rand) string {
	keys := []string{"id", "a", "b", "u", "x", "tags", "v", "k", "c", "a.b", "~/", ""}
	return keys[r.Intn(len(keys))]
}

func (g gen) scalar() any {
	switch g.r.Intn(7) {
	case 0:
		return nil
	case 1:
		return g.r.Intn(2) == 0
	case 2, 3:
		return json.Number(strconv.Itoa(g.r.Intn(5) - 1))
	case 4:
		return json.Number([]string{"1.5", "-0", "1e3", "12345678901234567890", "0.25"}[g.r.Intn(5)])
	default:
		return []string{"a", "b", "3", "é", "x\"y", "true", "α/β", ""}[g.r.Intn(8)]
	}
}

func (g gen) value(depth int) any {
	if depth > 3 || g.r.Intn(3) == 0 {
		return g.scalar()
	}
	n := g.r.Intn(4)
	if g.r.Intn(2) == 0 {
		a := make([]any, n)
		for i := range a {
			a[i] = g.value(depth + 1)
		}
		return a
	}
	var o []kv
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		k := genKey(g.r)
		if !seen[k] {
			seen[k] = true
			o = append(o, kv{k, g.value(depth + 1)})
		}
	}
	return o
}

// mutate returns a changed deep copy of v.
func (g gen) mutate(v any, depth int) any {
	switch x := v.(type) {
	case []any:
		a := make([]any, 0, len(x)+1)
		for _, e := range x {
			switch g.r.Intn(8) {
			case 0: // drop
			case 1:
				a = append(a, g.value(depth+1), g.mutate(e, depth+1))
			default:
				a = append(a, g.mutate(e, depth+1))
			}
		}
		if g.r.Intn(4) == 0 {
			g.r.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
		}
		return a
	case []kv:
		var o []kv
		for _, m := range x {
			switch g.r.Intn(8) {
			case 0:
			case 1:
				o = append(o, kv{m.k, g.value(depth + 1)})
			default:
				o = append(o, kv{m.k, g.mutate(m.v, depth+1)})
			}
		}
		g.r.Shuffle(len(o), func(i, j int) { o[i], o[j] = o[j], o[i] })
		return o
	}
	if g.r.Intn(5) == 0 {
		return g.value(depth)
	}
	return v
}

// encode writes v with random (but equivalent) spellings.
func (g gen) encode(b *bytes.Buffer, v any) {
	ws := func() {
		if g.r.Intn(4) == 0 {
			b.WriteString(" \n"[:1+g.r.Intn(2)])
		}
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case json.Number:
		s := string(x)
		if g.r.Intn(3) == 0 && !strings.ContainsAny(s, ".e") && len(s) < 10 {
			s = []string{s + ".0", s + "e0", s + ".000E+0"}[g.r.Intn(3)]
		}
		b.WriteString(s)
	case string:
		b.WriteByte('"')
		for _, r := range x {
			switch {
			case r == '"' || r == '\\':
				b.WriteString(`\` + string(r))
			case g.r.Intn(4) == 0:
				fmt.Fprintf(b, `\u%04x`, r)
			default:
				b.WriteRune(r)
			}
		}
		b.WriteByte('"')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			ws()
			g.encode(b, e)
		}
		b.WriteByte(']')
	case []kv:
		b.WriteByte('{')
		for i, m := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			ws()
			g.encode(b, m.k)
			b.WriteByte(':')
			ws()
			g.encode(b, m.v)
		}
		b.WriteByte('}')
	}
}

func (g gen) doc(v any) []byte {
	var b bytes.Buffer
	g.encode(&b, v)
	return b.Bytes()
}

// TestDiffer_Diff_properties checks the invariants of checkInvariants on
// random pairs of related documents, for every option set.
func TestDiffer_Diff_properties(t *testing.T) {
	t.Parallel()
	n := 3000
	if testing.Short() {
		n = 300
	}
	// Every shard generates the same cases from the same seed and checks
	// every shards-th one, so the cases are those of one sequence and the
	// shards use the cores the other tests leave.
	const shards = 4
	for shard := range shards {
		t.Run(fmt.Sprintf("shard%d", shard), func(t *testing.T) {
			t.Parallel()
			diffProperties(t, n, shard, shards)
		})
	}
}

// diffProperties checks the diff's invariants on n generated cases, those
// whose number is shard modulo shards.
func diffProperties(t *testing.T, n, shard, shards int) {
	g := gen{rand.New(rand.NewSource(1))}
	for i := 0; i < n; i++ {
		var a any
		if g.r.Intn(3) == 0 {
			a = g.value(0)
		} else {
			var els []any
			for k := g.r.Intn(6); k >= 0; k-- {
				e := g.value(1)
				if o, ok := e.([]kv); ok && g.r.Intn(2) == 0 {
					id := kv{"id", json.Number(strconv.Itoa(g.r.Intn(6)))}
					o = append([]kv{id}, o...)
					for k := 1; k < len(o); k++ {
						if o[k].k == "id" {
							o = append(o[:k], o[k+1:]...)
						}
					}
					e = o
				}
				els = append(els, e)
			}
			a = els
		}
		b := g.mutate(a, 0)
		da, db := g.doc(a), g.doc(b)
		respelled := g.doc(a)
		if i%shards != shard {
			continue
		}
		for v := range fuzzOptions() {
			o := fuzzOpts(uint8(v))
			t.Run(fmt.Sprintf("%d/%d", i, v), func(t *testing.T) {
				checkInvariants(t, o, da, db)
				if t.Failed() {
					t.Logf("options %+v\na = %s\nb = %s", o, da, db)
				}
			})
		}
		// Both ways of comparing objects report the same, whatever is reported.
		sameBothWays(t, fullOpts(uint8(i), i), da, db)
		// The same value spelled differently is no change.
		d := mustCompile(t, fuzzOpts(uint8(i)))
		if s1, s2 := mustPrepare(t, d, JSON, da), mustPrepare(t, d, JSON, respelled); s1.Sum != s2.Sum {
			t.Errorf("respelled value has another sum: %s", da)
		}
		if t.Failed() {
			return
		}
	}
}

// fuzzable reports whether a document can go through the jsonpatch check:
// no duplicate member names (gjson reads the first, jsonpatch the last)
// and valid UTF-8 (encoding/json rewrites the rest).
func fuzzable(b []byte) bool {
	if !utf8.Valid(b) || len(b) > 1<<16 {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	type level struct {
		obj  bool
		key  bool // next string token is a key
		seen map[string]bool
	}
	var st []*level
	for {
		tok, err := dec.Token()
		if err != nil {
			return true
		}
		var top *level
		if len(st) > 0 {
			top = st[len(st)-1]
		}
		switch x := tok.(type) {
		case json.Delim:
			switch x {
			case '{':
				if top != nil && top.obj {
					top.key = true
				}
				st = append(st, &level{obj: true, key: true, seen: map[string]bool{}})
				continue
			case '[':
				if top != nil && top.obj {
					top.key = true
				}
				st = append(st, &level{})
				continue
			default:
				st = st[:len(st)-1]
				continue
			}
		case string:
			if top != nil && top.obj && top.key {
				if top.seen[x] {
					return false
				}
				top.seen[x] = true
				top.key = false
				continue
			}
		}
		if top != nil && top.obj {
			top.key = true
		}
	}
}

func addSeeds(f *testing.F, add func(a, b string)) {
	seeds := [][2]string{
		{`{"a":1.0,"b":[1]}`, `{"b":[1e0],"a":1}`},
		{`[{"id":1,"name":"a"},{"id":2}]`, `[{"id":3},{"id":2},{"id":1,"name":"b","x":[1]}]`},
		{`[{"id":1,"tags":["a","b"],"u":1}]`, `[{"id":1,"tags":["b","c","b"],"u":2}]`},
		{`[{"a":"eu","b":1,"p":1},{"a":"us","b":1}]`, `[{"a":"us","b":1},{"a":"eu","b":1,"p":2}]`},
		{`[1,2,3,4]`, `[0,1,3,4,5]`},
		{`{"x":{"x":1},"a":[]}`, `{"x":{"x":2},"a":[1]}`},
		{`[{"id":"3"},{"id":3}]`, `[{"id":3,"v":1},{"id":"3"}]`},
		{`{"c":[{"id":1,"tags":[1,"1"]}]}`, `[{"id":1,"c":[{"id":1,"tags":[1.0]}]}]`},
		{`"\u0041"`, `"A"`},
		{`[[[[]]]]`, `[[[[1]]]]`},
		{`{"a.b":{"~/":1}}`, `{"a.b":{"~/":2}}`},
		{`[{"id":1e400},{"id":0}]`, `[{"id":"x"},{"id":0,"v":1}]`},
	}
	for _, s := range seeds {
		add(s[0], s[1])
	}
}

func FuzzPrepare(f *testing.F) {
	addSeeds(f, func(a, b string) {
		f.Add([]byte(a), uint8(len(a)))
		f.Add([]byte(b), uint8(len(b)))
	})
	f.Add([]byte(`{"a":[1,2`), uint8(0))
	f.Add([]byte(strings.Repeat("[", 600)), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, v uint8) {
		o := fuzzOpts(v)
		d, err := Compile(o)
		if err != nil {
			t.Fatal(err)
		}
		val, err := d.Prepare(JSON, data)
		valid := json.Valid(data)
		switch {
		case err == nil && !valid:
			t.Fatalf("Prepare accepted invalid JSON %q", data)
		case err != nil && valid && !strings.Contains(err.Error(), ErrTooDeep.Error()):
			t.Fatalf("Prepare rejected valid JSON %q: %v", data, err)
		}
		if err == nil && !utf8.Valid(val.Data) {
			t.Fatalf("Prepare kept invalid UTF-8: %q", val.Data)
		}
		if err == nil {
			again, err := d.Prepare(JSON, val.Data)
			if err != nil || again.Sum != val.Sum {
				t.Fatalf("Prepare of Data: %v, sum %x != %x", err, again.Sum, val.Sum)
			}
			if (Detect("", data) == JSON) != true {
				t.Fatalf("Detect says text for valid JSON %q", data)
			}
		}
		// Both ways of comparing objects fail or agree on the document alone.
		sameBothWays(t, o, data, data)
		onePassAsTwo(t, o, data)
		// A text watch keeps the text, its invalid UTF-8 made U+FFFD.
		tv, err := mustCompile(t, Options{Format: Text}).Prepare(Text, data)
		if err != nil || !bytes.Equal(tv.Data, bytes.ToValidUTF8(data, []byte("\uFFFD"))) {
			t.Fatalf("text Prepare: %v, %q", err, tv.Data)
		}
	})
}

func FuzzDiff(f *testing.F) {
	addSeeds(f, func(a, b string) { f.Add([]byte(a), []byte(b), uint8(len(a)+len(b))) })
	f.Fuzz(func(t *testing.T, a, b []byte, v uint8) {
		o := fuzzOpts(v)
		d, err := Compile(o)
		if err != nil {
			t.Fatal(err)
		}
		// Raw bytes never panic, in either format, and both ways of
		// comparing objects fail or report the same.
		_, rawErr := d.Diff(JSON, a, b)
		sameBothWays(t, fullOpts(v, len(a)+len(b)), a, b)
		if _, err := d.Diff(Text, a, b); err != nil {
			t.Fatalf("text diff: %v", err)
		}
		va, errA := d.Prepare(JSON, a)
		vb, errB := d.Prepare(JSON, b)
		if errA != nil || errB != nil {
			return
		}
		if rawErr != nil {
			t.Fatalf("Diff of valid values: %v", rawErr)
		}
		if !fuzzable(a) || !fuzzable(b) {
			return
		}
		checkInvariants(t, o, va.Data, vb.Data)
	})
}

// TestLCS checks the alignment against a quadratic dynamic program on small
// inputs, and the fallback past the edit cap on large ones.
func TestLCS(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 2000; i++ {
		a := make([]uint64, r.Intn(30))
		b := make([]uint64, r.Intn(30))
		for k := range a {
			a[k] = uint64(r.Intn(4))
		}
		for k := range b {
			b[k] = uint64(r.Intn(4))
		}
		ps := lcs(a, b)
		for k, p := range ps {
			if a[p.o] != b[p.n] || (k > 0 && (p.o <= ps[k-1].o || p.n <= ps[k-1].n)) {
				t.Fatalf("lcs(%v, %v) = %v: not a common subsequence", a, b, ps)
			}
		}
		dp := make([][]int, len(a)+1)
		for x := range dp {
			dp[x] = make([]int, len(b)+1)
		}
		for x := len(a) - 1; x >= 0; x-- {
			for y := len(b) - 1; y >= 0; y-- {
				if a[x] == b[y] {
					dp[x][y] = dp[x+1][y+1] + 1
				} else {
					dp[x][y] = max(dp[x+1][y], dp[x][y+1])
				}
			}
		}
		if len(ps) != dp[0][0] {
			t.Fatalf("lcs(%v, %v) has %d pairs, want %d", a, b, len(ps), dp[0][0])
		}
	}
	// Past the cap: the common prefix and suffix only.
	n := 20000
	a, b := make([]uint64, n), make([]uint64, n)
	for k := range a {
		a[k] = uint64(k)
		b[k] = uint64(k)
	}
	for k := 100; k < n-100; k++ {
		b[k] = uint64(n + k)
	}
	if ps := lcs(a, b); len(ps) != 200 {
		t.Errorf("capped lcs: %d pairs, want 200", len(ps))
	}
}

// TestDiffer_Diff_bigUnkeyed diffs unkeyed arrays too different for the
// edit cap: the middle is paired by position, and the result still holds.
func TestDiffer_Diff_bigUnkeyed(t *testing.T) {
	t.Parallel()
	var a, b bytes.Buffer
	a.WriteByte('[')
	b.WriteByte('[')
	for k := 0; k < 3000; k++ {
		if k > 0 {
			a.WriteByte(',')
			b.WriteByte(',')
		}
		fmt.Fprintf(&a, `{"n":%d}`, k)
		fmt.Fprintf(&b, `{"n":%d}`, 2999-k)
	}
	a.WriteString(`,1]`)
	b.WriteString(`]`)
	r := diffJSON(t, Options{}, a.String(), b.String())
	if r.Counts != (Counts{Removed: 1, Changed: 3000}) {
		t.Errorf("counts %+v", r.Counts)
	}
}

// twoPasses is what Prepare did with one page before it read the value
// once (wholePage, selectedPage): a pass to validate the page and find the
// value, and one to fingerprint it.
func twoPasses(d *Differ, page []byte) (Value, error) {
	s := newScanner(d, nil)
	v, err := d.selectPage(s, page)
	if err != nil {
		return Value{}, err
	}
	return d.fingerprint(s, v)
}

// onePassAsTwo fails t unless Prepare of page, with o's options and
// each of selects, gives what the two passes give: the same value, sum
// and error.
func onePassAsTwo(t *testing.T, o Options, page []byte) {
	t.Helper()
	for _, sel := range prepareSelects {
		o.Select = sel
		prepareAsTwo(t, o, page)
	}
}

// prepareSelects are selects of what the tests' documents hold, and of
// what they do not: "" (the whole page), a member, a nested one, an
// element, a query and a modifier (values gjson makes, not the page's).
var prepareSelects = []string{"", "a", "id", "data.items", "tags", "c.0", "0", "1.tags", "assets", "components",
	"#.id", "a|@reverse", "nope", "features.0.properties"}

func prepareAsTwo(t *testing.T, o Options, page []byte) {
	t.Helper()
	d, err := Compile(o)
	if err != nil {
		t.Fatal(err)
	}
	page = validUTF8(page, true)
	got, gotErr := d.Prepare(JSON, page)
	want, wantErr := twoPasses(d, page)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || got.Sum != want.Sum || !bytes.Equal(got.Data, want.Data) {
		t.Fatalf("options %+v, page %.80q: one pass gives %x %.40q %v, two give %x %.40q %v",
			o, page, got.Sum, got.Data, gotErr, want.Sum, want.Data, wantErr)
	}
}

func TestPrepare_OnePassAsTwo(t *testing.T) {
	t.Parallel()
	rec := readRecorded(t)
	small := [][]byte{[]byte(" \n{\"a\":[1,2,{\"id\":3}]}\t "), []byte(`[{"id":1,"tags":["x","y"]},{"id":2}]`),
		[]byte(``), []byte(" \t"), []byte(`{"a":[1,2`), []byte(`{"a":1} {"b":2}`), []byte(`[1,]`),
		[]byte(`{"a":"\x`), []byte(`  nul`), []byte(`{"a":1}]`), []byte(strings.Repeat("[", 600)),
		[]byte(`"caf\xe9"`),
		[]byte(`{"data":{"items":[{"id":1},{"id":2}]},"x":[1,}`), []byte(`{"data":{"items":[{"id":1},{"id":2}],"x":1}`),
		[]byte(`{"a":{"b":1},"a":[1,2]}`), []byte(`{"a":"}","b":{"a":[1]}}`), []byte(`{"x":"\"a\":[1]","a":{"c":1]}`),
		[]byte(`{"a":[1,2]}  x`), []byte(`[{"tags":["a"]},{"tags":["b","c"]}]`), []byte(`{"a":[1,2]`),
		// maxDepth levels counted from the page's root, not from the
		// selected value's: one too many, and just enough.
		[]byte(`{"a":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`),
		[]byte(`{"a":` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `}`),
		[]byte(`[` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `]`),
		[]byte(`{"c":[` + strings.Repeat("[", maxDepth-2) + strings.Repeat("]", maxDepth-2) + `]}`)}
	named := []Options{{Key: "id", Ignore: []string{"#.updated_at", "#.author"}},
		{Keys: map[string]string{"#.assets": "id"}, Key: "id"}, {Key: "id,name"}}
	for _, o := range append(fuzzOptions(), named...) {
		for _, p := range small {
			onePassAsTwo(t, o, p)
		}
	}
	// The recorded answers, whole and cut short, with the options of
	// watches of such APIs.
	for _, o := range named {
		for _, p := range [][]byte{rec.releases, rec.status, rec.issues, rec.fire0, rec.runs0, rec.releases[:len(rec.releases)/2]} {
			onePassAsTwo(t, o, p)
		}
	}
}

// TestSelectedPage_ReadsTheValueOnce: a select of a value as the page
// writes it takes the one-read way (the others, a modifier's or a query's
// value, and a page that fails, take selectPage's), with the value and
// sum of the two passes.
func TestSelectedPage_ReadsTheValueOnce(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		sel, page string
		once      bool
	}{
		{"data.items", `{"meta":{"n":2},"data":{"items":[{"id":1},{"id":2}]},"next":null}`, true},
		{"a", ` {"a" : [1, 2] } `, true},
		{"1.tags", `[{"tags":["a"]},{"tags":["b","c"]}]`, true},
		{"a", `{"a":"x\"y"}`, true},
		{"#.id", `[{"id":1},{"id":2}]`, false},
		{"a|@reverse", `{"a":[1,2]}`, false},
		{"nope", `{"a":[1,2]}`, false},
		{"a", `{"a":[1,2],"b":[1,}`, false},
		{"a", `{"a":[1,2]} x`, false},
		{"@pretty", `[[1]]`, false},
		{"a|@valid", `{"a":[1]}`, false},
	} {
		d := mustCompile(t, Options{Select: c.sel})
		sc := d.borrow()
		got, once := d.selectedPage(sc.scanner(0, d, nil), []byte(c.page))
		if once != c.once {
			t.Errorf("select %q of %s: read once %v, want %v", c.sel, c.page, once, c.once)
		}
		if want, err := twoPasses(d, []byte(c.page)); once && (err != nil || got.Sum != want.Sum || !bytes.Equal(got.Data, want.Data)) {
			t.Errorf("select %q of %s: %x %s, want %x %s (%v)", c.sel, c.page, got.Sum, got.Data, want.Sum, want.Data, err)
		}
	}
}

// TestReadOnce: gjson runs on a page not yet validated only with a plain
// path. A modifier, a pipe, a multipath or a literal waits for the page to
// validate: on 8 MB of "[" @valid overflowed the stack (a crash no recover
// stops), and @pretty, @dig and @flatten took time and memory growing with
// the square of the nesting (GBs from 40 KB).
func TestReadOnce(t *testing.T) {
	t.Parallel()
	for sel, want := range map[string]bool{
		"a": true, "data.items": true, "0.tags": true, "a\\.b": true, "a*": true, "#.id": true, "#(id==1)": true,
		"@pretty": false, "a|@valid": false, "@dig:a": false, `@flatten:{"deep":true}`: false, "@fromstr": false,
		"a|b": false, "{a,b}": false, "[a,b]": false, "!true": false, "a.@reverse": false,
	} {
		if got := readOnce(sel); got != want {
			t.Errorf("readOnce(%q) = %v, want %v", sel, got, want)
		}
		if d := mustCompile(t, Options{Select: sel}); d.selOnce != want {
			t.Errorf("select %q: selOnce %v, want %v", sel, d.selOnce, want)
		}
	}
}
