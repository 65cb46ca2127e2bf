package config

import (
	"iter"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// A large file is decoded in parts, so that BurntSushi/toml's tree of it
// (its maps, and a key list and a position per key: 14 MB for a file of
// 10,000 watches, more than the configuration read from it) never
// exists whole: the file without its [[watch]] sections first, then the
// sections, a part of about partSize bytes at a time, each read into its
// watches and dropped before the next is decoded.
//
// The parts say what the whole file says only when they are cut where
// TOML's tables begin, so the file is cut by a scanner that knows TOML's
// strings, comments and brackets (a header is a line's first token
// outside every string, array and inline table). What the scanner does
// not understand is not cut: the file is decoded whole, as is a file
// whose parts say something the whole might not (a table of watch
// outside the sections, a part that fails to decode), and then the
// whole's errors, with their lines, are the ones reported.

// partSize is about how many bytes of [[watch]] sections one part holds.
// Each toml.Decode costs a few microseconds whatever its size; at 64 KiB
// a file of 10,000 watches (1.1 MB) is 18 parts.
const partSize = 64 << 10

// fileParts is a file cut for decoding in parts.
type fileParts struct {
	// top is the file without its [[watch]] sections: the top-level keys
	// and every other table, in the order they are written.
	top string
	// watches are the [[watch]] sections (each with its sub-tables, such
	// as [watch.paginate]), in order, grouped into parts: the sections
	// between two other tables are one run of the file, and a part is
	// one run or several joined, of about partSize bytes or more.
	watches []string
	// count is how many [[watch]] headers the sections have.
	count int
}

// cutParts cuts src, or returns nil when it is better decoded whole:
// short, without watches to stream, or written in a way the scanner
// does not follow (invalid TOML, for one).
func cutParts(src string, size int) *fileParts {
	if len(src) < 2*size {
		return nil
	}
	heads, ok := headers(src)
	if !ok || len(heads) == 0 {
		return nil
	}
	p := &fileParts{}
	var top strings.Builder
	top.WriteString(src[:heads[0].start])
	var runs []string // the runs of the part being gathered
	n := 0            // their bytes
	run := -1         // where the run of sections being read began, or -1
	endRun := func(end int) {
		if run >= 0 {
			runs, n, run = append(runs, src[run:end]), n+end-run, -1
		}
	}
	endPart := func() {
		switch len(runs) {
		case 0:
			return
		case 1:
			p.watches = append(p.watches, runs[0])
		default:
			p.watches = append(p.watches, strings.Join(runs, ""))
		}
		runs, n = runs[:0], 0
	}
	for i, h := range heads {
		end := len(src)
		if i+1 < len(heads) {
			end = heads[i+1].start
		}
		switch {
		case h.kind == otherTable:
			endRun(h.start)
			top.WriteString(src[h.start:end])
		case h.kind == watchTable:
			p.count++
			gathered := n
			if run >= 0 {
				gathered += h.start - run
			}
			if gathered >= size {
				endRun(h.start)
				endPart()
			}
			if run < 0 {
				run = h.start
			}
		case h.kind == watchSub && run < 0:
			// A sub-table of watch away from its [[watch]] (after
			// another table) or before any: the whole file says what
			// that means.
			return nil
		}
	}
	endRun(len(src))
	endPart()
	if len(p.watches) < 2 {
		return nil
	}
	p.top = top.String()
	return p
}

// header is a table header's line: where it starts, and what it opens.
type header struct {
	start int
	kind  tableKind
}

type tableKind int

const (
	otherTable tableKind = iota // [defaults], [[target]], [watch] ...
	watchTable                  // [[watch]]
	watchSub                    // [watch.paginate], [[watch.x]]: of the last [[watch]]
)

// headers finds the table headers of src, and what each opens; false
// when src is not TOML scanLines can follow to the end.
func headers(src string) ([]header, bool) {
	var heads []header
	ok := scanLines(src, 1, func(l tomlLine) bool {
		if l.header {
			heads = append(heads, header{start: l.start, kind: kindOf(l.keys, l.array)})
		}
		return true
	})
	return heads, ok
}

// kindOf says what a header of keys opens.
func kindOf(keys []string, array bool) tableKind {
	switch {
	case keys[0] != "watch":
		return otherTable
	case len(keys) > 1:
		return watchSub
	case array:
		return watchTable
	}
	return otherTable // [watch]: not a section of watches
}

// readParts reads the configuration out of p, or returns nil when p is
// nil or its parts might not say what the whole file says: then the file
// is read whole, by a reader of its own.
func (r *reader) readParts(p *fileParts) *Config {
	if p == nil {
		return nil
	}
	var tree map[string]any
	if _, err := toml.Decode(p.top, &tree); err != nil {
		return nil
	}
	if _, ok := tree["watch"]; ok {
		return nil
	}
	p.top = "" // decoded: the tree holds what it says
	r.parts = p
	cfg := r.config(tree)
	if r.unsure {
		return nil
	}
	return cfg
}

// watches returns the [[watch]] tables, numbered from 0, and how many
// there are: from top, or when the file is read in parts, decoded a part
// at a time, each part's tree dropped once its watches are read.
func (r *reader) watches(top *section) (iter.Seq2[int, map[string]any], int) {
	if r.parts == nil {
		ms := r.tables(top, "watch")
		return slices.All(ms), len(ms)
	}
	return func(yield func(int, map[string]any) bool) {
		i := 0
		for _, part := range r.parts.watches {
			ms, ok := plainWatches(part)
			if !ok {
				var tree map[string]any
				_, err := toml.Decode(part, &tree)
				ms, ok = tree["watch"].([]map[string]any)
				if err != nil || !ok || len(tree) != 1 {
					r.unsure = true
					return
				}
			}
			for _, m := range ms {
				if !yield(i, m) {
					return
				}
				i++
			}
		}
		if i != r.parts.count {
			r.unsure = true
		}
	}, r.parts.count
}
