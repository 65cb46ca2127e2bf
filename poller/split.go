package poller

import (
	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/event"
)

// An element is the changes a poll of a split watch found in one element
// (event.Element), and their counts.
type element struct {
	path, key string
	changes   []diff.Change
	counts    diff.Counts
	removed   bool // removed whole: it is in the old value only
}

// elements groups the changes of a diff by element, in the order of the
// document (the order the elements' first changes come in).
func elements(changes []diff.Change) []*element {
	var out []*element
	type id struct{ path, key string }
	byID := map[id]*element{}
	for _, c := range changes {
		path, key := event.Element(c)
		// The key too: an element named by its index is at another
		// index in the old value (removed) than in the new one.
		el := byID[id{path, key}]
		if el == nil {
			el = &element{path: path, key: key}
			byID[id{path, key}] = el
			out = append(out, el)
		}
		el.changes = append(el.changes, c)
		el.removed = el.removed || (c.Op == diff.Removed && c.Path == path)
		el.counts.Add(c.Op)
	}
	return out
}

// splitEvents makes the events of a split watch's poll from its diff: one
// per element, in document order, each like base with that element's
// changes (at most max_changes of them), counts, key, and label and link
// (its own, read from the new value, or the old one for an element
// removed whole, never those of an element nested in it); at most
// max_events of them, then, when any element is left out, one
// watch.truncated event counting the elements and changes not sent.
//
// The diff lists at most config.SplitListed changes over all elements.
// When it listed fewer than it found, the last element listed may have
// more changes than it shows: it is left out too, so that every element
// event counts all of its element's changes, and the truncated event
// counts every change not sent, listed or not.
func splitEvents(w *config.Watch, base event.Data, res *diff.Result, old, new []byte, newEvent func(typ string, d event.Data) *event.Event) []*event.Event {
	all := elements(res.Changes)
	complete := all
	if res.Truncated && len(all) > 0 {
		complete = all[:len(all)-1]
	}
	sent := complete[:min(len(complete), max(w.MaxEvents, 1))]
	out := make([]*event.Event, 0, len(sent)+1)
	rest := res.Counts // the changes not sent
	for _, el := range sent {
		d := base
		d.Key = el.key
		value := new
		if el.removed {
			value = old
		}
		d.Label, d.Link = w.Differ.ElementNames(value, el.path)
		d.Changes = el.changes
		if n := w.Diff.MaxChanges; n > 0 && len(d.Changes) > n {
			d.Changes, d.Truncated = d.Changes[:n:n], true
		}
		counts := el.counts
		d.Counts = &counts
		rest = diff.Counts{Added: rest.Added - counts.Added,
			Removed: rest.Removed - counts.Removed, Changed: rest.Changed - counts.Changed}
		out = append(out, newEvent(event.TypeChanged, d))
	}
	omitted := len(all) - len(sent)
	if omitted == 0 && !res.Truncated {
		return out
	}
	d := base
	d.Counts, d.Truncated, d.Omitted, d.MaxEvents = &rest, res.Truncated, omitted, w.MaxEvents
	return append(out, newEvent(event.TypeTruncated, d))
}
