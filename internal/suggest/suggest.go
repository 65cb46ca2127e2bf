// Package suggest works out a watch for an API from two of its answers,
// fetched a few seconds apart: the part to watch (select), the member
// that identifies its elements (key, and keys for nested arrays), what to
// leave out of the comparison (ignore) and why, and what people read
// (label, link). It is pure, like diff: two bodies in, a Suggestion out;
// pollhook init fetches the bodies and writes the stanza.
package suggest

import (
	"bytes"
	"errors"
	"fmt"
	"maps"

	"github.com/tidwall/gjson"

	"github.com/pollhook/pollhook/diff"
)

// Kind is what the watched value is.
type Kind string

// The kinds of watched value.
const (
	Array  Kind = "array"
	Map    Kind = "map" // an object whose members are the elements: version → release
	Object Kind = "object"
	Scalar Kind = "value"
	Text   Kind = "text"
)

// Shape is what the suggested watch selects.
type Shape struct {
	Kind Kind
	// Len is the number of elements (array), members (map, object) or
	// lines (text).
	Len int
	// Of is what an array's elements or a map's members are: "objects",
	// "arrays", "strings", "numbers", or "values" when they are mixed; ""
	// when there are none.
	Of string
}

// Ignore is one suggested ignore entry.
type Ignore struct {
	// Path is a gjson path relative to the selected value (a regular
	// expression for text).
	Path string
	// Differed is how many of the values at Path (lines, for text)
	// differed between the two fetches, of Compared (found in both).
	Differed, Compared int
	// Why is what the path's name says the value is ("a counter"), or
	// what a text pattern matches ("a date and time"); "" when only the
	// two fetches tell.
	Why string
}

// Because says why a value named like Why moves on its own, or "" (text
// patterns, and paths only the two fetches tell).
func (ig Ignore) Because() string {
	switch ig.Why {
	case whyTimestamp, whyVersion:
		return "it moves with every edit, which the other members show"
	case whyCounter:
		return "it moves all the time"
	case whyResponse:
		return "about the answer (when or how it was made), not the data"
	}
	return ""
}

// What a member's name says it is.
const (
	whyTimestamp = "a last-changed time"
	whyCounter   = "a counter"
	whyVersion   = "a version tag"
	whyResponse  = "response metadata"
)

// Suggestion is a watch worked out from two answers.
type Suggestion struct {
	Format diff.Format
	// Select is the gjson path of the payload, "" for the whole body.
	Select string
	Shape  Shape
	// Key identifies the elements of the selected array ("" for none);
	// Keys those of nested arrays, by path. Each is unique within its
	// array in both fetches, and kept its values from one to the other.
	Key  string
	Keys map[string]string
	// Label and Link, Labels and Links name the elements of the keyed
	// arrays for people: a name or title, and the element's own page.
	Label, Link   string
	Labels, Links map[string]string
	Ignore        []Ignore
	// Identical: the two answers were the same bytes, so only names tell
	// what is volatile.
	Identical bool
	// Notes are what else the analysis has to say, for people.
	Notes []string
}

// Splittable reports whether the watch can send one event per element
// (split = true): it is a JSON watch with keyed arrays. Whether it should
// is the user's call, as it depends on who receives the events: one
// ticket or message per element, or one summary per poll.
func (s *Suggestion) Splittable() bool {
	return s.Format == diff.JSON && (s.Key != "" || len(s.Keys) > 0)
}

// IgnorePaths is the ignore list, as the option takes it.
func (s *Suggestion) IgnorePaths() []string {
	out := make([]string, 0, len(s.Ignore))
	for _, ig := range s.Ignore {
		out = append(out, ig.Path)
	}
	return out
}

// Options are the suggestion as diff options: what the watch will do.
func (s *Suggestion) Options() diff.Options {
	o := diff.Options{Format: s.Format, Select: s.Select, Key: s.Key, Label: s.Label, Link: s.Link}
	if len(s.Ignore) > 0 {
		o.Ignore = s.IgnorePaths()
	}
	if len(s.Keys) > 0 {
		o.Keys = maps.Clone(s.Keys)
	}
	if len(s.Labels) > 0 {
		o.Labels = maps.Clone(s.Labels)
	}
	if len(s.Links) > 0 {
		o.Links = maps.Clone(s.Links)
	}
	return o
}

// maxPaths is how many ignore and keys paths a watch takes.
const maxPaths = 64

// Analyze works out a watch from two answers of the same request, first
// and second, and the first one's Content-Type. It fails when the answers
// cannot be watched as they are: JSON that does not parse, or a second
// answer of another shape than the first.
func Analyze(first, second []byte, contentType string) (*Suggestion, error) {
	identical := bytes.Equal(first, second)
	if diff.Detect(contentType, first) == diff.Text {
		return analyzeText(first, second, identical), nil
	}
	if !gjson.ValidBytes(first) {
		return nil, errors.New("the answer says it is JSON but is not valid JSON")
	}
	if !gjson.ValidBytes(second) {
		return nil, errors.New("the second fetch did not answer valid JSON")
	}
	a := &analyzer{order: map[string]int{}, colls: map[string]*collection{}}
	r1, r2 := gjson.ParseBytes(first), gjson.ParseBytes(second)
	sel, kind := findPayload(r1)
	v1, v2 := r1, r2
	if len(sel) > 0 {
		v1, v2 = r1.Get(sel.String()), r2.Get(sel.String())
	}
	if !v2.Exists() || diff.JSONType(v1) != diff.JSONType(v2) {
		what := "the whole body"
		if len(sel) > 0 {
			what = fmt.Sprintf("%q", sel.String())
		}
		return nil, fmt.Errorf("the second fetch answered another shape: %s is %s, then %s", what, diff.JSONType(v1), describeKind(v2))
	}
	s := &Suggestion{Format: diff.JSON, Select: sel.String(), Shape: shapeOf(v1, kind), Identical: identical,
		Keys: map[string]string{}, Labels: map[string]string{}, Links: map[string]string{}}
	a.isMap = kind == Map
	a.collect(v1, 0)
	a.collect(v2, 1)
	a.chooseKeys(s)
	a.labelsAndLinks(s)
	a.ignores(s, v1, v2)
	if s.Shape.Kind == Array && s.Shape.Of == "objects" && s.Key == "" {
		s.Notes = append(s.Notes, "no key: no member is unique in every element of both fetches, so elements are matched by content and position")
	}
	return s, nil
}

// shapeOf describes the selected value.
func shapeOf(v gjson.Result, kind Kind) Shape {
	switch {
	case v.IsArray():
		elems := v.Array()
		return Shape{Kind: Array, Len: len(elems), Of: elementsKind(elems)}
	case v.IsObject():
		var vals []gjson.Result
		v.ForEach(func(_, m gjson.Result) bool {
			vals = append(vals, m)
			return true
		})
		if kind == Map {
			return Shape{Kind: Map, Len: len(vals), Of: elementsKind(vals)}
		}
		return Shape{Kind: Object, Len: len(vals)}
	}
	return Shape{Kind: Scalar}
}

// elementsKind names what values are, in the plural: "objects", or
// "values" when they are of several types.
func elementsKind(vs []gjson.Result) string {
	of := ""
	for _, v := range vs {
		k := diff.JSONType(v) + "s"
		if of != "" && k != of {
			return "values"
		}
		of = k
	}
	return of
}

// describeKind is diff.JSONType, or "missing".
func describeKind(v gjson.Result) string {
	if !v.Exists() {
		return "missing"
	}
	return diff.JSONType(v)
}
