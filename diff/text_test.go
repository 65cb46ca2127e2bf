package diff

import (
	"errors"
	"strings"
	"testing"
)

func TestDiffer_Prepare_text(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  Options
		pages []string
		want  string
	}{
		{"whole body", Options{Format: Text}, []string{"a\nb\n"}, "a\nb\n"},
		{"auto whole body", Options{}, []string{"a\nb\n"}, "a\nb\n"},
		{"select matches", Options{Format: Text, Select: `v\d+\.\d+`}, []string{"x v1.2 y v1.3\nv2.0"}, "v1.2\nv1.3\nv2.0"},
		{"select first group", Options{Format: Text, Select: `version: (\S+)`}, []string{"version: 1.0\nversion: 2.0\n"}, "1.0\n2.0"},
		{"ignore removes matches", Options{Format: Text, Ignore: []string{`\s*\(\d+ ms\)`, `(?m)^Date: .*$`}},
			[]string{"ok (12 ms)\nDate: today\nend"}, "ok\n\nend"},
		{"pages joined", Options{Format: Text}, []string{"a", "b\n", "c"}, "a\nb\nc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustCompile(t, tt.opts)
			var pages [][]byte
			for _, p := range tt.pages {
				pages = append(pages, []byte(p))
			}
			v := mustPrepare(t, d, Text, pages...)
			if string(v.Data) != tt.want {
				t.Errorf("Data = %q, want %q", v.Data, tt.want)
			}
			if v.Sum != hashBytes(seedText, []byte(tt.want)) {
				t.Errorf("Sum does not fingerprint Data")
			}
		})
	}
}

func TestDiffer_Diff_text(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     Options
		old, new string
		want     string
	}{
		{"same", Options{Format: Text}, "a\nb\n", "a\nb", `[]`},
		{"line added", Options{Format: Text}, "a\nb\nc\n", "a\nb\nx\nc\n", `[{"op":"added","path":"3","new":"x"}]`},
		{"line removed", Options{Format: Text}, "a\nb\nc\n", "a\nc\n", `[{"op":"removed","path":"2","old":"b"}]`},
		{"line replaced", Options{Format: Text}, "a\nb\nc", "a\nB\nc",
			`[{"op":"removed","path":"2","old":"b"},{"op":"added","path":"2","new":"B"}]`},
		{"crlf", Options{Format: Text}, "a\r\nb\r\n", "a\nb\n", `[]`},
		{"on removed", Options{Format: Text, On: []Op{Removed}}, "a\nb", "b\nc", `[{"op":"removed","path":"1","old":"a"}]`},
		{"quoting", Options{Format: Text}, "", "say \"hi\"\t\\", `[{"op":"added","path":"1","new":"say \"hi\"\t\\"}]`},
		{"invalid utf-8", Options{Format: Text}, "", "a\xffb", `[{"op":"added","path":"1","new":"a` + "\uFFFD" + `b"}]`},
		{"max changes", Options{Format: Text, MaxChanges: 1}, "", "a\nb\nc", `[{"op":"added","path":"1","new":"a"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustCompile(t, tt.opts)
			r, err := d.Diff(Text, []byte(tt.old), []byte(tt.new))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := changesJSON(t, r.Changes), compactJSON(t, tt.want); got != want {
				t.Errorf("changes\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestDiffer_Diff_results(t *testing.T) {
	t.Parallel()
	const old, new = `{"a":[1,2,3],"n":"x"}`, `{"n":"y", "a":[0,1,2,3,4,5]}`
	tests := []struct {
		name                      string
		opts                      Options
		changes                   string
		counts                    Counts
		truncated                 bool
		patch, document, previous string
	}{
		{"all", Options{}, `[{"op":"changed","path":"n","old":"x","new":"y"},{"op":"added","path":"a.0","new":0},{"op":"added","path":"a.4","new":4},{"op":"added","path":"a.5","new":5}]`,
			Counts{Added: 3, Changed: 1}, false, "", "", ""},
		{"max changes counts every change", Options{MaxChanges: 2}, `[{"op":"changed","path":"n","old":"x","new":"y"},{"op":"added","path":"a.0","new":0}]`,
			Counts{Added: 3, Changed: 1}, true, "", "", ""},
		{"max changes not reached", Options{MaxChanges: 4}, `[{"op":"changed","path":"n","old":"x","new":"y"},{"op":"added","path":"a.0","new":0},{"op":"added","path":"a.4","new":4},{"op":"added","path":"a.5","new":5}]`,
			Counts{Added: 3, Changed: 1}, false, "", "", ""},
		{"include all, patch ignores on and max", Options{On: []Op{Changed}, MaxChanges: 1, Include: []string{"patch", "document", "previous"}},
			`[{"op":"changed","path":"n","old":"x","new":"y"}]`, Counts{Changed: 1}, false,
			`[{"op":"replace","path":"/n","value":"y"},{"op":"add","path":"/a/0","value":0},{"op":"add","path":"/a/4","value":4},{"op":"add","path":"/a/5","value":5}]`,
			`{"n":"y","a":[0,1,2,3,4,5]}`, `{"a":[1,2,3],"n":"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := diffJSON(t, tt.opts, old, new)
			if got := changesJSON(t, r.Changes); got != compactJSON(t, tt.changes) {
				t.Errorf("changes\n got %s\nwant %s", got, tt.changes)
			}
			if r.Counts != tt.counts || r.Truncated != tt.truncated {
				t.Errorf("counts %+v truncated %v, want %+v %v", r.Counts, r.Truncated, tt.counts, tt.truncated)
			}
			if string(r.Patch) != tt.patch || string(r.Document) != tt.document || string(r.Previous) != tt.previous {
				t.Errorf("patch %s document %s previous %s", r.Patch, r.Document, r.Previous)
			}
		})
	}
}

