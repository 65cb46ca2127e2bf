package suggest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/diff"
)

// TestAnalyze_twoFetches: what moved between the two fetches while the
// rest stayed equal is ignored, and says how often it moved; a key must
// keep its values from one fetch to the other.
func TestAnalyze_twoFetches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		first, second string
		contentType   string
		sel, key      string
		shape         Shape
		ignore        []Ignore // exactly, in this order
		identical     bool
		note          string // in one of the notes
	}{
		{
			name:  "a score that moves, nested in keyed elements",
			first: `{"meta":{"took":3},"items":[{"id":1,"name":"a","stats":{"score":0.5,"hits":10}},{"id":2,"name":"b","stats":{"score":0.7,"hits":3}}]}`,
			second: `{"meta":{"took":5},"items":[{"id":2,"name":"b","stats":{"score":0.7,"hits":4}},` +
				`{"id":1,"name":"a","stats":{"score":0.6,"hits":11}}]}`,
			sel: "items", key: "id", shape: Shape{Kind: Array, Len: 2, Of: "objects"},
			ignore: []Ignore{
				{Path: "#.stats.score", Differed: 1, Compared: 2},
				{Path: "#.stats.hits", Differed: 2, Compared: 2, Why: whyCounter},
			},
		},
		{
			name:   "a regenerated uuid is no key",
			first:  `[{"uuid":"u1","slug":"a","v":1},{"uuid":"u2","slug":"b","v":2},{"uuid":"u3","slug":"c","v":3}]`,
			second: `[{"uuid":"x1","slug":"a","v":1},{"uuid":"x2","slug":"b","v":2},{"uuid":"x3","slug":"c","v":3}]`,
			key:    "slug", shape: Shape{Kind: Array, Len: 3, Of: "objects"},
			ignore: []Ignore{{Path: "#.uuid", Differed: 3, Compared: 3}},
		},
		{
			name:   "nothing unique: no key",
			first:  `[{"kind":"a","v":1},{"kind":"a","v":2}]`,
			second: `[{"kind":"a","v":1},{"kind":"a","v":2}]`,
			shape:  Shape{Kind: Array, Len: 2, Of: "objects"}, identical: true,
			note: "no key",
		},
		{
			name:   "answers that differ in most of their values suggest nothing",
			first:  `[{"id":1,"a":1,"b":2},{"id":2,"a":3,"b":4}]`,
			second: `[{"id":1,"a":5,"b":6},{"id":2,"a":7,"b":8}]`,
			key:    "id", shape: Shape{Kind: Array, Len: 2, Of: "objects"},
			note: "differ in most of their values",
		},
		{
			name:   "a response timestamp at the top of a whole body",
			first:  `{"generated":"2024-05-01T10:00:00Z","status":"ok","count":3}`,
			second: `{"generated":"2024-05-01T10:00:02Z","status":"ok","count":3}`,
			shape:  Shape{Kind: Object, Len: 3},
			ignore: []Ignore{{Path: "generated", Differed: 1, Compared: 1, Why: whyResponse}},
		},
		{
			name:   "scalars",
			first:  `["beta","stable"]`,
			second: `["beta","stable"]`,
			shape:  Shape{Kind: Array, Len: 2, Of: "strings"}, identical: true,
		},
		{
			name:   "an empty list",
			first:  `{"items":[]}`,
			second: `{"items":[]}`,
			shape:  Shape{Kind: Object, Len: 1}, identical: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			s, err := Analyze([]byte(tt.first), []byte(tt.second), ct)
			if err != nil {
				t.Fatal(err)
			}
			if s.Format != diff.JSON || s.Select != tt.sel || s.Key != tt.key || s.Shape != tt.shape || s.Identical != tt.identical {
				t.Errorf("format %q select %q key %q shape %+v identical %v; want json %q %q %+v %v",
					s.Format, s.Select, s.Key, s.Shape, s.Identical, tt.sel, tt.key, tt.shape, tt.identical)
			}
			if !slices.Equal(s.Ignore, tt.ignore) {
				t.Errorf("ignore\n %+v\nwant\n %+v", s.Ignore, tt.ignore)
			}
			if tt.note != "" && !slices.ContainsFunc(s.Notes, func(n string) bool { return strings.Contains(n, tt.note) }) {
				t.Errorf("notes %q lack %q", s.Notes, tt.note)
			}
			if _, err := diff.Compile(s.Options()); err != nil {
				t.Errorf("the suggested options do not compile: %v", err)
			}
		})
	}
}

