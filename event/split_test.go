package event

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/diff"
)

func TestElement(t *testing.T) {
	tests := []struct {
		name           string
		c              diff.Change
		wantPath, want string
	}{
		{name: "an element", c: diff.Change{Path: `#(id==3)`, Key: "3"}, wantPath: `#(id==3)`, want: "3"},
		{name: "a member", c: diff.Change{Path: `#(tag_name=="v1.2.0").name`, Key: "v1.2.0"}, wantPath: `#(tag_name=="v1.2.0")`, want: "v1.2.0"},
		{name: "a nested keyed element belongs to the outer one",
			c:        diff.Change{Path: `#(id==1).variants.#(sku=="a").price`, Key: "a"},
			wantPath: `#(id==1)`, want: "1"},
		{name: "an unkeyed array inside", c: diff.Change{Path: `#(id==1).tags.0`, Key: "1"}, wantPath: `#(id==1)`, want: "1"},
		{name: "a composite key", c: diff.Change{Path: `#(region=="eu")#|#(sku=="a").price`, Key: "eu,a"},
			wantPath: `#(region=="eu")#|#(sku=="a")`, want: "eu,a"},
		{name: "a keyed array inside an object", c: diff.Change{Path: `components.#(id=="brv1").status`, Key: "brv1"},
			wantPath: `components.#(id=="brv1")`, want: "brv1"},
		{name: "outside the keyed arrays", c: diff.Change{Path: `status.indicator`}, wantPath: "", want: ""},
		{name: "a set member", c: diff.Change{Path: `#(=="beta")`, Key: "beta"}, wantPath: `#(=="beta")`, want: "beta"},
		{name: "a keyed element named by its index", c: diff.Change{Path: `3.name`, Key: "7"}, wantPath: "3", want: "7"},
		{name: "a query with a dot and a bar in its value", c: diff.Change{Path: `#(name=="a.b|c").x`, Key: "a.b|c"},
			wantPath: `#(name=="a.b|c")`, want: "a.b|c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, key := Element(tt.c)
			if path != tt.wantPath || key != tt.want {
				t.Errorf("Element(%q) = %q, %q, want %q, %q", tt.c.Path, path, key, tt.wantPath, tt.want)
			}
		})
	}
}

// TestEvent_Text_Element: an event about one element names it in its
// title; an element added or removed whole reads as that one line, and a
// changed one lists its changes inside it, without its name again.
func TestEvent_Text_Element(t *testing.T) {
	const page = "https://github.com/acme/app/releases/tag/v1.3.0"
	added := diff.Change{Op: diff.Added, Path: `#(id==3)`, Key: "3", Label: "v1.3.0", Link: page,
		New: json.RawMessage(`{"id":3,"tag_name":"v1.3.0","name":"Big release"}`)}
	tests := []struct {
		name      string
		data      Data
		title     string
		lines     []string
		home      string
		allLinked bool
	}{
		{"added", Data{Key: "3", Label: "v1.3.0", Link: page, Changes: []diff.Change{added}, Counts: &diff.Counts{Added: 1}},
			`releases: v1.3.0 added "Big release"`, nil, page, true},
		{"removed, no label", Data{Key: "9", Changes: []diff.Change{{Op: diff.Removed, Path: `#(id==9)`, Key: "9",
			Old: json.RawMessage(`{"id":9}`)}}, Counts: &diff.Counts{Removed: 1}},
			`releases: 9 removed`, nil, "", true},
		{"changed", Data{Key: "2", Label: "v1.2.0", Counts: &diff.Counts{Changed: 2}, Changes: []diff.Change{
			{Op: diff.Changed, Path: `#(id==2).name`, Key: "2", Label: "v1.2.0", Old: json.RawMessage(`"a"`), New: json.RawMessage(`"b"`)},
			{Op: diff.Added, Path: `#(id==2).assets.#(id==5)`, Key: "5", Label: "v1.2.0",
				New: json.RawMessage(`{"id":5,"name":"app.tgz"}`)},
		}}, `releases: v1.2.0 changed`, []string{`~ name: "a" → "b"`, `+ assets.#(id==5) "app.tgz"`}, "", true},
		{"the whole value", Data{Counts: &diff.Counts{Changed: 1}, Changes: []diff.Change{
			{Op: diff.Changed, Path: `total`, Old: json.RawMessage(`1`), New: json.RawMessage(`2`)}}},
			`releases changed: 1 changed`, []string{`~ total: 1 → 2`}, "", true},
		{"a hostile label", Data{Key: "3", Label: "v1\n\x1b[31m" + strings.Repeat("x", 500), Link: page, Changes: []diff.Change{added},
			Counts: &diff.Counts{Added: 1}}, "", nil, page, false},
		// The element's link is its own: not that of a change, which may
		// be of an element nested in it, and only an http or https one.
		{"a change's link is not the element's", Data{Key: "3", Label: "v1.3.0", Changes: []diff.Change{added},
			Counts: &diff.Counts{Added: 1}}, "", nil, "", false},
		{"a javascript link", Data{Key: "3", Link: "javascript:alert(1)", Changes: []diff.Change{added},
			Counts: &diff.Counts{Added: 1}}, "", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.data
			d.Watch, d.Format = "releases", diff.JSON
			ev := &Event{Type: TypeChanged, Data: d}
			text := ev.Text()
			if tt.title != "" && text.Title != tt.title {
				t.Errorf("title %q, want %q", text.Title, tt.title)
			}
			if strings.ContainsAny(text.Title, "\n\x1b") || len([]rune(text.Title)) > 256 {
				t.Errorf("title %q is not one short line", text.Title)
			}
			if strings.Join(text.Changes, "\n") != strings.Join(tt.lines, "\n") {
				t.Errorf("lines %q, want %q", text.Changes, tt.lines)
			}
			if text.Home != tt.home || len(text.Links) != len(text.Changes) {
				t.Errorf("home %q with %d links, want %q and one per line", text.Home, len(text.Links), tt.home)
			}
		})
	}
}

