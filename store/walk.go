package store

import (
	"fmt"
	"io"
	"strings"
)

// walk checks the b-tree that meta m describes by reading f, every offset
// bounds-checked: each page reached from the root bucket and from every
// nested bucket is a data page below the high-water mark, is the page its
// parent names, is a branch or leaf page, is reached once, and holds the
// elements it claims. It reports at most max problems.
//
// bbolt's own Tx.Check finds more (pages neither reachable nor free, freed
// pages still in use, keys out of order), but it follows the same page
// numbers through its memory map, unchecked, on a goroutine of its own: on
// a file this walk finds fault with it could crash the process, so Check
// runs it only after a clean walk.
func walk(f io.ReaderAt, m meta, max int) []string {
	w := &walker{f: f, m: m, max: max, seen: make([]uint64, (m.hwm+63)/64)}
	w.mark(0)
	w.mark(1)
	if m.freelist != noFreelist {
		head := make([]byte, pageHeaderSize)
		if _, err := f.ReadAt(head, int64(m.freelist*m.pageSize)); err == nil {
			h := parseHeader(head)
			for i := uint64(0); i <= uint64(h.overflow) && m.freelist+i < m.hwm; i++ {
				w.mark(m.freelist + i)
			}
		}
	}
	w.page(m.root, "", 0)
	return w.problems
}

// maxDepth bounds the nesting of pages and buckets walk follows; pollhook's
// trees are a few levels deep.
const maxDepth = 64

type walker struct {
	f        io.ReaderAt
	m        meta
	seen     []uint64 // a bit per page reached
	problems []string
	max      int
}

func (w *walker) problem(format string, args ...any) {
	if len(w.problems) < w.max {
		w.problems = append(w.problems, fmt.Sprintf(format, args...))
	}
}

func (w *walker) done() bool { return len(w.problems) >= w.max }

// mark records page id as reached, and reports whether it was not yet.
func (w *walker) mark(id uint64) bool {
	word, bit := id/64, uint64(1)<<(id%64)
	if w.seen[word]&bit != 0 {
		return false
	}
	w.seen[word] |= bit
	return true
}

// where names a bucket for people: "the root bucket", or its path.
func where(bucket string) string {
	if bucket == "" {
		return "the root bucket"
	}
	return "bucket " + bucket
}

// page checks page id, of bucket, and what it leads to.
func (w *walker) page(id uint64, bucket string, depth int) {
	if w.done() {
		return
	}
	m := w.m
	if id < 2 || id >= m.hwm {
		w.problem("%s: points to page %d, outside the data pages 2 to %d", where(bucket), id, m.hwm-1)
		return
	}
	if depth > maxDepth {
		w.problem("%s: page %d is nested more than %d levels deep", where(bucket), id, maxDepth)
		return
	}
	head := make([]byte, pageHeaderSize)
	if _, err := w.f.ReadAt(head, int64(id*m.pageSize)); err != nil {
		w.problem("%s: page %d: %v", where(bucket), id, err)
		return
	}
	h := parseHeader(head)
	switch {
	case h.id != id:
		w.problem("%s: page %d identifies itself as page %d", where(bucket), id, h.id)
		return
	case h.flags != flagBranch && h.flags != flagLeaf:
		w.problem("%s: page %d is of type %#x, not a branch or leaf page", where(bucket), id, h.flags)
		return
	case uint64(h.overflow) >= m.hwm-id:
		w.problem("%s: page %d claims %d overflow pages, past the high-water mark %d", where(bucket), id, h.overflow, m.hwm)
		return
	}
	for i := uint64(0); i <= uint64(h.overflow); i++ {
		if !w.mark(id + i) {
			w.problem("%s: page %d is used twice", where(bucket), id+i)
			return
		}
	}
	buf := make([]byte, (1+uint64(h.overflow))*m.pageSize)
	if _, err := w.f.ReadAt(buf, int64(id*m.pageSize)); err != nil {
		w.problem("%s: page %d: %v", where(bucket), id, err)
		return
	}
	w.node(buf, fmt.Sprintf("page %d", id), bucket, depth)
}

// node checks the elements of a branch or leaf page held in data (a page
// with its overflow, or an inline bucket's page), named what.
func (w *walker) node(data []byte, what, bucket string, depth int) {
	const elemSize = 16 // both kinds: branch pos, ksize u32, pgid u64; leaf flags, pos, ksize, vsize u32
	h := parseHeader(data)
	n := uint64(h.count)
	if pageHeaderSize+n*elemSize > uint64(len(data)) {
		w.problem("%s: %s claims %d elements, more than it can hold", where(bucket), what, n)
		return
	}
	for i := uint64(0); i < n && !w.done(); i++ {
		off := pageHeaderSize + i*elemSize
		e := data[off:]
		if h.flags == flagBranch {
			pos, ksize := uint64(order.Uint32(e[0:])), uint64(order.Uint32(e[4:]))
			if off+pos+ksize > uint64(len(data)) {
				w.problem("%s: %s: the key of element %d lies outside the page", where(bucket), what, i)
				continue
			}
			w.page(order.Uint64(e[8:]), bucket, depth+1)
			continue
		}
		flags, pos := order.Uint32(e[0:]), uint64(order.Uint32(e[4:]))
		ksize, vsize := uint64(order.Uint32(e[8:])), uint64(order.Uint32(e[12:]))
		if off+pos+ksize+vsize > uint64(len(data)) {
			w.problem("%s: %s: element %d lies outside the page", where(bucket), what, i)
			continue
		}
		if flags&flagBucket == 0 {
			continue
		}
		key := data[off+pos : off+pos+ksize]
		value := data[off+pos+ksize : off+pos+ksize+vsize]
		child := strings.TrimPrefix(bucket+"/"+fmt.Sprintf("%q", key), "/")
		if len(value) < 16 {
			w.problem("%s: its header is %d bytes, not 16", where(child), len(value))
			continue
		}
		root := order.Uint64(value)
		if root != 0 {
			w.page(root, child, depth+1)
			continue
		}
		// An inline bucket: its root page is in the value, after the
		// header. bbolt reads it as a leaf.
		inline := value[16:]
		if len(inline) < pageHeaderSize || parseHeader(inline).flags != flagLeaf {
			w.problem("%s: its inline page is not a leaf page", where(child))
			continue
		}
		if depth+1 > maxDepth {
			w.problem("%s: nested more than %d levels deep", where(child), maxDepth)
			continue
		}
		w.node(inline, "its inline page", child, depth+1)
	}
}
