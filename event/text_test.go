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
		{"control characters show as the JSON escapes they are", diff.JSON,
			diff.Change{Op: diff.Changed, Path: `#(id==3).f`, Key: "3", Old: rawJSON(`"x\ny"`), New: rawJSON(`"y\u001b]52;c;QQ==\u0007\u009b31m"`)},
			`~ 3 f: "x\ny" → "y\u001b]52;c;QQ==\u0007\u009b31m"`},
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
			`- line 9: a b\u0000c`},
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

// TestChangeLine_label: a change whose element has a label shows the label
// where the key was; the key still finds the element in the path, so the
// field after it is the same.
func TestChangeLine_label(t *testing.T) {
	long := strings.Repeat("é", 100)
	tests := []struct {
		name   string
		change diff.Change
		want   string
	}{
		{"added, title differs from the label",
			diff.Change{Op: diff.Added, Path: `#(id==20500000)`, Key: "20500000", Label: "v2.13.0",
				New: rawJSON(`{"id":20500000,"tag_name":"v2.13.0","name":"hub 2.13.0"}`)},
			`+ v2.13.0 "hub 2.13.0"`},
		{"added, title repeats the label",
			diff.Change{Op: diff.Added, Path: `#(id==20500000)`, Key: "20500000", Label: "hub 2.13.0",
				New: rawJSON(`{"id":20500000,"name":"hub 2.13.0"}`)},
			`+ hub 2.13.0`},
		{"added, title repeats the key but not the label",
			diff.Change{Op: diff.Added, Path: `#(tag_name=="v2.13.0")`, Key: "v2.13.0", Label: "hub 2.13.0",
				New: rawJSON(`{"tag_name":"v2.13.0","name":"v2.13.0"}`)},
			`+ hub 2.13.0 "v2.13.0"`},
		{"changed field",
			diff.Change{Op: diff.Changed, Path: `#(UniqueId=="ff71cd3b-2261-4248-92fa-f24733cfdcfe").AcresBurned`,
				Key: "ff71cd3b-2261-4248-92fa-f24733cfdcfe", Label: "Bridge Fire", Old: rawJSON(`300`), New: rawJSON(`411`)},
			`~ Bridge Fire AcresBurned: 300 → 411`},
		{"changed whole element",
			diff.Change{Op: diff.Changed, Path: `#(id==3)`, Key: "3", Label: "three", Old: rawJSON(`1`), New: rawJSON(`2`)},
			`~ three: 1 → 2`},
		{"removed",
			diff.Change{Op: diff.Removed, Path: `#(id==19000000)`, Key: "19000000", Label: "v2.11.0",
				Old: rawJSON(`{"id":19000000,"tag_name":"v2.11.0"}`)},
			`- v2.11.0`},
		{"part of a labeled element",
			diff.Change{Op: diff.Added, Path: `#(id==1).assets.#(id==7)`, Key: "7", Label: "hub-linux.tgz",
				New: rawJSON(`{"id":7,"name":"hub-linux.tgz"}`)},
			`+ hub-linux.tgz`},
		{"set member inside a labeled element",
			diff.Change{Op: diff.Added, Path: `#(id==1).tags.#(=="beta")`, Key: "1", Label: "Widget", New: rawJSON(`"beta"`)},
			`+ Widget tags "beta"`},
		{"composite key",
			diff.Change{Op: diff.Changed, Path: `#(region=="eu")#|#(sku=="a1").price`, Key: "eu,a1", Label: "Blue XL",
				Old: rawJSON(`1`), New: rawJSON(`2`)},
			`~ Blue XL price: 1 → 2`},
		{"scalar summary equal to the label",
			diff.Change{Op: diff.Added, Path: `#(=="beta")`, Key: "beta", Label: "beta", New: rawJSON(`"beta"`)},
			`+ beta`},
		{"label without a key keeps the path",
			diff.Change{Op: diff.Changed, Path: `2.price`, Label: "Widget", Old: rawJSON(`1`), New: rawJSON(`2`)},
			`~ Widget 2.price: 1 → 2`},
		{"label with control characters and spaces",
			diff.Change{Op: diff.Changed, Path: `#(id==3).x`, Key: "3", Label: "  a\nb\x1b[2J  ", Old: rawJSON(`1`), New: rawJSON(`2`)},
			`~ a b [2J x: 1 → 2`},
		{"blank label falls back to the key",
			diff.Change{Op: diff.Changed, Path: `#(id==3).x`, Key: "3", Label: " \n\t", Old: rawJSON(`1`), New: rawJSON(`2`)},
			`~ 3 x: 1 → 2`},
		{"long label cut",
			diff.Change{Op: diff.Removed, Path: `#(id==3)`, Key: "3", Label: long},
			`- ` + strings.Repeat("é", 79) + `…`},
		{"label counts in UTF-16 units",
			diff.Change{Op: diff.Removed, Path: `#(id==3)`, Key: "3", Label: strings.Repeat("🎉", 50)},
			`- ` + strings.Repeat("🎉", 39) + `…`},
		{"a link changes nothing in the line",
			diff.Change{Op: diff.Removed, Path: `#(id==3)`, Key: "3", Link: "https://example.com/3"},
			`- 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := changeLine(diff.JSON, tt.change); got != tt.want {
				t.Errorf("changeLine() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// TestEvent_Title: the title of a change event names the labeled elements
// of its listed changes, each label once and in order: as many of the
// first three as fit in 80 characters, then "and N more" for the other
// labels, or "and more" when the event lists fewer changes than it counts.
// Without labels the title is what it always was.
func TestEvent_Title(t *testing.T) {
	labeled := func(op diff.Op, label string) diff.Change {
		return diff.Change{Op: op, Path: `#(id==1)`, Key: "1", Label: label}
	}
	counts := func(a, r, c int) *diff.Counts { return &diff.Counts{Added: a, Removed: r, Changed: c} }
	long := strings.Repeat("x", 50)
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{"no labels", Event{Type: TypeChanged, Data: Data{Watch: "releases",
			Changes: []diff.Change{{Op: diff.Added, Key: "1"}, {Op: diff.Changed, Key: "2"}}, Counts: counts(1, 0, 1)}},
			"releases changed: 1 added, 1 changed"},
		{"no counts, no labels", Event{Type: TypeChanged, Data: Data{Watch: "releases"}}, "releases changed"},
		{"two labels", Event{Type: TypeChanged, Data: Data{Watch: "releases",
			Changes: []diff.Change{labeled(diff.Added, "hub 2.13.0"), labeled(diff.Changed, "hub 2.12.1"), labeled(diff.Changed, "hub 2.12.1")},
			Counts:  counts(1, 0, 2)}},
			"releases changed: 1 added, 2 changed (hub 2.13.0, hub 2.12.1)"},
		{"three labels", Event{Type: TypeChanged, Data: Data{Watch: "w",
			Changes: []diff.Change{labeled(diff.Added, "a"), labeled(diff.Added, "b"), labeled(diff.Added, "c")}, Counts: counts(3, 0, 0)}},
			"w changed: 3 added (a, b, c)"},
		{"five labels", Event{Type: TypeChanged, Data: Data{Watch: "w",
			Changes: []diff.Change{labeled(diff.Added, "a"), labeled(diff.Added, "b"), labeled(diff.Added, "a"),
				labeled(diff.Added, "c"), labeled(diff.Added, "d"), labeled(diff.Added, "e")}, Counts: counts(6, 0, 0)}},
			"w changed: 6 added (a, b, c and 2 more)"},
		{"some changes without a label", Event{Type: TypeChanged, Data: Data{Watch: "status",
			Changes: []diff.Change{{Op: diff.Changed, Path: "status.indicator"}, labeled(diff.Changed, "Git Operations")}, Counts: counts(0, 0, 2)}},
			"status changed: 2 changed (Git Operations)"},
		{"long labels: as many as fit", Event{Type: TypeChanged, Data: Data{Watch: "w",
			Changes: []diff.Change{labeled(diff.Added, long), labeled(diff.Added, long+"y"), labeled(diff.Added, "z")}, Counts: counts(3, 0, 0)}},
			"w changed: 3 added (" + long + " and 2 more)"},
		{"truncated event", Event{Type: TypeChanged, Data: Data{Watch: "w",
			Changes: []diff.Change{labeled(diff.Added, "a"), labeled(diff.Added, "b")}, Counts: counts(40, 0, 0), Truncated: true}},
			"w changed: 40 added (a, b and more)"},
		{"truncated event, more than three labels", Event{Type: TypeChanged, Data: Data{Watch: "w",
			Changes: []diff.Change{labeled(diff.Added, "a"), labeled(diff.Added, "b"), labeled(diff.Added, "c"), labeled(diff.Added, "d")},
			Counts:  counts(40, 0, 0), Truncated: true}},
			"w changed: 40 added (a, b, c and more)"},
		{"labels cleaned", Event{Type: TypeChanged, Data: Data{Watch: "w",
			Changes: []diff.Change{labeled(diff.Added, " a\nb "), labeled(diff.Added, "a b"), labeled(diff.Added, "\t")}, Counts: counts(3, 0, 0)}},
			"w changed: 3 added (a b)"},
		{"no counts, labels", Event{Type: TypeChanged, Data: Data{Watch: "w", Changes: []diff.Change{labeled(diff.Added, "a")}}},
			"w changed (a)"},
		{"text watch ignores labels", Event{Type: TypeChanged, Data: Data{Watch: "w", Format: diff.Text,
			Changes: []diff.Change{{Op: diff.Added, Path: "3", Label: "x", New: rawJSON(`"l"`)}}, Counts: counts(1, 0, 0)}},
			"w changed: 1 added"},
		{"test event keeps its title", Event{Type: TypeTest, Data: Data{Watch: "w",
			Changes: []diff.Change{labeled(diff.Added, "a")}, Counts: counts(1, 0, 0)}},
			"pollhook test message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ev.Title(); got != tt.want {
				t.Errorf("Title() = %q, want %q", got, tt.want)
			}
			if got := tt.ev.Text().Title; got != tt.want {
				t.Errorf("Text().Title = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestText_titleBounded: however long and many the labels, a message's
// title stays within what every chat kind allows for it (256 characters),
// with the longest watch name a message shows.
func TestText_titleBounded(t *testing.T) {
	ev := &Event{Type: TypeChanged, Data: Data{Watch: strings.Repeat("w", 1000),
		Counts: &diff.Counts{Added: 1_000_000, Removed: 1_000_000, Changed: 1_000_000}, Truncated: true}}
	for i := range 100 {
		ev.Data.Changes = append(ev.Data.Changes, diff.Change{Op: diff.Added, Key: "k",
			Label: strings.Repeat("🎉", 30+i)})
	}
	if n := human.Len(ev.Text().Title); n > 256 {
		t.Errorf("title is %d characters: %q", n, ev.Text().Title)
	}
}

// TestText_Links: Links has one entry per change line, the element's link
// when it is an http or https URL; Link is the first of them.
func TestText_Links(t *testing.T) {
	ev := &Event{Type: TypeChanged, Data: Data{Watch: "w", Format: diff.JSON, Changes: []diff.Change{
		{Op: diff.Added, Key: "1"},
		{Op: diff.Added, Key: "2", Link: "javascript:alert(1)"},
		{Op: diff.Added, Key: "3", Link: "HTTPS://example.com/3"},
		{Op: diff.Added, Key: "4", Link: "http://example.com/4?a=1&b=<2>"},
		{Op: diff.Added, Key: "5", Link: "ftp://example.com/5"},
		{Op: diff.Added, Key: "6", Link: " https://example.com/6"},
		{Op: diff.Added, Key: "7", Link: "data:text/html,<script>alert(1)</script>"},
	}}}
	text := ev.Text()
	want := []string{"", "", "HTTPS://example.com/3", "http://example.com/4?a=1&b=<2>", "", "", ""}
	if !reflect.DeepEqual(text.Links, want) {
		t.Errorf("Links = %q, want %q", text.Links, want)
	}
	if text.Link() != "HTTPS://example.com/3" {
		t.Errorf("Link = %q", text.Link())
	}
	if len(text.Links) != len(text.Changes) {
		t.Errorf("%d links for %d lines", len(text.Links), len(text.Changes))
	}
	plain := (&Event{Type: TypeChanged, Data: Data{Changes: []diff.Change{{Op: diff.Added, Key: "1"}}}}).Text()
	if !reflect.DeepEqual(plain.Links, []string{""}) || plain.Link() != "" {
		t.Errorf("unlinked event: Links %q, Link %q", plain.Links, plain.Link())
	}
}

// TestText_Lines: the lines of Event.Lines, in order, each change line with
// its element's link and the others with none.
func TestText_Lines(t *testing.T) {
	since := time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		ev   *Event
		want []Line
	}{
		{"changes, truncated", &Event{Type: TypeChanged, Data: Data{Watch: "w", Format: diff.JSON,
			Changes: []diff.Change{
				{Op: diff.Added, Path: "#(id==1)", Key: "1", Label: "one", Link: "https://example.com/1"},
				{Op: diff.Removed, Path: "#(id==2)", Key: "2"},
			},
			Counts: &diff.Counts{Added: 3, Removed: 1}, Truncated: true}},
			[]Line{{"+ one", "https://example.com/1"}, {"- 2", ""}, {"…and 2 more changes", ""}}},
		{"failing", &Event{Type: TypeFailing, Data: Data{Watch: "w", Error: "boom", Failures: 2, Since: &since}},
			[]Line{{"Error: boom", ""}, {"Failing since " + human.Time(since), ""}}},
		{"a Text made by hand has no links", nil, []Line{{"+ x", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := Text{Changes: []string{"+ x"}}
			if tt.ev != nil {
				text = tt.ev.Text()
			}
			got := text.Lines()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Lines() = %q, want %q", got, tt.want)
			}
			if tt.ev == nil {
				return
			}
			plain := tt.ev.Lines()
			if len(plain) != len(got) {
				t.Fatalf("Event.Lines() = %q", plain)
			}
			for i := range plain {
				if plain[i] != got[i].Text {
					t.Errorf("Event.Lines()[%d] = %q, Text.Lines()[%d] = %q", i, plain[i], i, got[i].Text)
				}
			}
		})
	}
}
