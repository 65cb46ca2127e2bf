package diff

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestPrepare_InvalidUTF8 applies the one rule: invalid UTF-8 and lone
// surrogate escapes become U+FFFD when a response is prepared, so bodies
// that differ only there are the same, and the snapshot is valid UTF-8.
func TestPrepare_InvalidUTF8(t *testing.T) {
	t.Parallel()
	d := mustCompile(t, Options{Key: "id"})
	tests := []struct {
		name       string
		a, b       string
		wantInData string
	}{
		{"raw invalid bytes", "[{\"id\":1,\"n\":\"x\xff\xfey\"}]", "[{\"id\":1,\"n\":\"x\xfey\"}]", "x\uFFFDy"},
		{"CESU-8 surrogate bytes", "[{\"id\":1,\"n\":\"x\xed\xa0\x80y\"}]", "[{\"id\":1,\"n\":\"x\xffy\"}]", "x\uFFFDy"},
		{"lone high surrogate escape", `[{"id":1,"n":"x\ud800y"}]`, "[{\"id\":1,\"n\":\"x\xffy\"}]", `x\ufffdy`},
		{"lone low surrogate escape", `[{"id":1,"n":"x\uDC00y"}]`, `[{"id":1,"n":"x\ufffdy"}]`, `x\ufffdy`},
		{"in a member name", "[{\"id\":1,\"n\xff\":1}]", "[{\"id\":1,\"n\xfe\":1}]", "n\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			va := mustPrepare(t, d, JSON, []byte(tt.a))
			vb := mustPrepare(t, d, JSON, []byte(tt.b))
			if va.Sum != vb.Sum {
				t.Errorf("bodies that differ only in invalid sequences have different sums")
			}
			if !utf8.Valid(va.Data) || !bytes.Contains(va.Data, []byte(tt.wantInData)) {
				t.Errorf("snapshot %q, want valid UTF-8 holding %q", va.Data, tt.wantInData)
			}
			r, err := d.Diff(JSON, va.Data, vb.Data)
			if err != nil || r.Counts.Total() != 0 {
				t.Errorf("Diff = %+v, %v; want no change", r, err)
			}
		})
	}
	// What is valid stays byte for byte, escapes and pairs included.
	for _, ok := range []string{
		`[{"id":1,"n":"x\ud83d\ude00y \\ud800"}]`,
		`{"a":"\u00e9\n\"\\","b":[1,2]}`,
		"{\"a\":\"caf\u00e9 \U0001F600\"}",
	} {
		if v := mustPrepare(t, d, JSON, []byte(ok)); string(v.Data) != ok {
			t.Errorf("valid %s became %s", ok, v.Data)
		}
	}
}

// TestDiff_OldSnapshotWithInvalidUTF8: a snapshot stored before the rule
// holds raw invalid bytes; the first poll under the rule finds no change,
// and the changes it does report are valid UTF-8.
func TestDiff_OldSnapshotWithInvalidUTF8(t *testing.T) {
	t.Parallel()
	d := mustCompile(t, Options{Key: "id"})
	old := []byte("[{\"id\":1,\"n\":\"x\xffy\"},{\"id\":2,\"n\":\"a\xc0\"}]")
	now := mustPrepare(t, d, JSON, []byte("[{\"id\":1,\"n\":\"x\xfey\"},{\"id\":2,\"n\":\"b\xc0\"}]"))
	r, err := d.Diff(JSON, old, now.Data)
	if err != nil {
		t.Fatal(err)
	}
	if r.Counts.Total() != 1 || len(r.Changes) != 1 || r.Changes[0].Path != "#(id==2).n" {
		t.Fatalf("changes %+v, want only #(id==2).n", r.Changes)
	}
	for _, c := range r.Changes {
		if !utf8.Valid(c.Old) || !utf8.Valid(c.New) || !strings.Contains(string(c.Old), "\uFFFD") {
			t.Errorf("change %s: old %q new %q", c.Path, c.Old, c.New)
		}
	}
}

func TestPrepare_InvalidUTF8Text(t *testing.T) {
	t.Parallel()
	d := mustCompile(t, Options{Format: Text})
	a := mustPrepare(t, d, Text, []byte("line \xff\nsecond"))
	b := mustPrepare(t, d, Text, []byte("line \xfe\xfd\nsecond"))
	if a.Sum != b.Sum || !utf8.Valid(a.Data) {
		t.Errorf("text: sums %x %x, data %q", a.Sum, b.Sum, a.Data)
	}
}
