package inspect

import (
	"encoding/json"
	"fmt"

	"github.com/pollhook/pollhook/diff"
)

// What a poll of a watch did, as Polled.Result names it.
const (
	PollChanged     = "changed"      // a change event was committed (or, dry, would be)
	PollUnchanged   = "unchanged"    // the data was the snapshot's
	PollNotModified = "not_modified" // the API answered 304
	PollBaseline    = "baseline"     // the first snapshot was stored (or, dry, would be)
	PollConfirming  = "confirming"   // a change waits for confirm
	PollQuiet       = "quiet"        // the data changed, but no change fires (on, when)
	PollFailed      = "failed"
	PollPaused      = "paused"  // not polled: the API asked to wait
	PollSkipped     = "skipped" // not polled: a poll of it was running
)

// Polled is what one poll of a watch did, as pollhook once, POST
// /api/once and the status page's "poll now" tell it.
type Polled struct {
	Watch  string `json:"watch"`
	Result string `json:"result"`
	DryRun bool   `json:"dry_run,omitempty"`
	// Error says why a poll failed or was not made.
	Error string `json:"error,omitempty"`
	// Events are the ids of the events the poll committed (in a dry run,
	// the change event it would have), in order.
	Events []string `json:"events,omitempty"`
	// Counts are the change event's.
	Counts *diff.Counts `json:"counts,omitempty"`
	// Shape describes the value the poll prepared (none for a 304). Of an
	// answer the same as one whose value was the snapshot's, which is not
	// prepared again, it has the format, type and length only.
	Shape *diff.Shape `json:"shape,omitempty"`
	// Seen of Confirm polls in a row saw the change that waits.
	Seen    int `json:"seen,omitempty"`
	Confirm int `json:"confirm,omitempty"`
	// Value is the prepared value, when asked for (pollhook once --show):
	// JSON, or for a text watch the text as a JSON string. A value over
	// the limit the daemon sets is left out, and ValueBytes says its size.
	Value      json.RawMessage `json:"value,omitempty"`
	ValueBytes int             `json:"value_bytes,omitempty"`
}

// Summary says in a line what the poll did, without the watch's name:
// "no change (30 elements)", "baseline stored, nothing sent (array of 30
// objects keyed by id)".
func (p Polled) Summary() string {
	dry := ""
	if p.DryRun {
		dry = " (dry run: nothing stored or sent)"
	}
	switch p.Result {
	case PollChanged:
		s := "changed"
		if c := p.Counts; c != nil {
			s += fmt.Sprintf(": %d added, %d removed, %d changed", c.Added, c.Removed, c.Changed)
		}
		return s + dry
	case PollUnchanged:
		if size := p.size(); size != "" {
			return "no change (" + size + ")"
		}
		return "no change"
	case PollNotModified:
		return "no change (304 Not Modified)"
	case PollBaseline:
		s := "baseline stored, nothing sent"
		if p.DryRun {
			s = "no baseline yet: this poll would store one and send nothing"
		}
		if p.Shape != nil {
			s += " (" + p.Shape.String() + ")"
		}
		return s
	case PollConfirming:
		return fmt.Sprintf("a change seen on %d of %d polls in a row: waiting for confirmation, nothing sent", p.Seen, p.Confirm)
	case PollQuiet:
		return "changed, but no change fires (on, when): nothing sent"
	case PollFailed:
		return "failed: " + p.Error
	case PollPaused:
		return "not polled: " + p.Error
	case PollSkipped:
		return "not polled: a poll of it is already running (its changes are delivered as usual)"
	}
	return p.Result
}

// size is how big the polled value is, in a few words, or "".
func (p Polled) size() string {
	s := p.Shape
	if s == nil {
		return ""
	}
	switch s.Type {
	case "array":
		return fmt.Sprintf("%d %s", s.Len, plural(s.Len, "element", "elements"))
	case "object":
		return fmt.Sprintf("%d %s", s.Len, plural(s.Len, "member", "members"))
	case "text":
		return fmt.Sprintf("%d %s", s.Len, plural(s.Len, "line", "lines"))
	}
	return ""
}
