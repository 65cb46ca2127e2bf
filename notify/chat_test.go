package notify

import (
	"strings"
	"testing"
)

func TestChatText_fit(t *testing.T) {
	t.Parallel()
	// Lines cost 21, the tail 22 ("…" is three bytes).
	c := &chatText{}
	for _, r := range "abcd" {
		c.Changes = append(c.Changes, "+ "+strings.Repeat(string(r), 18))
	}
	cost := func(l string) int { return len(l) + 1 }
	id := func(l string) string { return l }
	tests := []struct {
		name     string
		unlisted int
		budget   int
		wantKept int
		wantMore int
	}{
		{"all fit", 0, 84, 4, 0},
		{"cut leaves room for the tail", 0, 80, 2, 2},
		{"tail of unlisted changes", 5, 200, 4, 5},
		{"tail of unlisted changes costs lines", 5, 84, 2, 7},
		{"nothing fits", 0, 3, 0, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Unlisted = tt.unlisted
			f := c.fit(id, cost, tt.budget)
			if len(f.lines) != tt.wantKept || f.more != tt.wantMore {
				t.Errorf("fit = %d lines, %d more; want %d, %d", len(f.lines), f.more, tt.wantKept, tt.wantMore)
			}
		})
	}
}

func TestFitNeverSplitsEscapes(t *testing.T) {
	t.Parallel()
	// Every line escapes to a run of entities; whatever the budget, the
	// kept text is whole lines of whole entities.
	c := &chatText{}
	for i := 0; i < 50; i++ {
		c.Changes = append(c.Changes, "+ <&>"+strings.Repeat("é", i))
	}
	for budget := 0; budget < 600; budget += 7 {
		f := c.fit(escapeHTML, func(e string) int { return len(e) + 1 }, budget)
		for i, l := range f.lines {
			if l != escapeHTML(c.Changes[i]) {
				t.Fatalf("budget %d: line %d = %q, want the whole escaped line", budget, i, l)
			}
		}
		if len(f.lines)+f.more != len(c.Changes) {
			t.Fatalf("budget %d: %d kept + %d more != %d", budget, len(f.lines), f.more, len(c.Changes))
		}
	}
}
