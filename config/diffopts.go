package config

import "github.com/pollhook/pollhook/diff"

// diffDefaults are the diff settings [defaults] may give every watch: the
// ones about noise and size. What to select, how to key and what to ignore
// depend on each API, so they are set per watch.
type diffDefaults struct {
	on         []diff.Op
	confirm    int
	include    []string
	maxChanges int
}

func diffDefaultKeys(s *section, d *diffDefaults) {
	var on []string
	if s.strings("on", false, &on) {
		d.on = ops(on)
	}
	s.integer("confirm", 1, &d.confirm)
	s.strings("include", false, &d.include)
	maxChanges(s, &d.maxChanges)
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
}

// maxChanges reads max_changes: 1 to MaxChangesLimit. The diff takes 0 for
// no cap, but no event may be unbounded, so 0 is an error here rather than
// a way around the default.
func maxChanges(s *section, dst *int) {
	v, ok := s.raw("max_changes")
	if !ok {
		return
	}
	n, ok := v.(int64)
	switch {
	case !ok:
		s.errorf("max_changes", "want an integer, got %s", typeName(v))
	case n == 0:
		s.errorf("max_changes", "must be 1 to %d, got 0 (0 does not mean unbounded: the default is %d)", MaxChangesLimit, DefaultMaxChanges)
	case n < 1 || n > MaxChangesLimit:
		s.errorf("max_changes", "must be 1 to %d, got %d", MaxChangesLimit, n)
	default:
		*dst = int(n)
	}
}
