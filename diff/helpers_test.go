package diff

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/tidwall/gjson"
)

func mustCompile(t testing.TB, o Options) *Differ {
	t.Helper()
	d, err := Compile(o)
	if err != nil {
		t.Fatalf("Compile(%+v): %v", o, err)
	}
	return d
}

func mustPrepare(t testing.TB, d *Differ, f Format, pages ...[]byte) Value {
	t.Helper()
	v, err := d.Prepare(f, pages...)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return v
}

// prepareDiff prepares both bodies with d and diffs them.
func prepareDiff(t testing.TB, d *Differ, old, new []byte) (vo, vn Value, r *Result) {
	t.Helper()
	vo, vn = mustPrepare(t, d, JSON, old), mustPrepare(t, d, JSON, new)
	r, err := d.Diff(JSON, vo.Data, vn.Data)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return vo, vn, r
}

// diffJSON prepares both bodies and diffs them, checking the invariants
// every result must satisfy.
func diffJSON(t testing.TB, o Options, old, new string) *Result {
	t.Helper()
	d := mustCompile(t, o)
	vo := mustPrepare(t, d, JSON, []byte(old))
	vn := mustPrepare(t, d, JSON, []byte(new))
	r, err := d.Diff(JSON, vo.Data, vn.Data)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	checkInvariants(t, o, vo.Data, vn.Data)
	return r
}

// changesJSON renders changes as a compact JSON array.
func changesJSON(t testing.TB, cs []Change) string {
	t.Helper()
	b, err := json.Marshal(cs)
	if err != nil {
		t.Fatalf("marshal changes: %v", err)
	}
	return string(b)
}

func compactJSON(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("compact %s: %v", s, err)
	}
	return b.String()
}

// canonSum fingerprints JSON with no options: equal sums mean equal
// values up to key order, whitespace and number and string spelling.
func canonSum(t testing.TB, raw []byte) uint64 {
	t.Helper()
	d, _ := Compile(Options{})
	v, err := d.Prepare(JSON, raw)
	if err != nil {
		t.Fatalf("canonSum(%s): %v", raw, err)
	}
	return v.Sum
}

// bothWays compiles o three times: one Differ compares every object and
// array by listing its members or elements (objects and arrays, the way
// of small ones), the others every object with objectsWide and every
// array with arraysWide (the way of wide ones), one keeping the
// fingerprints of unkeyed elements, the other reading them again, both
// with notes every few elements so that reading from them is exercised.
func bothWays(t testing.TB, o Options) (list, wide, stream *Differ) {
	t.Helper()
	list, wide, stream = mustCompile(t, o), mustCompile(t, o), mustCompile(t, o)
	list.wide, list.wideArr = math.MaxInt, math.MaxInt
	wide.wide, wide.wideArr, wide.arrKeep, wide.arrChunk = 0, 0, 0, 3
	stream.wide, stream.wideArr, stream.arrKeep, stream.arrChunk = 0, 0, math.MaxInt, 2
	return list, wide, stream
}

// sameBothWays diffs a and b (any bytes) both ways and fails unless the
// results, or the errors, are the same.
func sameBothWays(t testing.TB, o Options, a, b []byte) {
	t.Helper()
	list, wide, stream := bothWays(t, o)
	r1, err1 := list.Diff(JSON, a, b)
	for _, w := range []struct {
		name string
		d    *Differ
	}{{"wide", wide}, {"wide, read again", stream}} {
		r2, err2 := w.d.Diff(JSON, a, b)
		if fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Fatalf("options %+v: errors differ: listing %v, %s %v\na = %q\nb = %q", o, err1, w.name, err2, a, b)
		}
		if !reflect.DeepEqual(r1, r2) {
			t.Fatalf("options %+v: results differ\nlisting %+v\n%s %+v\na = %q\nb = %q", o, r1, w.name, r2, a, b)
		}
	}
}

