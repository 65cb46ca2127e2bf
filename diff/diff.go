// Package diff turns two versions of an API response into the list of
// changes between them. It is pure: bytes and options in, changes out, with
// no I/O and no clock, so it can be tested, fuzzed and benchmarked alone.
//
// The daemon calls Prepare on every response (validate, select, fingerprint)
// and compares fingerprints; only when they differ does it load the previous
// value and call Diff.
package diff

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Format is how a watch's responses are read.
type Format string

// The formats. Auto means "decide from the first successful response".
const (
	Auto Format = ""
	JSON Format = "json"
	Text Format = "text"
)

// Op is the kind of a change.
type Op string

// The kinds of change.
const (
	Added   Op = "added"
	Removed Op = "removed"
	Changed Op = "changed"
)

// Change is one difference between the previous and the new selected value.
type Change struct {
	Op Op `json:"op"`
	// Path is a gjson path into the selected value that finds the changed
	// value: "#(id==3)", "#(id==1).name", "2.price"; for text watches the
	// 1-based line number ("12"), in the new text for added lines and in the
	// old text for removed ones.
	Path string `json:"path"`
	// Key is the key of the array element the change belongs to, when that
	// array is keyed.
	Key string `json:"key,omitempty"`
	// Label and Link are the element's label and URL (Options.Label and
	// Link), when the watch names them and the element has them: from its
	// new version, its old one for a removed change. A label is a string
	// or a number as written, cut to 200 characters; a link is an
	// absolute http or https URL (any other value is no link).
	Label string `json:"label,omitempty"`
	Link  string `json:"link,omitempty"`
	// Old is the previous value (removed and changed), New the new value
	// (added and changed). For text watches they are JSON strings.
	Old json.RawMessage `json:"old,omitempty"`
	New json.RawMessage `json:"new,omitempty"`
}

// Counts counts the changes of an event by kind.
type Counts struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
}

// Total is the number of changes counted.
func (c Counts) Total() int { return c.Added + c.Removed + c.Changed }

// Add counts one change of kind op.
func (c *Counts) Add(op Op) {
	switch op {
	case Added:
		c.Added++
	case Removed:
		c.Removed++
	default:
		c.Changed++
	}
}

// Options are a watch's diff settings, as written in the configuration.
type Options struct {
	Format Format
	// Select is a gjson path (JSON) or a regular expression (text) choosing
	// the part of the response to watch; "" watches the whole body.
	Select string
	// Key matches the elements of a top-level array by this field; it is
	// shorthand for Keys[""]. Keys maps gjson paths of nested arrays,
	// relative to the selected value, to their key: a field, a composite
	// "region,sku", or "." for a set of scalars.
	Key  string
	Keys map[string]string
	// Label names the elements of the keyed array Key keys, for people:
	// a gjson path into the element ("tag_name", "name"), its value shown
	// instead of the key in readable lines. Labels does the same for the
	// arrays of Keys, by the same paths. Link and Links are gjson paths to
	// an element's own URL ("html_url"). A change gets the label and link
	// of the element it belongs to, else of the nearest keyed element
	// around it that has them (each found on its own: a nested element
	// with a label but no link takes its label and the link around it).
	Label  string
	Labels map[string]string
	Link   string
	Links  map[string]string
	// Ignore lists gjson paths (JSON) or regular expressions (text) removed
	// before comparing.
	Ignore []string
	// On lists the kinds of change that fire; empty means all three.
	On []Op
	// When is a condition a change must meet to fire. One that names old
	// or new (see isExpression) is an expression over both versions of the
	// change's element and the change (whenEnv); any other is a gjson
	// query condition (the part inside #(...)) the element must match.
	When string
	// Include adds "patch", "document" and/or "previous" to results.
	Include []string
	// MaxChanges caps the changes listed in a result; 0 means no cap.
	MaxChanges int
}

// Equal reports whether o and p are the same settings, field by field
// (an empty list or map as none): compiled, they diff alike.
func (o *Options) Equal(p *Options) bool {
	return o.Format == p.Format && o.Select == p.Select &&
		o.Key == p.Key && maps.Equal(o.Keys, p.Keys) &&
		o.Label == p.Label && maps.Equal(o.Labels, p.Labels) &&
		o.Link == p.Link && maps.Equal(o.Links, p.Links) &&
		slices.Equal(o.Ignore, p.Ignore) && slices.Equal(o.On, p.On) && o.When == p.When &&
		slices.Equal(o.Include, p.Include) && o.MaxChanges == p.MaxChanges
}

// OptionError is a problem with one option, named as in the configuration
// ("ignore", "keys.#.variants").
type OptionError struct {
	Option string
	Err    error
}

// Error names the option and the problem.
func (e *OptionError) Error() string { return e.Option + ": " + e.Err.Error() }

// Unwrap returns the problem.
func (e *OptionError) Unwrap() error { return e.Err }

// Errors returned by Prepare for responses that cannot be watched. They
// are failed polls: the previous snapshot stays.
var (
	ErrInvalid = errors.New("not valid JSON")
	ErrTooDeep = errors.New("nested too deeply")
	ErrNoMatch = errors.New("select matched nothing")
)

// Value is a prepared response: the selected value and its fingerprint.
type Value struct {
	// Data is the selected value as stored in the snapshot: JSON text for
	// JSON watches, the watched text for text watches.
	Data []byte
	// Sum fingerprints Data as the diff sees it: after ignore, in canonical
	// form (key order, whitespace, number spelling and the order of keyed
	// arrays do not count). Equal sums mean no change.
	Sum uint64
}

// Result is what changed between two values.
type Result struct {
	// Changes that fire (after On and When), at most MaxChanges of them.
	Changes []Change
	// Counts counts every change that fires, listed or not.
	Counts Counts
	// Truncated is set when Changes was cut at MaxChanges.
	Truncated bool
	// Found counts every change found, fired or not. Of those that do not
	// fire, NotOn is the number of a kind On leaves out, NotWhen the number
	// On let through whose element does not match When:
	// Found.Total() == Counts.Total() + NotOn + NotWhen. They tell why a
	// change of which nothing fires fired nothing.
	Found   Counts
	NotOn   int
	NotWhen int
	// WhenFailed counts the changes on which a when expression failed at
	// run time (of NotWhen: they do not fire); WhenErrs are its distinct
	// failures, the first of each in the order met, at most MaxWhenErrs.
	// The diff does not log: the caller says each once.
	WhenFailed int
	WhenErrs   []*WhenError
	// Patch (RFC 6902), Document (the new value) and Previous are set when
	// Include asks for them.
	Patch    json.RawMessage
	Document json.RawMessage
	Previous json.RawMessage
}

// Compile checks the options and prepares them for use. Every problem is
// returned, each as an *OptionError, joined with errors.Join.
func Compile(o Options) (*Differ, error) {
	return compile(o)
}

// String describes a change for logs.
func (c Change) String() string {
	return fmt.Sprintf("%s %s", c.Op, c.Path)
}
