package human

import (
	"strings"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "less than a second"},
		{400 * time.Millisecond, "less than a second"},
		{45 * time.Second, "45s"},
		{59600 * time.Millisecond, "1m"},
		{5*time.Minute + 3*time.Second, "5m 3s"},
		{time.Hour, "1h"},
		{3*time.Hour + 20*time.Second, "3h"},
		{2*time.Hour + 15*time.Minute + 9*time.Second, "2h 15m"},
		{76 * time.Hour, "3d 4h"},
		{24*time.Hour + 5*time.Minute, "1d"},
		{-90 * time.Second, "1m 30s"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := Duration(tt.d); got != tt.want {
				t.Errorf("Duration(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestRelative(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		t    time.Time
		want string
	}{
		{now, "now"},
		{now.Add(900 * time.Millisecond), "now"},
		{now.Add(-time.Second), "now"},
		{now.Add(-45 * time.Second), "45s ago"},
		{now.Add(-4*time.Minute - 10*time.Second), "4m 10s ago"},
		{now.Add(3*time.Hour + 5*time.Minute), "in 3h 5m"},
		{now.Add(-50 * time.Hour), "2d 2h ago"},
		{now.Add(time.Hour), "in 1h"},
	}
	for _, tt := range tests {
		if got := Relative(tt.t, now); got != tt.want {
			t.Errorf("Relative(%v) = %q, want %q", tt.t.Sub(now), got, tt.want)
		}
	}
}

func TestTime(t *testing.T) {
	at := time.Date(2026, 11, 27, 15, 30, 14, 0, time.FixedZone("CET", 3600))
	if got := Time(at); got != "2026-11-27 14:30:14 UTC" {
		t.Errorf("Time = %q", got)
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		name          string
		s             string
		n             int
		runes, utf16s string
	}{
		{"fits", "abc", 3, "abc", "abc"},
		{"ascii", "abcdef", 4, "abc…", "abc…"},
		{"multibyte", "ééééé", 3, "éé…", "éé…"},
		{"astral", "a😀b", 3, "a😀b", "a…"},
		{"astral cut", "😀😀😀😀😀", 3, "😀😀…", "😀…"},
		{"zero", "abc", 0, "", ""},
		{"negative", "abc", -1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CutRunes(tt.s, tt.n); got != tt.runes {
				t.Errorf("CutRunes(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.runes)
			}
			got := Cut(tt.s, tt.n)
			if got != tt.utf16s {
				t.Errorf("Cut(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.utf16s)
			}
			if Len(got) > max(tt.n, 0) {
				t.Errorf("Cut(%q, %d) is %d long", tt.s, tt.n, Len(got))
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"HTTP 500:\n  {\"error\": \"boom\"}\n", 60, `HTTP 500: {"error": "boom"}`},
		{"a\tb\x00c", 60, `a b\u0000c`},
		{"oops \x1b]52;c;SGVsbG8=\x07 \u009b31m", 60, `oops \u001b]52;c;SGVsbG8=\u0007 \u009b31m`},
		{"bad \xff byte", 60, "bad \uFFFD byte"},
		{"0123456789", 5, "0123…"},
		{"😀😀😀😀😀😀", 4, "😀😀😀…"},
	}
	for _, tt := range tests {
		if got := OneLine(tt.s, tt.n); got != tt.want {
			t.Errorf("OneLine(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestClean(t *testing.T) {
	if got := Clean("a\nb\u2028c\xffd"); got != "a b c\uFFFDd" {
		t.Errorf("Clean = %q", got)
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text, été, 😀", "plain text, été, 😀"},
		{"two\nlines\tand a tab", "two\nlines\tand a tab"},
		{"\x1b]52;c;Y2xpcGJvYXJk\x07 clipboard", `\u001b]52;c;Y2xpcGJvYXJk\u0007 clipboard`},
		{"\x1b[2J cleared", `\u001b[2J cleared`},
		{"csi \u009b31m c1, del \x7f, nul \x00, cr \r", `csi \u009b31m c1, del \u007f, nul \u0000, cr \u000d`},
		{"bad \xff byte", "bad \uFFFD byte"},
		{`{"error":"\u001b is escaped JSON already"}`, `{"error":"\u001b is escaped JSON already"}`},
	}
	for _, tt := range tests {
		if got := Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSummary(t *testing.T) {
	nginx := "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	tests := []struct {
		name, body, want string
	}{
		{"empty", "  \n", ""},
		{"json", "{\"error\": \"database\nunavailable\"}", `{"error": "database unavailable"}`},
		{"text", "upstream timeout\nafter 30s", "upstream timeout after 30s"},
		{"nginx", nginx, "503 Service Temporarily Unavailable"},
		{"title with entities", "<!DOCTYPE html><html><head><meta charset=utf-8><TITLE>Bad &amp; worse &#8211; 502</TITLE>", "Bad & worse – 502"},
		{"no title", "<!doctype html><html><head><style>body{color:red}</style><script>x()</script></head><body>\n\n  <p>The server is <b>down</b>.</p></body></html>", "The server is"},
		{"cut short", "<html><head><title>A very long title", "A very long title"},
		{"long", strings.Repeat("word ", 100), strings.Repeat("word ", 11) + "word…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summary([]byte(tt.body), 60)
			if got != tt.want {
				t.Errorf("Summary = %q, want %q", got, tt.want)
			}
			if strings.ContainsAny(got, "<>") {
				t.Errorf("Summary shows markup: %q", got)
			}
		})
	}
}
