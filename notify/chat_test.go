package notify

import (
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/human"
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

func TestLinkTarget(t *testing.T) {
	t.Parallel()
	long := "https://api.example.com/?q=" + strings.Repeat("a", maxLink)
	tests := []struct {
		name, url, want string
	}{
		{"plain", "https://api.example.com/v1/releases?page=2&per_page=100", "https://api.example.com/v1/releases?page=2&per_page=100"},
		{"escapes kept", "https://api.example.com/a%20b?q=%3C", "https://api.example.com/a%20b?q=%3C"},
		{"characters a URL cannot carry", "https://api.example.com/a b\"c<d>e\\f^g`h{i|j}k", "https://api.example.com/a%20b%22c%3Cd%3Ee%5Cf%5Eg%60h%7Bi%7Cj%7Dk"},
		{"controls", "https://api.example.com/\x00\x1b[2J\r\n\x7f", "https://api.example.com/%00%1B[2J%0D%0A%7F"},
		{"non-ASCII", "https://api.example.com/ü", "https://api.example.com/%C3%BC"},
		{"upper-case scheme", "HTTP://api.example.com/", "HTTP://api.example.com/"},
		{"not http", "javascript:alert(1)", ""},
		{"no scheme", "api.example.com/v1", ""},
		{"empty", "", ""},
		{"at the limit", long[:maxLink], long[:maxLink]},
		{"over the limit", long[:maxLink+1], ""},
		{"over the limit once encoded", long[:maxLink-2] + " ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := linkTarget(tt.url); got != tt.want {
				t.Errorf("linkTarget(%q) = %q, want %q", human.Cut(tt.url, 60), human.Cut(got, 60), human.Cut(tt.want, 60))
			}
		})
	}
}

func TestCutEscaped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    string
		n    int
		want string
	}{
		{"fits", "a<b", 6, "a&lt;b"},
		{"cut before an escape, not inside it", "ab<cd", 5, "ab…"},
		{"cut after an escape", "a<bcd", 7, "a&lt;b…"},
		{"characters, not bytes", "ééé<", 3, "éé…"},
		{"nothing fits", "<<<", 1, "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cutEscaped(tt.s, tt.n, escapeHTML)
			if got != tt.want {
				t.Errorf("cutEscaped(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
			}
			if human.Len(got) > tt.n {
				t.Errorf("%q is longer than %d", got, tt.n)
			}
		})
	}
}
