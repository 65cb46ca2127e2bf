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

// ElementSample returns a realistic event of a split watch: the release
// v1.3.0 added, as the one change of its own event.
func ElementSample(watch, url string, now time.Time) *Event {
	ev := Sample(watch, url, now)
	ev.Type = TypeChanged
	ev.Data.Key, ev.Data.Label = "v1.3.0", "v1.3.0"
	ev.Data.Changes = ev.Data.Changes[:1]
	ev.Data.Counts = &diff.Counts{Added: 1}
	return ev
}

// SampleOf returns a realistic event of type typ (one of Types), for
// `pollhook test-target --event` and the template check: Sample for
// pollhook.test, Sample as a change event for watch.changed (or, for a
// split watch, ElementSample), and a failing, recovered or truncated
// watch. ok is false for a type that is none of Types.
func SampleOf(typ, watch, url string, split bool, now time.Time) (ev *Event, ok bool) {
	since := Now(now.Add(-time.Hour))
	data := Data{Watch: watch, URL: url, Seq: 1}
	switch typ {
	case TypeTest:
		return Sample(watch, url, now), true
	case TypeChanged:
		if split {
			return ElementSample(watch, url, now), true
		}
		ev = Sample(watch, url, now)
		ev.Type = TypeChanged
		return ev, true
	case TypeTruncated:
		data.Format, data.Omitted, data.MaxEvents = diff.JSON, 3, 100
		data.Counts = &diff.Counts{Added: 2, Changed: 1}
	case TypeFailing:
		data.Error, data.Failures, data.Since = "HTTP 502", 3, &since
	case TypeRecovered:
		data.Failures, data.Since = 3, &since
	case TypeSubscriptionDisabled:
		data = Data{Watch: "ep_01KBXAMP1E0000000000000000", URL: "https://consumer.example.com/hooks",
			Seq: 1, Endpoint: "ep_01KBXAMP1E0000000000000000", App: "app_01KBXAMP1E0000000000000000",
			Error: "HTTP 503", Since: &since}
	default:
		return nil, false
	}
	return &Event{ID: NewID(now), Type: typ, Timestamp: Now(now), Data: data}, true
}
