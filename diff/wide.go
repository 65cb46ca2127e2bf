package diff

import (
	"bytes"
	"fmt"
)

// The wide comparison. Listing an object's members with their names,
// spans and scan states, and a map of the old names, costs some 900 bytes
// a member, where the member takes ~12 in the document: one answer of
// 850,000 members took 39× its size to diff (issue 11). objectsWide keeps
// 4 bytes per old member (its name's offset), 4 per new member (the old
// member it matched, and whether their values differ; 4 more, its offset,
// if it was added or differs) and, while matching, a table of two 4-byte
// slots per old member that finds one by name. Names and values are read
// again from the documents when they are needed.
//
// The table holds no fingerprints of names: a probe compares the name
// with the one read back from the document, so two names never match
// because their hashes do. Nor are the old values' fingerprints kept: a
// matched pair is the same when its bytes are (and so are its scan
// states), else both fingerprints are compared, the old one scanned again.

const (
	wUsed  = 1 << 31   // woff: the old member was matched
	wDiff  = 1 << 30   // wmatch: the matched values differ
	wAdded = 1<<32 - 1 // wmatch: no old member of that name
	wNew   = 1 << 31   // wtab: a new member's name offset (else an old member's index + 1)
)

// wideObject is the default of Differ.wide: objects whose two sides span
// more bytes than this take the wide comparison. Below it (a dozen short
// members), listing the members is as fast, and its memory is bounded.
const wideObject = 512

// spanOf is how many bytes a value spans; the root, not scanned yet, spans
// the rest of its document.
func spanOf(sd *side, nd *node) int {
	if nd.end < 0 {
		return len(sd.data) - nd.start
	}
	return nd.end - nd.start
}

// wide reports whether two objects take the wide comparison.
func (j *jdiff) wide(o, n *node) bool {
	if uint64(len(j.o.data)) >= wUsed || uint64(len(j.n.data)) >= wUsed {
		return false // offsets are kept in 31 bits
	}
	return spanOf(&j.o, o)+spanOf(&j.n, n) > j.d.wide
}

// objectsWide is objects for wide objects, with the same results.
func (j *jdiff) objectsWide(o, n *node, l *loc, ow *owner) error {
	ob, nb, sb := j.woff.n, j.wmatch.n, j.wnoff.n
	defer func() {
		j.woff.truncate(ob)
		j.wmatch.truncate(nb)
		j.wnoff.truncate(sb)
	}()
	if err := j.listOld(o); err != nil {
		return fmt.Errorf("old value: %w", err)
	}
	j.indexOld(ob)
	if err := j.matchNew(o, n, ob); err != nil {
		return err
	}
	return j.reportWide(o, n, l, ow, ob, nb, sb)
}

// listOld lists the members of the old object (ignored ones left out) in
// woff, and sets o.end.
func (j *jdiff) listOld(o *node) error {
	data := j.o.data
	pos := skipWS(data, o.start+1)
	if pos < len(data) && data[pos] == '}' {
		o.end = pos + 1
		return nil
	}
	for {
		m, err := j.memberAt(&j.o, o, pos)
		if err != nil {
			return err
		}
		if !m.skip {
			j.woff.push(uint32(pos))
		}
		if m.last {
			o.end = m.next
			return nil
		}
		pos = m.next
	}
}

// indexOld enters the names of the old members listed from ob on in wtab.
// A member whose name came before is dropped from the list: like gjson,
// only the first member of a name counts (see firsts).
func (j *jdiff) indexOld(ob int) {
	n := j.woff.n - ob
	size := 2*n + 16
	if cap(j.wtab) >= size {
		j.wtab = j.wtab[:size]
		clear(j.wtab)
	} else {
		j.wtab = make([]uint32, size)
	}
	j.wn = 0
	w := 0
	for k := range n {
		off := j.woff.at(ob + k)
		name, end := nameAt(&j.o.rb, int(off))
		if len(name) != end-int(off)-2 { // lookup reads names back into the same buffer
			j.key = append(j.key[:0], name...)
			name = j.key
		}
		i, _, found := j.lookup(name, ob)
		if found {
			continue
		}
		j.woff.set(ob+w, off)
		j.wtab[i] = uint32(w + 1)
		j.wn++
		w++
	}
	j.woff.truncate(ob + w)
}

// matchNew matches the members of the new object (ignored ones left out)
// to the old ones, in wmatch and wnoff, and sets n.end.
func (j *jdiff) matchNew(o, n *node, ob int) error {
	data := j.n.data
	pos := skipWS(data, n.start+1)
	if pos < len(data) && data[pos] == '}' {
		n.end = pos + 1
		return nil
	}
	next := ob // the old member after the last one matched
	for {
		m, err := j.memberAt(&j.n, n, pos)
		if err != nil {
			return fmt.Errorf("new value: %w", err)
		}
		if !m.skip {
			if err := j.matchMember(o, &m, pos, ob, &next); err != nil {
				return err
			}
		}
		if m.last {
			n.end = m.next
			return nil
		}
		pos = m.next
	}
}

