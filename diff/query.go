package diff

import (
	"bytes"
	"strconv"

	"github.com/tidwall/gjson"
)

// Paths to keyed elements are gjson queries, #(id==3) or
// #(tag_name=="v1.2.0"), which find the first element that matches. gjson
// compares loosely (the string "3" equals the number 3, a bad number
// parses as 0), so before emitting a query the diff checks, with gjson's
// own comparison rules, that no earlier element would match it; otherwise
// the element's index is emitted instead.

// qindex finds, for single-field keys and sets, the first element whose
// key equals a string or a number the way gjson compares them.
type qindex struct {
	str map[string]int32
	num map[float64]int32
}

// newQindex indexes the keyed elements of one side of an array. Composite
// keys are checked by a linear scan instead (they are rare and small).
func (j *jdiff) newQindex(sd *side, es []elem, spec int) *qindex {
	q := &qindex{}
	sp := &j.d.specs[spec]
	if !sp.set && len(sp.fields) > 1 {
		return q
	}
	q.str = make(map[string]int32)
	q.num = make(map[float64]int32)
	for k := range es {
		tag, text, ok := j.keyValue(sd, &es[k], sp.set)
		if !ok {
			continue
		}
		if tag == 's' {
			if _, dup := q.str[string(text)]; !dup {
				q.str[string(text)] = int32(k)
			}
			continue
		}
		f, _ := strconv.ParseFloat(string(text), 64)
		if _, dup := q.num[f]; !dup {
			q.num[f] = int32(k)
		}
	}
	return q
}

// keyValue returns the single key value of an element of a set or of an
// array keyed by one field: 's' and the string, or 'n' and the number.
func (j *jdiff) keyValue(sd *side, e *elem, set bool) (byte, []byte, bool) {
	if !e.keyed {
		return 0, nil, false
	}
	if set {
		raw := sd.data[e.start:e.end]
		switch c := raw[0]; {
		case c == '"':
			sc := scanner{data: raw}
			t, _, _ := sc.str(0)
			return 's', t, true
		case c == '-' || (c >= '0' && c <= '9'):
			return 'n', raw, true
		}
		return 0, nil, false
	}
	tag, text := partText(j.arena[e.koff : e.koff+e.klen])
	return tag, text, true
}

// gjsonEq reports whether gjson's query #(f==rpv) matches a key part.
func gjsonEq(tag byte, text, rpv []byte) bool {
	if tag == 's' {
		return bytes.Equal(text, rpv)
	}
	a, _ := strconv.ParseFloat(string(text), 64)
	b, _ := strconv.ParseFloat(string(rpv), 64)
	return a == b
}

// query returns the gjson query component that finds element k, or false
// when no query finds exactly it.
func (j *jdiff) query(sd *side, es []elem, k int, spec int, q *qindex) (string, bool) {
	sp := &j.d.specs[spec]
	e := &es[k]
	vals, tags, ok := j.queryValues(sd, sp, e, j.arena[e.koff:e.koff+e.klen])
	if !ok {
		return "", false
	}
	if len(vals) == 1 {
		first := int32(k)
		if x, ok := q.str[string(vals[0])]; ok && x < first {
			first = x
		}
		f, _ := strconv.ParseFloat(string(vals[0]), 64)
		if x, ok := q.num[f]; ok && x < first {
			first = x
		}
		if first != int32(k) {
			return "", false
		}
	} else {
		for kk := 0; kk < k; kk++ {
			if !es[kk].keyed {
				continue
			}
			j.parts = keyParts(j.parts, j.arena[es[kk].koff:es[kk].koff+es[kk].klen])
			all := true
			for i, p := range j.parts {
				tag, text := partText(p)
				if !gjsonEq(tag, text, vals[i]) {
					all = false
					break
				}
			}
			if all {
				return "", false
			}
		}
	}
	return queryText(sp, vals, tags), true
}

// queryValues returns the values a query for an element must match
// (gjson's unquoted query values, rpv) and their kinds ('s' string, 'n'
// number): for a set the element e's own value, else the parts of key,
// its canonical key. It is false when no query finds the element: a key
// field gjson would trim, a string "true" or "false" that would also
// match booleans.
func (j *jdiff) queryValues(sd *side, sp *keySpec, e *elem, key []byte) ([][]byte, []byte, bool) {
	var vals [][]byte
	var tags []byte
	if sp.set {
		tag, text, ok := j.keyValue(sd, e, true)
		if !ok {
			return nil, nil, false
		}
		if tag == 'n' {
			text = formatNumber(nil, text)
		}
		vals, tags = [][]byte{text}, []byte{tag}
	} else {
		j.parts = keyParts(j.parts, key)
		for _, p := range j.parts {
			tag, text := partText(p)
			vals = append(vals, text)
			tags = append(tags, tag)
		}
		for _, f := range sp.fields {
			if f[0] <= ' ' || f[len(f)-1] <= ' ' {
				return nil, nil, false // gjson trims the query's path
			}
		}
	}
	for i, v := range vals {
		if tags[i] == 's' && (string(v) == "true" || string(v) == "false") {
			return nil, nil, false // would also match booleans
		}
	}
	return vals, tags, true
}

// queryText is the gjson query that finds an element by its key values
// (vals, of the kinds tags: 's' string, 'n' number) under sp.
func queryText(sp *keySpec, vals [][]byte, tags []byte) string {
	var b []byte
	for i, v := range vals {
		if i > 0 {
			b = append(b, "#|"...)
		}
		b = append(b, "#("...)
		if !sp.set {
			b = append(b, gjson.Escape(string(sp.fields[i]))...)
		}
		b = append(b, "=="...)
		if tags[i] == 's' {
			b = appendJSONString(b, v)
		} else {
			b = append(b, v...)
		}
		b = append(b, ')')
	}
	return string(b)
}
