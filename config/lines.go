package config

import (
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// lineIndex finds on which line of the TOML source a key was written, so
// that errors can point at it. BurntSushi/toml keeps positions to itself,
// so the index reads the source with scanLines (which knows TOML's
// strings, arrays and inline tables): it notes where each table ([x],
// [[x]], [x.y]) starts and ends, and reads the lines of a table for its
// keys only when a problem asks for one. Of a file scanLines cannot follow
// to the end (one that does not parse), it knows the tables before the
// trouble.
type lineIndex struct {
	src string
	// tables are the tables by path ("watch[2]", "defaults",
	// "watch[2].paginate"; "" is the top level).
	tables map[string]table
}

// table is where a table is in the source: its header's line (0 for the
// top level), and the bytes of its keys, up to the next header.
type table struct {
	line       int
	start, end int
}

// at returns the line where the key at path was written, or 0.
func (ix *lineIndex) at(path string) int {
	if ix == nil {
		return 0
	}
	if t, ok := ix.tables[path]; ok && path != "" {
		return t.line
	}
	// The key is in the table the longest prefix of path names (TOML
	// defines a table once: by its header, or by dotted keys in its
	// parent), or at the top level.
	for i := strings.LastIndexByte(path, '.'); i > 0; i = strings.LastIndexByte(path[:i], '.') {
		if t, ok := ix.tables[path[:i]]; ok {
			return ix.key(t, path[i+1:])
		}
	}
	if line := ix.key(ix.tables[""], path); line > 0 {
		return line
	}
	// A table defined only by its sub-tables ([a.b] makes a) or an array
	// of tables ([[a]]): the first header that defines it.
	first := 0
	for p, t := range ix.tables {
		if len(p) > len(path) && strings.HasPrefix(p, path) && (p[len(path)] == '.' || p[len(path)] == '[') && (first == 0 || t.line < first) {
			first = t.line
		}
	}
	return first
}

// key returns the line of t where key was first assigned, or 0. A key of
// an inline table (headers = { A = "x" }) has none: its table's line is
// the one its problems point at.
func (ix *lineIndex) key(t table, key string) int {
	no, _ := ix.keyLine(t, key)
	return no
}

// keyLine returns the line of t where key was first assigned and the
// value written after its =, to the line's end, trimmed (of a CRLF line's
// CR too); 0 and "" when there is none.
func (ix *lineIndex) keyLine(t table, key string) (no int, value string) {
	src := ix.src[t.start:t.end]
	scanLines(src, t.line+1, func(l tomlLine) bool {
		keys, eq, ok := readKey(src, l.first)
		if !ok || l.header || eq >= len(src) || src[eq] != '=' || strings.Join(keys, ".") != key {
			return true
		}
		no, value = l.no, strings.TrimSpace(src[eq+1:lineEnd(src, eq)])
		return false
	})
	return no, value
}

func indexLines(src string) *lineIndex {
	ix := &lineIndex{src: src, tables: map[string]table{}}
	counts := map[string]int{} // array table name -> elements seen
	current := ""
	ix.tables[current] = table{}
	scanLines(src, 1, func(l tomlLine) bool {
		if !l.header {
			return true
		}
		name := strings.Join(l.keys, ".")
		if l.array {
			n := name
			name = n + "[" + strconv.Itoa(counts[n]) + "]"
			counts[n]++
		} else if head, sub, ok := strings.Cut(name, "."); ok && counts[head] > 0 {
			// [watch.paginate] after [[watch]] belongs to the last watch.
			name = head + "[" + strconv.Itoa(counts[head]-1) + "]." + sub
		}
		ix.end(current, l.start)
		current = name
		ix.tables[current] = table{line: l.no, start: l.next(src), end: len(src)}
		return true
	})
	ix.end(current, len(src))
	return ix
}

// end ends the keys of the table at path at offset end of the source.
func (ix *lineIndex) end(path string, end int) {
	t := ix.tables[path]
	t.end = end
	ix.tables[path] = t
}

// tableAt returns the path of the table line is in ("watch[2]",
// "watch[2].paginate", "defaults", "" for the top level), and whether
// line is that table's header.
func (ix *lineIndex) tableAt(line int) (path string, header bool) {
	best := 0
	for p, t := range ix.tables {
		if p != "" && t.line <= line && t.line > best {
			path, best = p, t.line
		}
	}
	return path, best == line
}

// value decodes the value of key in the table at path, as written on its
// line; nil when the key is not there or its line does not decode alone.
func (ix *lineIndex) value(path, key string) any {
	t, ok := ix.tables[path]
	if !ok {
		return nil
	}
	no, value := ix.keyLine(t, key)
	if no == 0 {
		return nil
	}
	var m map[string]any
	if _, err := toml.Decode("v ="+value, &m); err != nil {
		return nil
	}
	return m["v"]
}