func TestEvent_Title_Truncated(t *testing.T) {
	tests := []struct {
		name string
		data Data
		want string
	}{
		{"several", Data{Omitted: 3, MaxEvents: 100}, "releases: 3 more elements changed, not sent (max_events = 100)"},
		{"one", Data{Omitted: 1, MaxEvents: 2}, "releases: 1 more element changed, not sent (max_events = 2)"},
		{"the listing was cut", Data{Omitted: 5, MaxEvents: 100, Truncated: true},
			"releases: 5 or more elements changed, not sent (max_events = 100)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.data.Watch = "releases"
			tt.data.Counts = &diff.Counts{Added: 2, Changed: 1}
			ev := &Event{Type: TypeTruncated, Data: tt.data}
			if got := ev.Title(); got != tt.want {
				t.Errorf("title %q, want %q", got, tt.want)
			}
			lines := ev.Lines()
			if len(lines) == 0 || lines[0] != "Their changes: 2 added, 1 changed." {
				t.Errorf("lines %q", lines)
			}
			for _, l := range lines {
				if strings.HasPrefix(l, "…and") {
					t.Errorf("a truncated event lists no changes to say more of: %q", lines)
				}
			}
		})
	}
}

// TestSampleOf: test-target has a sample of every type, each one that
// renders with its own title.
func TestSampleOf(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	titles := map[string]bool{}
	for _, typ := range Types() {
		for _, split := range []bool{false, true} {
			ev, ok := SampleOf(typ, "releases", "https://api.example.com/v1/releases", split, now)
			if !ok || ev.Type != typ {
				t.Fatalf("SampleOf(%q) = %v, %v", typ, ev, ok)
			}
			if _, err := json.Marshal(ev); err != nil {
				t.Fatal(err)
			}
			titles[ev.Title()] = true
		}
	}
	if len(titles) != len(Types())+1 { // watch.changed has a split sample too
		t.Errorf("%d titles for %d types: %v", len(titles), len(Types()), titles)
	}
	if ev, ok := SampleOf("watch.unknown", "w", "u", false, now); ok || ev != nil {
		t.Errorf("SampleOf an unknown type = %v, %v", ev, ok)
	}
}

// TestNewIDs: the ids of events made at once sort in the order given.
func TestNewIDs(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ids := NewIDs(now, 50)
	seen := map[string]bool{}
	for i, id := range ids {
		if i > 0 && id <= ids[i-1] || seen[id] || !strings.HasPrefix(id, "msg_") || len(id) != 30 {
			t.Fatalf("ids %q", ids)
		}
		seen[id] = true
	}
}
