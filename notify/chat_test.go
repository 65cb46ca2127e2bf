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

func TestChatText_fitLinked(t *testing.T) {
	t.Parallel()
	// Lines cost 21 unlinked; a link adds its target and "<>" (22 with
	// the 20-byte targets below), so a linked line costs 43.
	c := &chatText{}
	for i, r := range "abcd" {
		c.Changes = append(c.Changes, "+ "+strings.Repeat(string(r), 18))
		c.Links = append(c.Links, "https://x.example/"+string(rune('0'+i))+"/")
	}
	render := func(l, link string) string {
		if link == "" {
			return l
		}
		return "<" + link + ">" + l
	}
	cost := func(e, _ string) int { return len(e) + 1 }
	// invisible is a cost that does not see links, like Telegram's.
	invisible := func(e, _ string) int { return len(e[strings.Index(e, "+"):]) + 1 }
	all := linkRoom{lines: 4, bytes: 1000}
	tests := []struct {
		name       string
		links      []string
		cost       func(string, string) int
		budget     int
		room       linkRoom
		wantLinked string // per kept line: L linked, - unlinked
		wantMore   int
	}{
		{"room for every link", nil, cost, 1000, all, "LLLL", 0},
		{"no room", nil, cost, 1000, linkRoom{}, "----", 0},
		{"at most two lines linked", nil, cost, 1000, linkRoom{lines: 2, bytes: 1000}, "LL--", 0},
		{"links' bytes used up: the next lines unlinked, not left out", nil, cost, 1000, linkRoom{lines: 4, bytes: 44}, "LL--", 0},
		{"links too long", nil, cost, 1000, linkRoom{lines: 4, each: 19, bytes: 1000}, "----", 0},
		{"linked lines too long", nil, cost, 1000, linkRoom{lines: 4, line: 42, bytes: 1000}, "----", 0},
		{"a line that fits only unlinked is shown unlinked", nil, cost, 3*43 + 21, all, "LLL-", 0},
		{"the cut keeps the tail", nil, cost, 2*43 + 21 + 22, all, "LL", 2},
		{"links that are no targets", []string{"", "javascript:alert(1)", "ftp://x.example/", "https://x.example/3/"}, cost, 1000, all, "---L", 0},
		{"invisible links count their targets", nil, invisible, 1000, linkRoom{lines: 4, bytes: 40}, "LL--", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := *c
			if tt.links != nil {
				c.Links = tt.links
			}
			f := c.fitLinked(render, tt.cost, tt.budget, tt.room)
			var got strings.Builder
			for i, l := range f.lines {
				switch {
				case f.links[i] == "" && l == c.Changes[i]:
					got.WriteByte('-')
				case f.links[i] == linkTarget(c.Links[i]) && l == render(c.Changes[i], f.links[i]):
					got.WriteByte('L')
				default:
					t.Errorf("line %d = %q with link %q", i, l, f.links[i])
				}
			}
			if got.String() != tt.wantLinked || f.more != tt.wantMore {
				t.Errorf("fitLinked = %s and %d more; want %s and %d", got.String(), f.more, tt.wantLinked, tt.wantMore)
			}
		})
	}
}

func TestChatText_fitFormatted(t *testing.T) {
	t.Parallel()
	// Code block lines cost 21, formatted ones 31 (escaped), 53 linked;
	// the tail costs 22 in the code block, 32 formatted.
	line := func(l, link string) string {
		e := "**" + l + "********"
		if link == "" {
			return e
		}
		return e + "<" + link + ">"
	}
	block := func(l string) string { return l }
	cost := func(e string) int { return len(e) + 1 }
	newText := func(n int, link string) *chatText {
		c := &chatText{}
		for i := range n {
			c.Changes = append(c.Changes, "+ "+strings.Repeat("x", 17)+string(rune('a'+i)))
			c.Links = append(c.Links, link)
		}
		return c
	}
	const link = "https://x.example/1/"
	room := linkRoom{lines: 100, bytes: 1000}
	tests := []struct {
		name       string
		c          *chatText
		budget     int
		wantLinked bool
		wantLines  int
	}{
		{"no links: the code block", newText(4, ""), 1000, false, 4},
		{"everything fits linked", newText(4, link), 1000, true, 4},
		{"linked shows half the lines", newText(10, link), 5*53 + 32, true, 5},
		{"linked would show less than half: the code block", newText(20, link), 5*53 + 32, false, 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, linked := tt.c.fitFormatted(line, block, cost, tt.budget, room)
			if linked != tt.wantLinked || len(f.lines) != tt.wantLines {
				t.Errorf("fitFormatted = %d lines, linked %v; want %d, %v", len(f.lines), linked, tt.wantLines, tt.wantLinked)
			}
			if linked != f.linked() {
				t.Errorf("linked %v, but the lines' links are %q", linked, f.links)
			}
		})
	}
}

func TestMarkupLines(t *testing.T) {
	t.Parallel()
	const link = "https://x.example/a(b)?c=1&d=2"
	tests := []struct {
		name       string
		render     func(l, link string) string
		line, link string
		want       string
	}{
		{"slack", slackLine, `+ a|b>c]d<e[f & "g"`, link, `<https://x.example/a(b)?c=1&amp;d=2|+ a|b&gt;c]d&lt;e[f &amp; "g">`},
		{"slack, a fence", slackLine, "~ x: \"```\" → 1", link, "<https://x.example/a(b)?c=1&amp;d=2|~ x: \"`\u200b`\u200b`\" → 1>"},
		{"slack unlinked", slackLine, `- a<b>`, "", `- a&lt;b&gt;`},
		{"markdown", markdownLine, `+ a|b>c]d<e[f`, link, `\+ a\|b\>c\]d\<e\[f [↗](<https://x.example/a%28b%29?c=1&d=2>)`},
		{"markdown, a link in the text", markdownLine, `+ [x](https://evil.example/)`, link,
			`\+ \[x\]\(https://evil\.example/\) [↗](<https://x.example/a%28b%29?c=1&d=2>)`},
		{"markdown unlinked", markdownLine, `- *a*`, "", `\- \*a\*`},
		{"html", htmlLine, `+ a<b>&"c"`, link, `<a href="https://x.example/a(b)?c=1&amp;d=2">+ a&lt;b&gt;&amp;"c"</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.render(tt.line, tt.link); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