func TestDiffer_Diff_errors(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)
	d := mustCompile(t, Options{Key: "id"})
	tests := []struct {
		name     string
		f        Format
		old, new string
		want     error
		msg      string
	}{
		{"deep new", JSON, `{"a":1}`, deep, ErrTooDeep, "new value"},
		{"deep old", JSON, deep, `{"a":1}`, ErrTooDeep, "old value"},
		{"deep both", JSON, deep, deep, ErrTooDeep, ""},
		{"deep array", JSON, `[]`, strings.Repeat("[", 100000), ErrTooDeep, ""},
		{"truncated", JSON, `[{"id":1}]`, `[{"id":1}`, ErrInvalid, "new value"},
		{"trailing", JSON, `[]`, `[] []`, ErrInvalid, "data after the value"},
		{"empty", JSON, ``, `[]`, ErrInvalid, "old value"},
		{"garbled scalar", JSON, `1`, `1x`, ErrInvalid, ""},
		{"auto", Auto, `1`, `1`, nil, "format must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.Diff(tt.f, []byte(tt.old), []byte(tt.new))
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %v, want %v %q", err, tt.want, tt.msg)
			}
		})
	}
}

// TestDiffer_concurrent shares one Differ between goroutines (run with
// -race): it holds no mutable state.
func TestDiffer_concurrent(t *testing.T) {
	t.Parallel()
	d := mustCompile(t, Options{Key: "id", Keys: map[string]string{"#.tags": "."}, Ignore: []string{"#.u"},
		When: "n>0", Include: []string{"patch"}})
	old, new := []byte(`[{"id":1,"n":1,"tags":["a"]},{"id":2,"n":2}]`), []byte(`[{"id":2,"n":3},{"id":1,"n":1,"tags":["b"]}]`)
	done := make(chan string)
	for g := 0; g < 4; g++ {
		go func() {
			var out string
			for i := 0; i < 200; i++ {
				if _, err := d.Prepare(JSON, new); err != nil {
					out = err.Error()
					break
				}
				r, err := d.Diff(JSON, old, new)
				if err != nil {
					out = err.Error()
					break
				}
				out = string(r.Patch)
			}
			done <- out
		}()
	}
	first := <-done
	for g := 1; g < 4; g++ {
		if got := <-done; got != first {
			t.Errorf("goroutines disagree: %s vs %s", got, first)
		}
	}
}