// matchMember matches the new member m, whose name is at off, to the old
// member of its name. A member whose name came before in the new object is
// left out, as in indexOld.
//
// Most objects keep their order from one poll to the next, so the old
// member after the last one matched (*next) is tried first: the old names
// listed are distinct, so if it has the name, it is the one lookup finds.
func (j *jdiff) matchMember(o *node, m *mem, off, ob int, next *int) error {
	k, oend := -1, 0
	if *next < j.woff.n {
		if name, end := nameAt(&j.o.rb, int(j.woff.at(*next)&^wUsed)); bytes.Equal(name, m.name) {
			k, oend = *next, end
		}
	}
	if k < 0 {
		i, end, found := j.lookup(m.name, ob)
		if !found {
			j.wtab[i] = uint32(off) | wNew
			if j.wn++; j.wn*8 > len(j.wtab)*5 {
				j.growTable(ob)
			}
			j.wmatch.push(wAdded)
			j.wnoff.push(uint32(off))
			return nil
		}
		e := j.wtab[i]
		if e&wNew != 0 {
			return nil
		}
		k, oend = ob+int(e)-1, end
	}
	*next = k + 1
	ooff := j.woff.at(k)
	if ooff&wUsed != 0 {
		return nil
	}
	j.woff.set(k, ooff|wUsed)
	same, err := j.sameValue(o, m, oend)
	if err != nil {
		return fmt.Errorf("old value: %w", err)
	}
	if same {
		j.wmatch.push(uint32(k - ob))
		return nil
	}
	j.wmatch.push(uint32(k-ob) | wDiff)
	j.wnoff.push(uint32(off))
	return nil
}

// sameValue reports whether the value of the old member whose name ends
// at oend has the fingerprint of the new member m's value. When the bytes
// and the scan states are the same, so is the fingerprint.
func (j *jdiff) sameValue(o *node, m *mem, oend int) (bool, error) {
	od := j.o.data
	pos := skipWS(od, oend)
	pos = skipWS(od, pos+1) // past ":"
	st, _ := j.memberState(o, m.name)
	raw := j.n.data[m.start:m.end]
	if st == m.st && len(od)-pos >= len(raw) && bytes.Equal(od[pos:pos+len(raw)], raw) {
		if c := raw[0]; c != '-' && (c < '0' || c > '9') {
			return true, nil // a string, literal, object or array ends where its bytes do
		}
		if end, err := numberEnd(od, pos); err == nil && end == pos+len(raw) {
			return true, nil
		}
	}
	h, _, err := j.o.s.value(pos, st)
	return h == m.hash, err
}

// reportWide reports the changes as objects does: in the order of the new
// object, removed members where they were, after their predecessor.
func (j *jdiff) reportWide(o, n *node, l *loc, ow *owner, ob, nb, sb int) error {
	patch := j.d.patch && !l.nopatch
	removed := func(k int) error {
		off := j.woff.at(ob + k)
		if off&wUsed != 0 {
			return nil
		}
		// A when that reads the path needs the member first.
		early := j.d.expr != nil && j.d.expr.path
		listed := !early && j.fires(Removed, ow, nil, "")
		if !early && !listed && !patch {
			return nil
		}
		m, err := j.memberAt(&j.o, o, int(off))
		if err != nil {
			return fmt.Errorf("old value: %w", err)
		}
		cl := loc{up: l, name: m.name, nopatch: l.nopatch}
		if early {
			listed = j.fires(Removed, ow, &cl, "")
		}
		if listed {
			j.record(Removed, cl.path(true), ow, &m.node, nil)
		}
		j.op("remove", &cl, nil)
		return nil
	}
	no, end, si := j.woff.n-ob, j.wmatch.n, sb
	oi := 0
	for i := nb; i < end; i++ {
		e := j.wmatch.at(i)
		if e == wAdded {
			off := int(j.wnoff.at(si))
			si++
			early := j.d.expr != nil && j.d.expr.path
			listed := !early && j.fires(Added, ow, nil, "")
			if !early && !listed && !patch {
				continue
			}
			m, err := j.memberAt(&j.n, n, off)
			if err != nil {
				return fmt.Errorf("new value: %w", err)
			}
			cl := loc{up: l, name: m.name, nopatch: l.nopatch}
			if early {
				listed = j.fires(Added, ow, &cl, "")
			}
			if listed {
				j.record(Added, cl.path(false), ow, nil, &m.node)
			}
			j.op("add", &cl, &m.node)
			continue
		}
		k := int(e &^ wDiff)
		for ; oi < k; oi++ {
			if err := removed(oi); err != nil {
				return err
			}
		}
		if oi == k {
			oi++
		}
		if e&wDiff != 0 {
			off := int(j.wnoff.at(si))
			si++
			lv := j.level(n.st.depth)
			var err error
			if lv.n, err = j.memberAt(&j.n, n, off); err != nil {
				return fmt.Errorf("new value: %w", err)
			}
			name := lv.n.name
			if lv.n.escaped { // the comparison reads on into side.name
				name = bytes.Clone(name)
			}
			if lv.o, err = j.memberAt(&j.o, o, int(j.woff.at(ob+k)&^wUsed)); err != nil {
				return fmt.Errorf("old value: %w", err)
			}
			lv.cl = loc{up: l, name: name, nopatch: l.nopatch}
			if err := j.compare(&lv.o.node, &lv.n.node, &lv.cl, ow, false); err != nil {
				return err
			}
		}
		for oi < no && j.woff.at(ob+oi)&wUsed == 0 {
			if err := removed(oi); err != nil { // removed members where they were
				return err
			}
			oi++
		}
	}
	for ; oi < no; oi++ {
		if err := removed(oi); err != nil {
			return err
		}
	}
	return nil
}

