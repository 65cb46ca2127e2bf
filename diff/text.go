package diff

import (
	"bytes"
	"fmt"
	"strconv"
)

// prepareText selects the watched text: with select, every match (or the
// first capture group of every match, when the expression has groups), one
// per line; then every match of each ignore expression is removed.
func (d *Differ) prepareText(pages [][]byte) (Value, error) {
	pages = validPages(pages, false)
	text := pages[0]
	if len(pages) > 1 {
		var buf []byte
		for i, p := range pages {
			if i > 0 && len(buf) > 0 && buf[len(buf)-1] != '\n' {
				buf = append(buf, '\n')
			}
			buf = append(buf, p...)
		}
		text = buf
	}
	if d.selRe != nil {
		var out []byte
		found := false
		for _, m := range d.selRe.FindAllSubmatchIndex(text, -1) {
			a, b := m[0], m[1]
			if len(m) > 2 {
				a, b = m[2], m[3]
				if a < 0 {
					continue
				}
			}
			if found {
				out = append(out, '\n')
			}
			found = true
			out = append(out, text[a:b]...)
		}
		if !found {
			return Value{}, fmt.Errorf("%q: %w", d.selRe.String(), ErrNoMatch)
		}
		text = out
	}
	for _, re := range d.ignRes {
		text = re.ReplaceAll(text, nil)
	}
	return Value{Data: text, Sum: hashBytes(seedText, text)}, nil
}

// lines splits text into lines; a final newline does not start a line.
func lines(text []byte) [][]byte {
	if len(text) == 0 {
		return nil
	}
	ls := bytes.SplitAfter(text, []byte{'\n'})
	if len(ls[len(ls)-1]) == 0 {
		ls = ls[:len(ls)-1]
	}
	for i, l := range ls {
		ls[i] = bytes.TrimSuffix(bytes.TrimSuffix(l, []byte{'\n'}), []byte{'\r'})
	}
	return ls
}

// diffText compares two texts line by line.
func (d *Differ) diffText(old, new []byte) (*Result, error) {
	r := &Result{Changes: []Change{}}
	var tw *textWhen
	if d.expr != nil {
		tw = &textWhen{e: evaluator{w: d.expr, res: r}, old: old, new: new}
	}
	ol, nl := lines(old), lines(new)
	oh := make([]uint64, len(ol))
	for i, l := range ol {
		oh[i] = hashBytes(seedText, l)
	}
	nh := make([]uint64, len(nl))
	for i, l := range nl {
		nh[i] = hashBytes(seedText, l)
	}
	add := func(op Op, i int, line []byte) {
		r.Found.Add(op)
		if op == Added && !d.on[0] || op == Removed && !d.on[1] {
			r.NotOn++
			return
		}
		if tw != nil && !tw.matches(op, i) {
			r.NotWhen++
			return
		}
		if op == Added {
			r.Counts.Added++
		} else {
			r.Counts.Removed++
		}
		if d.max > 0 && len(r.Changes) >= d.max {
			r.Truncated = true
			return
		}
		c := Change{Op: op, Path: strconv.Itoa(i + 1)}
		v := jsonText(line)
		if op == Added {
			c.New = v
		} else {
			c.Old = v
		}
		r.Changes = append(r.Changes, c)
	}
	a, b := 0, 0
	gap := func(toA, toB int) {
		for ; a < toA; a++ {
			add(Removed, a, ol[a])
		}
		for ; b < toB; b++ {
			add(Added, b, nl[b])
		}
	}
	for _, p := range lcs(oh, nh) {
		gap(int(p.o), int(p.n))
		a++
		b++
	}
	gap(len(ol), len(nl))
	if d.doc {
		r.Document = jsonText(new)
	}
	if d.prev {
		r.Previous = jsonText(old)
	}
	return r, nil
}

// jsonText quotes text as a JSON string, invalid UTF-8 replaced by U+FFFD.
func jsonText(b []byte) []byte {
	return appendJSONString(nil, bytes.ToValidUTF8(b, []byte("\uFFFD")))
}