// checkInvariants checks, for the structural options of o (select,
// on, when and max_changes dropped, patch included):
//   - diff(a, a) and diff(b, b) are empty;
//   - every path, applied with gjson to the new value (the old one for
//     removed), finds the value the change carries;
//   - the patch turns a into b, up to ignore and the order of keyed arrays;
//   - the change list is empty exactly when the fingerprints are equal;
//   - both ways of comparing objects (the default, and objectsWide for
//     every object) give the same result, patch included, so the checks
//     above hold for both.
func checkInvariants(t testing.TB, o Options, a, b []byte) {
	t.Helper()
	s := Options{Format: JSON, Key: o.Key, Keys: o.Keys, Ignore: o.Ignore, Include: []string{"patch"}}
	checkInvariantsWith(t, mustCompile(t, s), a, b)
	sameBothWays(t, s, a, b)
	sameBothWays(t, s, a, a)
}

func checkInvariantsWith(t testing.TB, d *Differ, a, b []byte) {
	t.Helper()
	for _, v := range [][]byte{a, b} {
		r, err := d.Diff(JSON, v, v)
		if err != nil {
			t.Fatalf("self diff: %v", err)
		}
		if len(r.Changes) != 0 || string(r.Patch) != "[]" {
			t.Errorf("diff of a value with itself: %s patch %s", changesJSON(t, r.Changes), r.Patch)
		}
	}
	r, err := d.Diff(JSON, a, b)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	for _, c := range r.Changes {
		doc, want := b, c.New
		if c.Op == Removed {
			doc, want = a, c.Old
		}
		got := gjson.GetBytes(doc, c.Path)
		if !got.Exists() {
			t.Errorf("path %q of %s finds nothing", c.Path, c.Op)
			continue
		}
		if canonSum(t, []byte(got.Raw)) != canonSum(t, want) {
			t.Errorf("path %q of %s finds %s, change has %s", c.Path, c.Op, got.Raw, want)
		}
	}
	if pr := gjson.GetBytes(r.Patch, `#(path=="")#`); len(pr.Array()) > 0 {
		// jsonpatch cannot replace the root; RFC 6902 can.
		if v := gjson.GetBytes(r.Patch, "0"); len(gjson.ParseBytes(r.Patch).Array()) != 1 || v.Get("op").String() != "replace" {
			t.Fatalf("root op not alone: %s", r.Patch)
		}
		if canonSum(t, []byte(gjson.GetBytes(r.Patch, "0.value").Raw)) != canonSum(t, b) {
			t.Errorf("root replace %s, want %s", r.Patch, b)
		}
		return
	}
	for _, op := range gjson.GetBytes(r.Patch, "#.path").Array() {
		if p := op.String(); strings.Contains(p, "//") || strings.HasSuffix(p, "/") {
			return // jsonpatch cannot address members named ""
		}
	}
	patched := a
	if string(r.Patch) != "[]" { // jsonpatch cannot even apply [] to a scalar
		p, err := jsonpatch.DecodePatch(r.Patch)
		if err != nil {
			t.Fatalf("decode patch %s: %v", r.Patch, err)
		}
		patched, err = p.Apply(a)
		if err != nil {
			t.Fatalf("apply patch %s: %v", r.Patch, err)
		}
	}
	pa, pb := mustPrepare(t, d, JSON, patched), mustPrepare(t, d, JSON, b)
	if pa.Sum != pb.Sum {
		t.Errorf("patch %s turns %s into %s, want %s", r.Patch, a, patched, b)
	}
	sa := mustPrepare(t, d, JSON, a)
	if (sa.Sum == pb.Sum) != (len(r.Changes) == 0) {
		t.Errorf("sums equal = %v but %d changes: %s", sa.Sum == pb.Sum, len(r.Changes), changesJSON(t, r.Changes))
	}
}

// errorOptions returns the Option of every *OptionError joined in err.
func errorOptions(err error) []string {
	var opts []string
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var oe *OptionError
		if errors.As(e, &oe) {
			opts = append(opts, oe.Option)
		}
	}
	walk(err)
	return opts
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
