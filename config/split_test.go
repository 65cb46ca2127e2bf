package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/testkit"
)

// TestParse_SplitErrors: split needs elements to split by, and each
// problem is placed at its line.
func TestParse_SplitErrors(t *testing.T) {
	const watch = "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\n"
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"no key", watch + "split = true\n",
			`c.toml:4: watch "a": split: needs key or keys`},
		{"a text watch", watch + "format = \"text\"\nsplit = true\n",
			`c.toml:5: watch "a": split: a text watch has no elements`},
		{"with include", watch + "key = \"id\"\ninclude = [\"patch\"]\nsplit = true\n",
			`c.toml:6: watch "a": split: cannot be used with include`},
		{"not a boolean", watch + "key = \"id\"\nsplit = \"yes\"\n",
			`c.toml:5: watch "a": split: want true or false, got a string`},
		{"max_events 0", watch + "key = \"id\"\nsplit = true\nmax_events = 0\n",
			`c.toml:6: watch "a": max_events: must be 1 to 10000, got 0`},
		{"max_events over its maximum", watch + "key = \"id\"\nsplit = true\nmax_events = 10001\n",
			`c.toml:6: watch "a": max_events: must be 1 to 10000, got 10001`},
		{"max_events in defaults", "[defaults]\nmax_events = -1\n",
			`c.toml:2: defaults: max_events: must be 1 to 10000, got -1`},
		{"max_events not an integer", watch + "key = \"id\"\nsplit = true\nmax_events = \"5\"\n",
			`c.toml:6: watch "a": max_events: want an integer, got a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(tt.src), env(nil))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse = %v, want config.Errors", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not contain %q:\n%v", tt.want, err)
			}
		})
	}
}

// TestParse_Split reads split and max_events, from the watch or from
// [defaults], and the listing of a split watch's diff: max_changes bounds
// each element's event, not the poll's listing.
func TestParse_Split(t *testing.T) {
	const watch = "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nkey = \"id\"\n"
	tests := []struct {
		name              string
		src               string
		split             bool
		maxEvents, listed int
	}{
		{"not split", watch + "max_changes = 2\n", false, DefaultMaxEvents, 2},
		{"split, defaults", watch + "split = true\n", true, DefaultMaxEvents, 10},
		{"split with keys only", "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nkeys = { items = \"id\" }\nsplit = true\n", true, DefaultMaxEvents, 0},
		{"max_events", watch + "split = true\nmax_events = 3\nmax_changes = 2\n", true, 3, 10},
		{"max_events from defaults", "[defaults]\nmax_events = 4\nmax_changes = 1\n" + watch + "split = true\n", true, 4, 10},
		{"largest max_events", watch + "split = true\nmax_events = 10000\n", true, MaxEventsLimit, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("c.toml", []byte(tt.src), env(nil))
			if err != nil {
				t.Fatal(err)
			}
			w := cfg.Watches[0]
			if w.Split != tt.split || w.MaxEvents != tt.maxEvents {
				t.Errorf("split %v max_events %d, want %v %d", w.Split, w.MaxEvents, tt.split, tt.maxEvents)
			}
			if tt.listed == 0 {
				return
			}
			// Ten added elements: how many the watch's diff lists.
			var old, new []string
			for i := range 10 {
				new = append(new, fmt.Sprintf(`{"id":%d}`, i))
			}
			prev, err := w.Differ.Prepare(diff.JSON, []byte("["+strings.Join(old, ",")+"]"))
			if err != nil {
				t.Fatal(err)
			}
			next, err := w.Differ.Prepare(diff.JSON, []byte("["+strings.Join(new, ",")+"]"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := w.Differ.Diff(diff.JSON, prev.Data, next.Data)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Changes) != tt.listed || res.Counts.Added != 10 {
				t.Errorf("listed %d of %d changes, want %d of 10", len(res.Changes), res.Counts.Added, tt.listed)
			}
		})
	}
	options := testkit.DocSection(t, "docs/configuration.md", "### Options")
	if row := fmt.Sprintf("| `max_events` | %d |", DefaultMaxEvents); !strings.Contains(options, row) {
		t.Errorf("docs/configuration.md's options do not say the default max_events, %d", DefaultMaxEvents)
	}
}

// TestParse_SplitWarnings: max_events without split does nothing, and
// says so; in [defaults] it is for the watches that split.
func TestParse_SplitWarnings(t *testing.T) {
	const hook = "[[target]]\nname = \"hook\"\nurl = \"https://h.example/\"\n"
	const watch = "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nnotify = [\"hook\"]\nkey = \"id\"\n"
	tests := []struct {
		name, src, want string
	}{
		{"max_events without split", hook + watch + "max_events = 5\n",
			`c.toml:10: watch "a": max_events: has no effect without split = true`},
		{"max_events with split = false", hook + watch + "split = false\nmax_events = 5\n",
			`c.toml:11: watch "a": max_events: has no effect without split = true`},
		{"max_events in defaults", "[defaults]\nmax_events = 5\n\n" + hook + watch, ""},
		{"split", hook + watch + "split = true\nmax_events = 5\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("c.toml", []byte(tt.src), env(nil))
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Warnings.Error(); len(cfg.Warnings) > 0 && got != tt.want || len(cfg.Warnings) == 0 && tt.want != "" {
				t.Errorf("warnings %q, want %q", got, tt.want)
			}
		})
	}
}

// TestWatch_Fingerprint_Split: a reload that turns split on or changes
// max_events applies to the watch.
func TestWatch_Fingerprint_Split(t *testing.T) {
	const watch = "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nkey = \"id\"\n"
	prints := map[string]bool{}
	for _, src := range []string{watch, watch + "split = true\n", watch + "split = true\nmax_events = 5\n"} {
		cfg, err := Parse("c.toml", []byte(src), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		prints[cfg.Watches[0].Fingerprint()] = true
	}
	if len(prints) != 3 {
		t.Errorf("%d fingerprints for 3 settings", len(prints))
	}
}
