package diff

import (
	"fmt"
	"math/bits"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// PreviewElements is how many elements' keys (or an object's member
// names) a Shape lists.
const PreviewElements = 5

// Shape describes a prepared value the way a person setting up a watch
// needs to see it before any change: what the selected value is, how big,
// how its elements are keyed, and which of the watch's ignore and keys
// paths find something in it (a path that finds nothing is usually a
// typo). It is what `pollhook once --dry-run` shows of a baseline.
type Shape struct {
	Format Format `json:"format"`
	// Type is "array", "object", "string", "number", "boolean" or "null"
	// for JSON, "text" for text.
	Type string `json:"type"`
	// Len is the elements of an array, the members of an object, the
	// lines of a text; 0 for a scalar.
	Len int `json:"len"`
	// Of is what an array holds, in the plural: "objects", "strings",
	// "numbers", "booleans", "arrays", "nulls", or "values" when mixed; ""
	// when it is empty.
	Of string `json:"of,omitempty"`
	// Key is the key of the array (as written: "id", "region,sku", or "."
	// for a set), when the value is a keyed array.
	Key string `json:"key,omitempty"`
	// Elements are the first PreviewElements keyed elements of a keyed
	// array, in order, or the first member names of an object.
	Elements []Element `json:"elements,omitempty"`
	// Unkeyed counts the elements of a keyed array that lack its key (or
	// whose key is not a string or number): they are compared by position.
	// Duplicates counts the elements whose key an earlier one has.
	Unkeyed    int `json:"unkeyed,omitempty"`
	Duplicates int `json:"duplicates,omitempty"`
	// Ignore has one entry per ignore path, in the order of
	// Options.Ignore: the values it leaves out of the comparison. Keys has
	// one per keys path ("" for Key), sorted by path: the arrays it keys.
	// Both are nil for text, whose ignore expressions are applied already.
	Ignore []PathMatches `json:"ignore,omitempty"`
	Keys   []PathMatches `json:"keys,omitempty"`
}

// Element is one element of a Shape: its key as Change.Key spells it (a
// string unquoted, a number in its plain spelling, composite keys joined
// with ","), or an object's member name.
type Element struct {
	Key string `json:"key"`
	// Label is a keyed element's label (Options.Label), as Change.Label
	// gives it, when the watch names one and the element has it.
	Label string `json:"label,omitempty"`
}

// PathMatches is an ignore or keys path and how many values (ignore) or
// arrays (keys) it matched.
type PathMatches struct {
	Path    string `json:"path"`
	Matches int    `json:"matches"`
}

// Describe returns the shape of data, a Value.Data that Prepare returned
// for format f. It reads the whole value once to count what the ignore
// and keys paths match, descending only where a path may still match.
func (d *Differ) Describe(f Format, data []byte) Shape {
	if f == Text {
		return Shape{Format: Text, Type: "text", Len: len(lines(data))}
	}
	s := Shape{Format: JSON}
	for _, p := range d.ign.pats {
		s.Ignore = append(s.Ignore, PathMatches{Path: pathString(p)})
	}
	for _, p := range d.keys.pats {
		s.Keys = append(s.Keys, PathMatches{Path: pathString(p)})
	}
	root := gjson.Parse(unsafeString(data))
	switch {
	case root.IsArray():
		s.Type = "array"
		spec := -1
		if e := d.keys.endsAt(d.keys.all(), 0); e != 0 {
			spec = bits.TrailingZeros64(e)
			s.Key = specString(d.specs[spec])
		}
		d.describeArray(&s, root, spec)
	case root.IsObject():
		s.Type = "object"
		root.ForEach(func(k, _ gjson.Result) bool {
			if s.Len < PreviewElements {
				s.Elements = append(s.Elements, Element{Key: strings.Clone(k.String())})
			}
			s.Len++
			return true
		})
	default:
		s.Type = JSONType(root)
	}
	d.count(&s, root, 0, d.ign.all(), d.keys.all())
	return s
}

// unsafeString is data as a string without a copy: a value may be as big
// as max_body, and Describe only reads it (what it keeps, it clones).
func unsafeString(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	return unsafe.String(&data[0], len(data))
}

// describeArray counts an array's elements, what they are, and for a
// keyed array (spec >= 0) their keys.
func (d *Differ) describeArray(s *Shape, arr gjson.Result, spec int) {
	seen := map[string]bool{}
	arr.ForEach(func(_, e gjson.Result) bool {
		s.Len++
		switch t := JSONType(e) + "s"; {
		case s.Of == "":
			s.Of = t
		case s.Of != t:
			s.Of = "values"
		}
		if spec < 0 {
			return true
		}
		tagged, text, ok := elementKey(d.specs[spec], e)
		if !ok {
			s.Unkeyed++
			return true
		}
		if seen[tagged] {
			s.Duplicates++
		}
		seen[tagged] = true
		if len(s.Elements) < PreviewElements {
			el := Element{Key: strings.Clone(text)}
			if p := d.specs[spec].label; p != "" {
				el.Label = strings.Clone(labelText(e.Get(p)))
			}
			s.Elements = append(s.Elements, el)
		}
		return true
	})
}

// count adds what the ignore patterns alive in ign and the keys patterns
// alive in keys match at and below v, at depth, to s. It goes on below an
// ignored value, so that a path inside it still counts as found.
func (d *Differ) count(s *Shape, v gjson.Result, depth int, ign, keys uint64) {
	if v.IsArray() {
		for e := d.keys.endsAt(keys, depth); e != 0; e &= e - 1 {
			s.Keys[bits.TrailingZeros64(e)].Matches++
		}
	}
	if ign == 0 && keys == 0 || !v.IsArray() && !v.IsObject() {
		return
	}
	isIdx := v.IsArray()
	idx := 0
	v.ForEach(func(k, child gjson.Result) bool {
		var name []byte
		if !isIdx {
			name = []byte(k.String())
		}
		var ci, ck uint64
		if ign != 0 {
			ci = d.ign.step(ign, depth, name, idx, isIdx)
			for e := d.ign.endsAt(ci, depth+1); e != 0; e &= e - 1 {
				s.Ignore[bits.TrailingZeros64(e)].Matches++
			}
		}
		if keys != 0 {
			ck = d.keys.step(keys, depth, name, idx, isIdx)
		}
		d.count(s, child, depth+1, ci, ck)
		idx++
		return true
	})
}

// elementKey is an element's key under spec: tagged tells a string from a
// number with the same text (they are different keys), text is the key
// as Change.Key spells it. ok is false when the element lacks the key.
func elementKey(spec keySpec, e gjson.Result) (tagged, text string, ok bool) {
	if spec.set {
		return scalarKey(e)
	}
	if !e.IsObject() {
		return "", "", false
	}
	var tb, xb strings.Builder
	for i, f := range spec.fields {
		var v gjson.Result
		found := false
		e.ForEach(func(k, val gjson.Result) bool {
			if k.String() == string(f) {
				v, found = val, true // the first occurrence counts, as for gjson
				return false
			}
			return true
		})
		if !found {
			return "", "", false
		}
		t, x, ok := scalarKey(v)
		if !ok {
			return "", "", false
		}
		if i > 0 {
			tb.WriteByte(0)
			xb.WriteByte(',')
		}
		tb.WriteString(t)
		xb.WriteString(x)
	}
	return tb.String(), xb.String(), true
}

// scalarKey is the key of a string or number value.
func scalarKey(v gjson.Result) (tagged, text string, ok bool) {
	switch v.Type {
	case gjson.String:
		return "s" + v.Str, v.Str, true
	case gjson.Number:
		n := string(formatNumber(nil, []byte(v.Raw)))
		return "n" + n, n, true
	}
	return "", "", false
}

// JSONType is the JSON type of a value, as the shape of a watch names it:
// object, array, string, number, boolean or null.
func JSONType(v gjson.Result) string {
	switch {
	case v.IsArray():
		return "array"
	case v.IsObject():
		return "object"
	}
	switch v.Type {
	case gjson.String:
		return "string"
	case gjson.Number:
		return "number"
	case gjson.True, gjson.False:
		return "boolean"
	}
	return "null"
}

// specString writes a key as the configuration does.
func specString(k keySpec) string {
	if k.set {
		return "."
	}
	fields := make([]string, len(k.fields))
	for i, f := range k.fields {
		fields[i] = escapeChars(string(f), `\,.`)
	}
	return strings.Join(fields, ",")
}

// pathString writes a simple path back as the configuration would: the
// same path, though escapes it did not need are dropped.
func pathString(cs []comp) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		switch c.kind {
		case compAll:
			parts[i] = "#"
		case compGlob, compIndex:
			parts[i] = string(c.lit)
		default:
			p := escapeChars(string(c.lit), `\.*?#()|`)
			if p != "" && (strings.ContainsRune("@![{", rune(p[0])) || isIndex(p)) {
				p = `\` + p
			}
			parts[i] = p
		}
	}
	return strings.Join(parts, ".")
}

func escapeChars(s, chars string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(chars, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// String describes the shape in a few words: "array of 30 objects keyed
// by id" (or "…, none with key idd"), "set of 3 strings", "object of 6
// members", "text of 12 lines".
func (s Shape) String() string {
	switch s.Type {
	case "array":
		keyed := ", not keyed"
		switch {
		case s.Key != "" && s.Key != "." && s.Len > 0 && s.Unkeyed == s.Len:
			keyed = ", none with key " + s.Key // a typo of the key, most likely
		case s.Key != "":
			keyed = " keyed by " + s.Key
		}
		if s.Len == 0 {
			return "empty array" + keyed
		}
		of := s.Of
		if s.Len == 1 {
			of = strings.TrimSuffix(of, "s")
		}
		if s.Key == "." {
			return fmt.Sprintf("set of %d %s", s.Len, of)
		}
		return fmt.Sprintf("array of %d %s%s", s.Len, of, keyed)
	case "object":
		if s.Len == 1 {
			return "object of 1 member"
		}
		return fmt.Sprintf("object of %d members", s.Len)
	case "text":
		if s.Len == 1 {
			return "text of 1 line"
		}
		return fmt.Sprintf("text of %d lines", s.Len)
	case "null":
		return "null"
	case "":
		return "nothing"
	}
	return "a " + s.Type
}
