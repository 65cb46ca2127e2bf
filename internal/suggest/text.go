package suggest

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/pollhook/pollhook/diff"
)

// Regular expressions of what moves in a text answer on its own, most
// specific first.
const (
	textTimestamp = `\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?`
	textHTTPDate  = `(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT`
	textTime      = `\b\d{1,2}:\d{2}:\d{2}(\.\d+)?\b`
)

var textPatterns = []struct {
	re, why string
}{
	{textTimestamp, "a date and time"},
	{textHTTPDate, "an HTTP date"},
	{textTime, "a time of day"},
}

// analyzeText suggests a text watch: the whole answer, line by line, and
// the timestamps that made the two answers differ, if that is all that
// did; identical says whether the two are the same bytes.
func analyzeText(first, second []byte, identical bool) *Suggestion {
	l1, l2 := textLines(first), textLines(second)
	s := &Suggestion{Format: diff.Text, Shape: Shape{Kind: Text, Len: len(l1)}, Identical: identical}
	if identical {
		return s
	}
	differ := 0
	if len(l1) == len(l2) {
		for i := range l1 {
			if !bytes.Equal(l1[i], l2[i]) {
				differ++
			}
		}
	}
	if differ == 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("the two fetches differ in their lines (%d, then %d): nothing to ignore is suggested", len(l1), len(l2)))
		return s
	}
	same := func(res []*regexp.Regexp) bool {
		a, b := first, second
		for _, re := range res {
			a, b = re.ReplaceAll(a, nil), re.ReplaceAll(b, nil)
		}
		return bytes.Equal(a, b)
	}
	// One pattern alone, else all of those that match.
	var all []*regexp.Regexp
	var allIgnore []Ignore
	for _, p := range textPatterns {
		re := regexp.MustCompile(p.re)
		if !re.Match(first) && !re.Match(second) {
			continue
		}
		ig := Ignore{Path: p.re, Differed: differ, Compared: len(l1), Why: p.why}
		if same([]*regexp.Regexp{re}) {
			s.Ignore = []Ignore{ig}
			return s
		}
		all, allIgnore = append(all, re), append(allIgnore, ig)
	}
	if len(all) > 1 && same(all) {
		s.Ignore = allIgnore
		return s
	}
	lines := "lines differ"
	if differ == 1 {
		lines = "line differs"
	}
	s.Notes = append(s.Notes, fmt.Sprintf("%d %s between the two fetches, and not in a timestamp: nothing to ignore is suggested "+
		"(add a regular expression to ignore if it is noise)", differ, lines))
	return s
}

// textLines splits text into lines as the text diff does: "\r\n" and "\n"
// alike, no last empty line.
func textLines(b []byte) [][]byte {
	b = bytes.TrimSuffix(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"))
	if len(b) == 0 {
		return nil
	}
	return bytes.Split(b, []byte("\n"))
}