// lookup finds name in wtab: the slot of its entry and where the entry's
// name ends in its document, or the empty slot where the name goes.
func (j *jdiff) lookup(name []byte, ob int) (int, int, bool) {
	t := j.wtab
	i := slot(hashBytes(seedKey, name), len(t))
	for {
		e := t[i]
		if e == 0 {
			return i, 0, false
		}
		if en, end := j.entryName(e, ob); bytes.Equal(en, name) {
			return i, end, true
		}
		if i++; i == len(t) {
			i = 0
		}
	}
}

// growTable doubles wtab when the new object brings many new names.
func (j *jdiff) growTable(ob int) {
	t := make([]uint32, 2*len(j.wtab))
	for _, e := range j.wtab {
		if e == 0 {
			continue
		}
		name, _ := j.entryName(e, ob)
		i := slot(hashBytes(seedKey, name), len(t))
		for t[i] != 0 {
			if i++; i == len(t) {
				i = 0
			}
		}
		t[i] = e
	}
	j.wtab = t
}

// entryName reads back the name of a wtab entry, and where it ends.
func (j *jdiff) entryName(e uint32, ob int) ([]byte, int) {
	if e&wNew != 0 {
		return nameAt(&j.n.rb, int(e&^wNew))
	}
	return nameAt(&j.o.rb, int(j.woff.at(ob+int(e)-1)&^wUsed))
}

// nameAt reads back the member name at rb.data[off], which was read before
// (so it is valid), and returns where it ends. An escaped name is
// unescaped into rb's buffer.
func nameAt(rb *scanner, off int) ([]byte, int) {
	name, end, _ := rb.str(off)
	return name, end
}

// slot maps a hash to a slot of a table of n (< 2³²) slots.
func slot(h uint64, n int) int { return int((h >> 32) * uint64(n) >> 32) }

// segs is a stack of values kept in segments of 4096, so that the entries
// of a large object grow without being copied (append would allocate them
// several times over), and truncated segments are used again.
type segs[T any] struct {
	s [][]T
	n int
}

const segBits = 12

func (a *segs[T]) push(v T) {
	i := a.n >> segBits
	if i == len(a.s) {
		if i < cap(a.s) && cap(a.s[:i+1][i]) > 0 {
			a.s = a.s[:i+1]
		} else {
			c := 1 << segBits
			if i == 0 {
				c = 4 // the first segment grows as needed: most objects are small, most diffs list a change or two
			}
			a.s = append(a.s, make([]T, 0, c))
		}
	}
	a.s[i] = append(a.s[i], v)
	a.n++
}

func (a *segs[T]) at(k int) T { return a.s[k>>segBits][k&(1<<segBits-1)] }

func (a *segs[T]) set(k int, v T) { a.s[k>>segBits][k&(1<<segBits-1)] = v }

// capacity is how many values the segments hold room for, the ones
// truncated away included.
func (a *segs[T]) capacity() int {
	n := 0
	for _, s := range a.s[:cap(a.s)] {
		n += cap(s)
	}
	return n
}

// truncate drops the values from n on.
func (a *segs[T]) truncate(n int) {
	if n >= a.n {
		return
	}
	i := n >> segBits
	for k := i + 1; k < len(a.s); k++ {
		a.s[k] = a.s[k][:0]
	}
	a.s[i] = a.s[i][:n&(1<<segBits-1)]
	a.s = a.s[:i+1]
	a.n = n
}
