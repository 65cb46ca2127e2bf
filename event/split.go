package event

import (
	"fmt"
	"strings"

	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/human"
)

// maxTitleSummary is how long the quoted title of an added or removed
// element may get in an element event's title, in characters: with the
// watch name (100) and the label (80), the title stays under the 256
// characters chat tools allow a title.
const maxTitleSummary = 60

// Element returns the element of a split watch that a change is about:
// the path of the outermost keyed element the change's path goes through
// (#(id==3) for #(id==3).assets.0.name), and its key as the change's Key
// writes keys (a composite key joined with ","). A change outside every
// keyed element (a member of the object around the arrays) has the
// element "", which stands for the whole value. A keyed element named by
// its index (two elements with one key) is that index, with the change's
// key when the element is the change's own.
func Element(c diff.Change) (path, key string) {
	comps := pathComponents(c.Path)
	for i := 0; i < len(comps); i++ {
		if !comps[i].query {
			continue
		}
		values := []string{comps[i].value}
		end := comps[i].end
		for i+1 < len(comps) && comps[i+1].sep == '|' && comps[i+1].query {
			i++
			values = append(values, comps[i].value)
			end = comps[i].end
		}
		return c.Path[:end], strings.Join(values, ",")
	}
	if c.Key == "" {
		return "", ""
	}
	for _, comp := range comps {
		if isIndex(c.Path[comp.start:comp.end]) {
			return c.Path[:comp.end], c.Key
		}
	}
	return "", ""
}

// element reports whether the event is about one element of a split watch.
func (d *Data) element() bool { return d.Key != "" || d.Label != "" }

// elementName is how the event names its element: its label, else its key.
func (d *Data) elementName() string {
	if l := human.Cut(strings.TrimSpace(human.Clean(d.Label)), maxLabel); l != "" {
		return l
	}
	return human.Cut(human.Clean(d.Key), maxLabel)
}

// whole returns the change of an element event that is its element
// itself, added or removed whole, or nil when the element changed.
func (d *Data) whole() *diff.Change {
	if len(d.Changes) != 1 {
		return nil
	}
	c := &d.Changes[0]
	if p, _ := Element(*c); p != c.Path || c.Op == diff.Changed {
		return nil
	}
	return c
}

// elementTitle is the title of an element event, which reads as one line:
// "releases: v1.2.0 added", with the element's own title when it has one
// besides its label (releases: v1.2.0 added "Big release"),
// "releases: v1.2.0 removed", "releases: v1.2.0 changed".
func (e *Event) elementTitle(watch string) string {
	d := &e.Data
	name := d.elementName()
	t := watch + ": " + name
	if c := d.whole(); c != nil {
		v := c.New
		if c.Op == diff.Removed {
			v = c.Old
		}
		return t + " " + string(c.Op) + human.Cut(summary(v, name, false), maxTitleSummary+1)
	}
	return t + " changed"
}

// elementLines are the change lines of an element event: none when the
// element was added or removed whole (the title says it), and otherwise
// one per change, saying where in the element it is, without the
// element's name the title gives (~ name: "a" → "b").
func (d *Data) elementLines() []string {
	if d.whole() != nil {
		return nil
	}
	out := make([]string, 0, len(d.Changes))
	for _, c := range d.Changes {
		out = append(out, elementLine(d.Format, c))
	}
	return out
}

// elementLine is a change line inside its element: the path below the
// element in place of its name.
func elementLine(f diff.Format, c diff.Change) string {
	p, _ := Element(c)
	rel := strings.TrimLeft(c.Path[len(p):], ".|")
	if p == "" || rel == "" {
		return changeLine(f, c)
	}
	inner := c
	inner.Path, inner.Key, inner.Label = rel, "", ""
	return changeLine(f, inner)
}

// truncatedTitle is the title of a watch.truncated event:
// "releases: 3 more elements changed, not sent (max_events = 100)".
func (e *Event) truncatedTitle(watch string) string {
	n := e.Data.Omitted
	what := human.Count(n, "more element", "more elements") + " changed"
	if e.Data.Truncated {
		what = "more elements changed"
		if n > 0 {
			what = fmt.Sprintf("%d or more elements changed", n)
		}
	}
	return fmt.Sprintf("%s: %s, not sent (max_events = %d)", watch, what, e.Data.MaxEvents)
}

// truncatedIntro is what a watch.truncated event says besides its title.
func (d *Data) truncatedIntro() []string {
	var out []string
	if c := d.Counts; c != nil && c.Total() > 0 {
		out = append(out, "Their changes: "+countsLine(*c)+".")
	}
	if d.Truncated {
		out = append(out, "The poll found more changes than it lists: those it did not list are counted, but not by element.")
	}
	return out
}

// countsLine lists counts: "1 added, 2 changed"; "no change" when all are 0.
func countsLine(c diff.Counts) string {
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{c.Added, "added"}, {c.Removed, "removed"}, {c.Changed, "changed"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, ", ")
}
