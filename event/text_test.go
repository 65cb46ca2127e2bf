package event

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/human"
)

func rawJSON(s string) json.RawMessage { return json.RawMessage(s) }

func TestChangeLine(t *testing.T) {
	long := strings.Repeat("é", 100)
	tests := []struct {
		name   string
		format diff.Format
		change diff.Change
		want   string
	}{
		{"added with name", diff.JSON,
			diff.Change{Op: diff.Added, Path: `#(tag_name=="v1.3.0")`, Key: "v1.3.0", New: rawJSON(`{"tag_name":"v1.3.0","name":"Big release"}`)},
			`+ v1.3.0 "Big release"`},
		{"added title repeats the label", diff.JSON,
			diff.Change{Op: diff.Added, Path: `#(tag_name=="v1.3.0")`, Key: "v1.3.0", New: rawJSON(`{"tag_name":"v1.3.0"}`)},
			`+ v1.3.0`},
		{"title preference name over title", diff.JSON,
			diff.Change{Op: diff.Added, Key: "7", New: rawJSON(`{"title":"T","name":"N"}`)},
			`+ 7 "N"`},
		{"title falls back to summary", diff.JSON,
			diff.Change{Op: diff.Added, Key: "7", New: rawJSON(`{"name":"","summary":"S","id":7}`)},
			`+ 7 "S"`},
		{"title not a string is skipped", diff.JSON,
			diff.Change{Op: diff.Added, Key: "7", New: rawJSON(`{"name":42,"description":"D"}`)},
			`+ 7 "D"`},
		{"long title cut", diff.JSON,
			diff.Change{Op: diff.Added, Key: "k", New: rawJSON(`{"name":"` + long + `"}`)},
			`+ k "` + strings.Repeat("é", 79) + `…"`},
		{"title with newline stays one line", diff.JSON,
			diff.Change{Op: diff.Added, Key: "k", New: rawJSON(`{"name":"a\nb"}`)},
			`+ k "a b"`},
		{"removed", diff.JSON,
			diff.Change{Op: diff.Removed, Path: `#(tag_name=="v0.9.0")`, Key: "v0.9.0", Old: rawJSON(`{"tag_name":"v0.9.0","name":"v0.9.0"}`)},
			`- v0.9.0`},
		{"removed scalar of a set", diff.JSON,
			diff.Change{Op: diff.Removed, Path: `#(=="beta")`, Key: "beta", Old: rawJSON(`"beta"`)},
			`- beta`},
		{"added unkeyed scalar shows value", diff.JSON,
			diff.Change{Op: diff.Added, Path: "tags.3", New: rawJSON(`"beta"`)},
			`+ tags.3 "beta"`},
		{"changed field of keyed element", diff.JSON,
			diff.Change{Op: diff.Changed, Path: `#(tag_name=="v1.2.0").name`, Key: "v1.2.0", Old: rawJSON(`"a"`), New: rawJSON(`"b"`)},
			`~ v1.2.0 name: "a" → "b"`},
		{"changed numeric key", diff.JSON,
			diff.Change{Op: diff.Changed, Path: `#(id==3).price.amount`, Key: "3", Old: rawJSON(`10`), New: rawJSON(`12.5`)},
			`~ 3 price.amount: 10 → 12.5`},
		{"changed nested keyed element picks the matching query", diff.JSON,
			diff.Change{Op: diff.Changed, Path: `#(id==1).variants.#(sku=="a-1").price`, Key: "a-1", Old: rawJSON(`1`), New: rawJSON(`2`)},
			`~ a-1 price: 1 → 2`},
		{"changed nested, key of the outer element", diff.JSON,
			diff.Change{Op: diff.Changed, Path: `#(id==1).variants.#(sku=="a-1").price`, Key: "1", Old: rawJSON(`1`), New: rawJSON(`2`)},
			`~ 1 variants.#(sku=="a-1").price: 1 → 2`},
		{"changed composite key", diff.JSON,
			diff.Change{Op: diff.Changed, Path: `#(region=="eu")#|#(sku=="a1").price`, Key: "eu,a1", Old: rawJSON(`1`), New: rawJSON(`2`)},
			`~ eu,a1 price: 1 → 2`},
		{"changed keyed element found by index", diff.JSON,
			diff.Change{Op: diff.Changed, Path: `3.name`, Key: "v1.2.0", Old: rawJSON(`"a"`), New: rawJSON(`"b"`)},
			`~ v1.2.0 name: "a" → "b"`},
		{"changed unkeyed element inside a keyed one", diff.JSON,
			diff.Change{Op: diff.Changed, Path: `#(id==1).assets.2.size`, Key: "1", Old: rawJSON(`1`), New: rawJSON(`2`)},
			`~ 1 assets.2.size: 1 → 2`},
		{"added set member inside a keyed element", diff.JSON,
			diff.Change{Op: diff.Added, Path: `#(id==1).tags.#(=="beta")`, Key: "1", New: rawJSON(`"beta"`)},
			`+ 1 tags "beta"`},
		{"removed unkeyed element inside a keyed one", diff.JSON,
			diff.Change{Op: diff.Removed, Path: `#(tag_name=="v1")#|#(os=="linux").assets.2`, Key: "v1,linux", Old: rawJSON(`{"name":"app.tar.gz"}`)},
			`- v1,linux assets.2 "app.tar.gz"`},
		{"added untitled part of an element shows its value", diff.JSON,
			diff.Change{Op: diff.Added, Path: `#(tag_name=="v1.2.0").assets.1`, Key: "v1.2.0", New: rawJSON(`{"n": "b"}`)},
			`+ v1.2.0 assets.1 {"n":"b"}`},
		{"removed top-level set member", diff.JSON,
			diff.Change{Op: diff.Removed, Path: `#(=="beta")`, Key: "beta", Old: rawJSON(`"beta"`)},
			`- beta`},
		{"changed with escaped dot and paren in query", diff.JSON,
			diff.Change{Op: diff.Changed, Path: `#(name=="a.(b)").x\.y`, Key: "a.(b)", Old: rawJSON(`1`), New: rawJSON(`2`)},
			`~ a.(b) x\.y: 1 → 2`},
		{"changed unkeyed path", diff.JSON,
			diff.Change{Op: diff.Changed, Path: "2.price", Old: rawJSON(`10`), New: rawJSON(`12`)},
			`~ 2.price: 10 → 12`},
		{"changed whole element", diff.JSON,
			diff.Change{Op: diff.Changed, Path: `#(id==3)`, Key: "3", Old: rawJSON(`true`), New: rawJSON(`null`)},
			`~ 3: true → null`},
		{"changed complex value compact and cut", diff.JSON,
			diff.Change{Op: diff.Changed, Path: "cfg", Old: rawJSON(`{ "a" : [1, 2] }`), New: rawJSON(`[` + strings.Repeat(`"xxxxxxxxxx",`, 10) + `1]`)},
			`~ cfg: {"a":[1,2]} → ["xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxx…`},
		{"changed long string cut inside quotes", diff.JSON,
			diff.Change{Op: diff.Changed, Path: "s", Old: rawJSON(`"` + strings.Repeat("a", 70) + `"`), New: rawJSON(`"x"`)},
			`~ s: "` + strings.Repeat("a", 57) + `…" → "x"`},
		{"changed missing old", diff.JSON,
			diff.Change{Op: diff.Changed, Path: "s", New: rawJSON(`1`)},
			`~ s: (none) → 1`},
		{"text added", diff.Text,
			diff.Change{Op: diff.Added, Path: "12", New: rawJSON(`"the text"`)},
			`+ line 12: the text`},
		{"text removed with tab and control", diff.Text,
			diff.Change{Op: diff.Removed, Path: "9", Old: rawJSON(`"a\tb\u0000c"`)},
			`- line 9: a b c`},
		{"text changed", diff.Text,
			diff.Change{Op: diff.Changed, Path: "5", Old: rawJSON(`"x"`), New: rawJSON(`"y"`)},
			`~ line 5: "x" → "y"`},
		{"text long line cut", diff.Text,
			diff.Change{Op: diff.Added, Path: "1", New: rawJSON(`"` + strings.Repeat("z", 300) + `"`)},
			`+ line 1: ` + strings.Repeat("z", 199) + `…`},
		{"no key no path", diff.JSON,
			diff.Change{Op: diff.Changed, Old: rawJSON(`1`), New: rawJSON(`2`)},
			`~ (root): 1 → 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := changeLine(tt.format, tt.change); got != tt.want {
				t.Errorf("changeLine() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestEvent_Lines(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	since := now.Add(-2*time.Hour - 15*time.Minute)
	tests := []struct {
		name string
		ev   Event
		want []string
	}{
		{"failing", Event{Type: TypeFailing, Timestamp: now, Data: Data{Watch: "w", Error: "GET: 503\nService Unavailable", Failures: 3, Since: &since}},
			[]string{"Error: GET: 503 Service Unavailable", "Failing since 2026-03-01 09:45:00 UTC"}},
		{"recovered", Event{Type: TypeRecovered, Timestamp: now, Data: Data{Watch: "w", Since: &since}},
			[]string{"Back after failing for 2h 15m (since 2026-03-01 09:45:00 UTC)"}},
		{"recovered without since", Event{Type: TypeRecovered, Timestamp: now, Data: Data{Watch: "w"}},
			[]string{"Back to normal."}},
		{"truncated", Event{Type: TypeChanged, Data: Data{
			Changes:   []diff.Change{{Op: diff.Removed, Key: "a"}},
			Counts:    &diff.Counts{Removed: 40},
			Truncated: true,
		}}, []string{"- a", "…and 39 more changes"}},
		{"test", Event{Type: TypeTest}, []string{"This is a test message from pollhook: if you can read it, this target works."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ev.Lines(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Lines() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSample(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ev := Sample("releases", "https://api.example.com/releases", now)
	if ev.Type != TypeTest || ev.ID == "" || !ev.Timestamp.Equal(now) {
		t.Fatalf("Sample: type %q id %q time %v", ev.Type, ev.ID, ev.Timestamp)
	}
	want := []string{
		"This is a test message from pollhook: if you can read it, this target works.",
		`+ v1.3.0 "Big release: faster & <safer>"`,
		`~ v1.2.0 name: "Release 1.2" → "Release 1.2 (LTS)"`,
		`- v0.9.0`,
	}
	if got := ev.Lines(); !reflect.DeepEqual(got, want) {
		t.Errorf("Lines() = %q, want %q", got, want)
	}
	if other := Sample("releases", "u", now); other.ID == ev.ID {
		t.Error("two sample events share an id; Matrix would drop the second")
	}
}

// TestText_watchName: a message shows the watch name on one line and cut,
// and its title keeps what happened after the name; Title itself, the
// {{title .}} of templates, keeps the name whole.
func TestText_watchName(t *testing.T) {
	long := strings.Repeat("wätch\x1b[2J\n", 1024)
	ev := &Event{Type: TypeFailing, Data: Data{Watch: long, Failures: 3}}
	text := ev.Text()
	if n := human.Len(text.Watch); n > 100 {
		t.Errorf("Watch is %d characters, want at most 100", n)
	}
	if strings.ContainsAny(text.Watch, "\x1b\n") {
		t.Errorf("Watch %q has control characters", text.Watch)
	}
	if want := text.Watch + " is failing (3 polls in a row)"; text.Title != want {
		t.Errorf("Title = %q, want %q", text.Title, want)
	}
	if ev.Title() != long+" is failing (3 polls in a row)" {
		t.Error("(*Event).Title changed the watch name")
	}
	short := &Event{Type: TypeRecovered, Data: Data{Watch: "releases"}}
	if got := short.Text(); got.Watch != "releases" || got.Title != "releases recovered" {
		t.Errorf("Text() = %q, %q", got.Watch, got.Title)
	}
}
