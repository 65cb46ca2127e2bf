// Package human shows values to people: durations and times, and text cut
// to fit a line. The CLI, the status page, chat messages and templates all
// use it, so a duration or a cut line reads the same everywhere.
package human

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Duration shows d in its two largest units: "45s", "5m 3s", "2h 15m",
// "3d 4h"; a second unit of zero is left out ("1h", "1d"). Durations
// under a second are "less than a second".
func Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d < time.Second {
		return "less than a second"
	}
	d = d.Round(time.Second)
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for i, u := range units {
		if d < u.size {
			continue
		}
		s := strconv.FormatInt(int64(d/u.size), 10) + u.name
		if i+1 < len(units) {
			if rest := d % u.size / units[i+1].size; rest > 0 {
				s += " " + strconv.FormatInt(int64(rest), 10) + units[i+1].name
			}
		}
		return s
	}
	return "0s" // unreachable: d >= 1s
}

// Relative says when t is, seen from now: "in 4m 10s", "now" (within a
// second either way), "3h 5m ago".
func Relative(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d > time.Second:
		return "in " + Duration(d)
	case d >= -time.Second:
		return "now"
	}
	return Duration(-d) + " ago"
}

// TimeLayout is how Time shows a time.
const TimeLayout = "2006-01-02 15:04:05 UTC"

// Time shows t for people, in UTC: "2026-11-27 14:30:14 UTC".
func Time(t time.Time) string { return t.UTC().Format(TimeLayout) }

// Len measures s in UTF-16 code units: what JavaScript and most chat
// tools call characters. It is never less than the number of code points,
// so a limit kept in these units is kept in either.
func Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// Cut shortens s to at most n characters as Len counts them (the way chat
// tools count against their limits: an emoji may count two), ending in
// "…" when anything was cut. It cuts between runes, never inside one.
func Cut(s string, n int) string { return cut(s, n, utf16.RuneLen) }

// CutRunes is Cut counting code points: for text people read in a
// terminal, a page or a template, where an emoji is one character.
func CutRunes(s string, n int) string { return cut(s, n, func(rune) int { return 1 }) }

// cut is Cut with each rune measured by width.
func cut(s string, n int, width func(rune) int) string {
	total := 0
	for _, r := range s {
		total += width(r)
	}
	if total <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	budget := n - 1 // room for "…"
	used := 0
	for i, r := range s {
		w := width(r)
		if used+w > budget {
			return s[:i] + "…"
		}
		used += w
	}
	return s
}

// Clean makes s one valid UTF-8 line of the same length in characters:
// control characters and line separators become spaces, invalid bytes
// U+FFFD.
func Clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r == '\u2028' || r == '\u2029' || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// Printable makes text from outside (an API's error, a receiver's answer,
// what a daemon says) safe to print on a terminal: every control
// character but newline and tab (the C0 controls, DEL and the C1 controls,
// ESC and CSI among them, which terminals obey: clearing the screen,
// writing the clipboard) is shown as a \uXXXX escape, and invalid UTF-8
// as U+FFFD. The escape keeps JSON valid: in a JSON string it means the
// same character.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unprintable(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unprintable(r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unprintable reports whether a terminal may act on r rather than show it.
func unprintable(r rune) bool {
	return r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r < 0xa0
}

// Summary says in one line of at most n characters what an error body
// says: for an HTML page its <title> (or, without one, its first line of
// text), never markup; for anything else the text squeezed by OneLine.
// The whole body stays where the operator can read it (pollhook delivery);
// logs, the status page and failure events get this.
func Summary(body []byte, n int) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(body), "\uFFFD"))
	if s == "" {
		return ""
	}
	lower := strings.ToLower(s[:min(len(s), 512)])
	if !strings.HasPrefix(s, "<") && !strings.Contains(lower, "<html") {
		return OneLine(s, n)
	}
	if title, ok := element(s, "title"); ok && strings.TrimSpace(title) != "" {
		return OneLine(html.UnescapeString(stripTags(title)), n)
	}
	text := s
	if b, ok := element(s, "body"); ok {
		text = b
	}
	for _, line := range strings.Split(html.UnescapeString(stripTags(text)), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return OneLine(line, n)
		}
	}
	return ""
}

// element returns the content of the first <name ...>...</name> in an
// HTML text, case-insensitively; the closing tag may be missing (a cut
// body).
func element(s, name string) (string, bool) {
	lower := strings.ToLower(s)
	i := strings.Index(lower, "<"+name)
	if i < 0 {
		return "", false
	}
	j := strings.IndexByte(lower[i:], '>')
	if j < 0 {
		return "", false
	}
	start := i + j + 1
	end := strings.Index(lower[start:], "</"+name)
	if end < 0 {
		return s[start:], true
	}
	return s[start : start+end], true
}

// stripTags drops what is between < and > (and <script>, <style>
// contents), leaving a line break where block elements were.
func stripTags(s string) string {
	for _, tag := range []string{"script", "style"} {
		for {
			lower := strings.ToLower(s)
			i := strings.Index(lower, "<"+tag)
			if i < 0 {
				break
			}
			j := strings.Index(lower[i:], "</"+tag)
			if j < 0 {
				s = s[:i]
				break
			}
			k := strings.IndexByte(lower[i+j:], '>')
			if k < 0 {
				s = s[:i]
				break
			}
			s = s[:i] + s[i+j+k+1:]
		}
	}
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte('\n')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// OneLine squeezes s (an error, a response snippet) into one short line:
// runs of white space become one space, other control characters \uXXXX
// escapes (Printable), and the result is cut to n characters (CutRunes).
func OneLine(s string, n int) string {
	return CutRunes(Printable(strings.Join(strings.Fields(s), " ")), n)
}
