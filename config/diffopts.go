package config

import (
	"fmt"

	"github.com/pollhook/pollhook/diff"
)

// diffDefaults are the diff settings [defaults] may give every watch: the
// ones about noise and size. What to select, how to key and what to ignore
// depend on each API, so they are set per watch.
type diffDefaults struct {
	on         []diff.Op
	confirm    int
	include    []string
	maxChanges int
	maxEvents  int
}

func diffDefaultKeys(s *section, d *diffDefaults) {
	var on []string
	if s.strings("on", false, &on) {
		d.on = ops(on)
	}
	s.integer("confirm", 1, &d.confirm)
	s.strings("include", false, &d.include)
	maxChanges(s, &d.maxChanges)
	maxEvents(s, &d.maxEvents)
	if _, err := diff.Compile(diff.Options{On: d.on, Include: d.include}); err != nil {
		// Report bad defaults once, here, not again on every watch.
		reportOptionErrors(s, err)
		d.on, d.include = nil, nil
	}
}

func ops(names []string) []diff.Op {
	out := make([]diff.Op, len(names))
	for i, n := range names {
		out[i] = diff.Op(n)
	}
	return out
}

// watchDiffKeys reads a watch's diff options into w.Diff (and w.Confirm),
// starting from the defaults (max_changes from DefaultMaxChanges when
// [defaults] leaves it out). diff.Compile validates them.
func watchDiffKeys(s *section, w *Watch, def diffDefaults) {
	o := &w.Diff
	o.On, o.Include, o.MaxChanges, w.Confirm = def.on, def.include, def.maxChanges, max(def.confirm, 1)
	var format string
	if s.str("format", &format) {
		o.Format = diff.Format(format)
	}
	s.str("select", &o.Select)
	s.str("key", &o.Key)
	s.stringMap("keys", &o.Keys)
	s.str("label", &o.Label)
	s.stringMap("labels", &o.Labels)
	s.str("link", &o.Link)
	s.stringMap("links", &o.Links)
	s.strings("ignore", false, &o.Ignore)
	var on []string
	if s.strings("on", false, &on) {
		o.On = ops(on)
	}
	s.str("when", &o.When)
	s.strings("include", false, &o.Include)
	maxChanges(s, &o.MaxChanges)
	s.integer("confirm", 1, &w.Confirm)
	splitKeys(s, w, def)
}

// splitKeys reads split and max_events. A split watch needs elements to
// split by (key or keys), and its events hold one element's changes each,
// so the patch or documents of the whole value (include) have no event
// to go in.
func splitKeys(s *section, w *Watch, def diffDefaults) {
	w.MaxEvents = def.maxEvents
	if w.MaxEvents == 0 {
		w.MaxEvents = DefaultMaxEvents
	}
	maxEvents(s, &w.MaxEvents)
	if !s.boolean("split", &w.Split) || !w.Split {
		if s.has("max_events") {
			s.warnf("max_events", "has no effect without split = true")
		}
		return
	}
	o := w.Diff
	switch {
	case o.Format == diff.Text:
		s.errorf("split", "a text watch has no elements to split its changes by: split needs format = \"json\" and key or keys")
		w.Split = false
	case o.Key == "" && len(o.Keys) == 0:
		s.errorf("split", "needs key or keys: the elements of a keyed array are what each event is about")
		w.Split = false
	case len(o.Include) > 0:
		s.errorf("split", "cannot be used with include: each event holds one element's changes, and the patch or documents of the whole value would be repeated in every one")
		w.Split = false
	}
}

// listed is the diff options a watch's Differ is compiled with: its own,
// but for a split watch, whose events list up to max_changes each, a poll
// lists up to SplitListed changes over all its elements (whatever each
// has: an element of many changes must not leave the next ones unlisted).
func listed(w *Watch) diff.Options {
	o := w.Diff
	if w.Split {
		o.MaxChanges = SplitListed
	}
	return o
}

// maxChanges reads max_changes: 1 to MaxChangesLimit. The diff takes 0 for
// no cap, but no event may be unbounded, so 0 is an error here rather than
// a way around the default.
func maxChanges(s *section, dst *int) {
	bounded(s, "max_changes", 1, MaxChangesLimit, DefaultMaxChanges, dst)
}

// maxEvents reads max_events: 1 to MaxEventsLimit.
func maxEvents(s *section, dst *int) {
	bounded(s, "max_events", 1, MaxEventsLimit, 0, dst)
}

// bounded reads an integer key that must be lo to hi. When def is not 0,
// the error about a 0 says that it does not mean unbounded: the default is
// def. (Made only for the error: this runs for every watch.)
func bounded(s *section, key string, lo, hi int64, def int, dst *int) {
	v, ok := s.raw(key)
	if !ok {
		return
	}
	n, ok := v.(int64)
	switch {
	case !ok:
		s.errorf(key, "want an integer, got %s", typeName(v))
	case n < lo || n > hi:
		zero := ""
		if n == 0 && def != 0 {
			zero = fmt.Sprintf(" (0 does not mean unbounded: the default is %d)", def)
		}
		s.errorf(key, "must be %d to %d, got %d%s", lo, hi, n, zero)
	default:
		*dst = int(n)
	}
}
