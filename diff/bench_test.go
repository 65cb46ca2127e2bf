package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"unsafe"
)

// releasesDoc replicates the recorded GitHub releases (30 releases, 246
// assets) with fresh ids until the document is at least size bytes.
func releasesDoc(tb testing.TB, size int) []byte {
	tb.Helper()
	var rs []map[string]any
	dec := json.NewDecoder(bytes.NewReader(readTestdata(tb, "github_releases_github-hub_2019-10-03.json")))
	dec.UseNumber()
	if err := dec.Decode(&rs); err != nil {
		tb.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for n := 0; b.Len() < size; n++ {
		r := rs[n%len(rs)]
		r["id"] = json.Number(strconv.Itoa(30000000 + n))
		e, err := json.Marshal(r)
		if err != nil {
			tb.Fatal(err)
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(e)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// productsDocs returns two versions of a product list of n keyed elements
// (10 MiB for n = 50,000): in the second, 1% of the elements differ
// (0.5% have a new price, 0.5% are replaced by new ones).
func productsDocs(n int) (old, new []byte) {
	elem := func(b *bytes.Buffer, id, price int) {
		fmt.Fprintf(b, `{"id":%d,"sku":"SKU-%07d","name":"Product %d","price":%d.%02d,"stock":%d,`+
			`"tags":["tools","garden","sale"],"updated_at":"2024-05-%02dT10:%02d:00Z",`+
			`"description":"Product %d, sturdy and well made, 2 years."}`,
			id, id, id, price/100, price%100, id%97, 1+id%28, id%60, id)
	}
	var a, b bytes.Buffer
	a.WriteByte('[')
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		price := 100 + (i*7919)%100000
		if i > 0 {
			a.WriteByte(',')
			b.WriteByte(',')
		}
		elem(&a, i, price)
		switch i % 200 {
		case 10: // gone: replaced by a new product
			elem(&b, n+i, price)
		case 110:
			elem(&b, i, price+1)
		default:
			elem(&b, i, price)
		}
	}
	a.WriteByte(']')
	b.WriteByte(']')
	return a.Bytes(), b.Bytes()
}

func BenchmarkUnchanged(b *testing.B) {
	doc := releasesDoc(b, 1<<20)
	cases := []struct {
		name string
		opts Options
	}{
		{"ignore", Options{Ignore: []string{"#.updated_at", "#.assets.#.download_count"}}},
		{"ignore+key", Options{Key: "id", Keys: map[string]string{"#.assets": "id"},
			Ignore: []string{"#.updated_at", "#.assets.#.download_count"}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			d := mustCompile(b, c.opts)
			want := mustPrepare(b, d, JSON, doc).Sum
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				v, err := d.Prepare(JSON, doc)
				if err != nil || v.Sum != want {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDiffLarge(b *testing.B) {
	old, new := productsDocs(50000)
	d := mustCompile(b, Options{Key: "id"})
	r, err := d.Diff(JSON, old, new)
	if err != nil {
		b.Fatal(err)
	}
	if r.Counts != (Counts{Added: 250, Removed: 250, Changed: 250}) {
		b.Fatalf("counts %+v", r.Counts)
	}
	b.SetBytes(int64(len(old) + len(new)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := d.Diff(JSON, old, new); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnmarshalBaseline is what BenchmarkDiffLarge must beat:
// decoding the same two documents with encoding/json.
func BenchmarkUnmarshalBaseline(b *testing.B) {
	old, new := productsDocs(50000)
	b.SetBytes(int64(len(old) + len(new)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var x, y any
		if err := json.Unmarshal(old, &x); err != nil {
			b.Fatal(err)
		}
		if err := json.Unmarshal(new, &y); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDiffLarge_memory bounds the heap the large diff needs: everything it
// allocates (an upper bound on its peak live heap), plus the two inputs,
// must stay within 3× the input size.
func TestDiffLarge_memory(t *testing.T) {
	if testing.Short() {
		t.Skip("large documents")
	}
	old, new := productsDocs(50000)
	in := uint64(len(old) + len(new))
	d := mustCompile(t, Options{Key: "id"})
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	r, err := d.Diff(JSON, old, new)
	runtime.ReadMemStats(&m1)
	if err != nil {
		t.Fatal(err)
	}
	alloc := m1.TotalAlloc - m0.TotalAlloc
	t.Logf("input %d bytes, %d changes; Diff allocated %d bytes (%.2f× input); peak heap ≤ %.2f× input",
		in, r.Counts.Total(), alloc, float64(alloc)/float64(in), float64(alloc+in)/float64(in))
	if alloc+in > 3*in {
		t.Errorf("Diff allocated %d bytes for %d bytes of input", alloc, in)
	}
}

// wideDocs returns two versions of one object of n short members
// ("0cf85":417; 10 MiB for n = 850,000, like the answer in issue 11). How
// the second differs is the case's: 1% of the values changed, every value
// changed, or 1% of the members renamed, removed or added.
func wideDocs(n int, change string) (old, new []byte) {
	a := make([]byte, 0, 12*n+2)
	b := make([]byte, 0, 12*n+2)
	member := func(dst []byte, prefix string, i, v int) []byte {
		if len(dst) > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, prefix...)
		h := strconv.AppendInt(nil, int64(i), 16)
		for range 5 - len(h) {
			dst = append(dst, '0')
		}
		dst = append(dst, h...)
		dst = append(dst, '"', ':')
		return strconv.AppendInt(dst, int64(v), 10)
	}
	for i := 0; i < n; i++ {
		v := (i * 7919) % 1000
		a = member(a, "", i, v)
		switch {
		case change == "values1pct" && i%100 == 50, change == "valuesAll":
			b = member(b, "", i, v+1)
		case change == "members1pct" && i%300 == 0: // renamed
			b = member(b, "r", i, v)
		case change == "members1pct" && i%300 == 100: // removed
		case change == "members1pct" && i%300 == 200: // a member added after it
			b = member(b, "", i, v)
			b = member(b, "n", i, v)
		default:
			b = member(b, "", i, v)
		}
	}
	return append(append([]byte{'{'}, a...), '}'), append(append([]byte{'{'}, b...), '}')
}

// wideCases are the cases of BenchmarkDiffWide and TestDiffWide_memory,
// with their counts for n = 850,000.
var wideCases = []struct {
	name   string
	counts Counts
}{
	{"values1pct", Counts{Changed: 8500}},
	{"valuesAll", Counts{Changed: 850000}},
	{"members1pct", Counts{Added: 5667, Removed: 5667}},
}

const wideMembers = 850000

// BenchmarkDiffWide diffs one 10 MiB object of 850,000 members (issue 11)
// with max_changes = 1000, the default, and with no cap (/all).
func BenchmarkDiffWide(b *testing.B) {
	for _, c := range wideCases {
		old, new := wideDocs(wideMembers, c.name)
		for _, max := range []int{1000, 0} {
			name := c.name
			if max == 0 {
				name += "/all"
			}
			b.Run(name, func(b *testing.B) {
				d := mustCompile(b, Options{MaxChanges: max})
				r, err := d.Diff(JSON, old, new)
				if err != nil {
					b.Fatal(err)
				}
				if r.Counts != c.counts {
					b.Fatalf("counts %+v, want %+v", r.Counts, c.counts)
				}
				b.SetBytes(int64(len(old) + len(new)))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if _, err := d.Diff(JSON, old, new); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestDiffWide_memory holds the wide object of BenchmarkDiffWide to the
// bound of TestDiffLarge_memory, with max_changes = 1000. Without a cap
// the changes listed take what they take (850,000 of them ~190 MB: each a
// Change, copied once from its segment, and its strings); what Diff
// allocates besides them must stay within the bound. Under the race
// detector, where each of these diffs takes seconds, only the case with
// the most to compare is checked, with the cap.
func TestDiffWide_memory(t *testing.T) {
	if testing.Short() {
		t.Skip("large documents")
	}
	for _, c := range wideCases {
		if raceEnabled && c.name != "valuesAll" {
			continue
		}
		old, new := wideDocs(wideMembers, c.name)
		in := uint64(len(old) + len(new))
		for _, max := range []int{1000, 0} {
			if raceEnabled && max == 0 {
				continue
			}
			d := mustCompile(t, Options{MaxChanges: max})
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			r, err := d.Diff(JSON, old, new)
			runtime.ReadMemStats(&m1)
			if err != nil {
				t.Fatal(err)
			}
			if r.Counts != c.counts {
				t.Fatalf("%s: counts %+v, want %+v", c.name, r.Counts, c.counts)
			}
			alloc := m1.TotalAlloc - m0.TotalAlloc
			t.Logf("%s, max_changes %d: input %d bytes, %d changes listed; Diff allocated %d bytes (%.2f× input); peak heap ≤ %.2f× input",
				c.name, max, in, len(r.Changes), alloc, float64(alloc)/float64(in), float64(alloc+in)/float64(in))
			var listed uint64
			for _, ch := range r.Changes {
				listed += 2*uint64(unsafe.Sizeof(ch)) + uint64(len(ch.Path)+len(ch.Old)+len(ch.New)) + 3*16
			}
			if alloc > listed && alloc-listed+in > 3*in {
				t.Errorf("%s, max_changes %d: Diff allocated %d bytes for %d bytes of input and %d changes",
					c.name, max, alloc, in, len(r.Changes))
			}
		}
	}
}