// TestAnalyze_text: a body that is not JSON is watched as text; what moved
// between the fetches is ignored when it is a timestamp.
func TestAnalyze_text(t *testing.T) {
	t.Parallel()
	const page = "<html><title>Downloads</title>\n<p>Latest version: 1.4.2</p>\n<p>Generated %s</p>\n</html>\n"
	tests := []struct {
		name          string
		first, second string
		contentType   string
		ignore        []string
		note          string
	}{
		{name: "the same page", first: strings.Replace(page, "%s", "2024-05-01T10:00:00Z", 1),
			second: strings.Replace(page, "%s", "2024-05-01T10:00:00Z", 1), contentType: "text/html"},
		{name: "a timestamp moved", first: strings.Replace(page, "%s", "2024-05-01T10:00:00Z", 1),
			second: strings.Replace(page, "%s", "2024-05-01T10:00:02.5Z", 1), contentType: "text/html; charset=utf-8",
			ignore: []string{textTimestamp}},
		{name: "a time of day moved", first: strings.Replace(page, "%s", "at 10:00:00", 1),
			second: strings.Replace(page, "%s", "at 10:00:02", 1), contentType: "text/plain",
			ignore: []string{textTime}},
		{name: "something else moved", first: strings.Replace(page, "%s", "by a", 1),
			second: strings.Replace(page, "%s", "by b", 1), contentType: "text/plain",
			note: "1 line differs"},
		{name: "no content type, not JSON", first: "version 1\n", second: "version 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Analyze([]byte(tt.first), []byte(tt.second), tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if s.Format != diff.Text || s.Select != "" || s.Key != "" || s.Shape.Kind != Text {
				t.Errorf("format %q select %q key %q shape %+v, want text", s.Format, s.Select, s.Key, s.Shape)
			}
			if got := s.IgnorePaths(); !slices.Equal(got, tt.ignore) {
				t.Errorf("ignore %q, want %q", got, tt.ignore)
			}
			if tt.note != "" && !slices.ContainsFunc(s.Notes, func(n string) bool { return strings.Contains(n, tt.note) }) {
				t.Errorf("notes %q lack %q", s.Notes, tt.note)
			}
			d, err := diff.Compile(s.Options())
			if err != nil {
				t.Fatalf("the suggested options do not compile: %v", err)
			}
			v1, err1 := d.Prepare(diff.Text, []byte(tt.first))
			v2, err2 := d.Prepare(diff.Text, []byte(tt.second))
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if same := v1.Sum == v2.Sum; same != (tt.note == "") {
				t.Errorf("the two fetches are the same to the suggested watch: %v", same)
			}
		})
	}
}

// TestAnalyze_errors: answers that cannot be watched as they are.
func TestAnalyze_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, first, second, contentType, err string
	}{
		{"JSON that is not", `{"a":`, `{"a":`, "application/json", "not valid JSON"},
		{"the second answer is not JSON", `{"a":1}`, `<html>oops</html>`, "application/json", "second fetch"},
		{"the second answer has another shape", `[{"id":1}]`, `{"error":"busy"}`, "application/json", "second fetch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Analyze([]byte(tt.first), []byte(tt.second), tt.contentType)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Analyze = %v, want an error saying %q", err, tt.err)
			}
		})
	}
}

// TestAnalyze_escapes: member names that gjson reads as syntax are escaped
// in every path suggested, so that the paths find them.
func TestAnalyze_escapes(t *testing.T) {
	t.Parallel()
	body := `{"data.v1":{"the*items":[{"my.id":"a","updated.at":"1","x":1},{"my.id":"b","updated.at":"2","x":2}]}}`
	s, err := Analyze([]byte(body), []byte(body), "application/json")
	if err != nil {
		t.Fatal(err)
	}
	if s.Select != `data\.v1.the\*items` || s.Key != `my\.id` {
		t.Errorf("select %q key %q", s.Select, s.Key)
	}
	d, err := diff.Compile(s.Options())
	if err != nil {
		t.Fatal(err)
	}
	v, err := d.Prepare(diff.JSON, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(v.Data, &got); err != nil || len(got) != 2 {
		t.Fatalf("selected %s (%v)", v.Data, err)
	}
	if len(s.Keys) != 0 {
		t.Errorf("keys %v", s.Keys)
	}
	if want := []string{`#.updated\.at`}; !slices.Equal(s.IgnorePaths(), want) {
		t.Errorf("ignore %q, want %q", s.IgnorePaths(), want)
	}
}
