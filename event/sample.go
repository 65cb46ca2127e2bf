package event

import (
	"encoding/json"
	"time"

	"github.com/pollhook/pollhook/diff"
)

// Sample returns a realistic change event of type pollhook.test, with one
// change of each kind, for `pollhook test-target`, the template check and
// the tests. Its id is new on every call, so a tool that deduplicates
// (Matrix) shows each test.
func Sample(watch, url string, now time.Time) *Event {
	return &Event{
		ID:        NewID(now),
		Type:      TypeTest,
		Timestamp: Now(now),
		Data: Data{
			Watch:  watch,
			URL:    url,
			Seq:    1,
			Format: diff.JSON,
			Changes: []diff.Change{
				{
					Op: diff.Added, Path: `#(tag_name=="v1.3.0")`, Key: "v1.3.0",
					New: json.RawMessage(`{"tag_name":"v1.3.0","name":"Big release: faster & <safer>","draft":false}`),
				},
				{
					Op: diff.Changed, Path: `#(tag_name=="v1.2.0").name`, Key: "v1.2.0",
					Old: json.RawMessage(`"Release 1.2"`), New: json.RawMessage(`"Release 1.2 (LTS)"`),
				},
				{
					Op: diff.Removed, Path: `#(tag_name=="v0.9.0")`, Key: "v0.9.0",
					Old: json.RawMessage(`{"tag_name":"v0.9.0","name":"v0.9.0","draft":true}`),
				},
			},
			Counts: &diff.Counts{Added: 1, Removed: 1, Changed: 1},
		},
	}
}
