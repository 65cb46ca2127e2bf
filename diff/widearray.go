package diff

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
)

// The wide comparison of arrays. Listing an array's elements (elements)
// costs 72 bytes an element, and aligning the unkeyed ones as many again,
// where an element takes 4 bytes in a list of short numbers: two arrays of
// 2,000,000 of them took 47× their size to diff (issue 11). arraysWide
// gives the same results keeping per element only what cannot be read
// again from the documents:
//
//   - An unkeyed array keeps nothing per element: the elements are read
//     again as the alignment and the report go through them, every one of
//     them forwards, from a note of where every arrChunk-th one starts.
//     The fingerprints (8 bytes an element) are kept only when elements
//     average arrKeep bytes or more, where reading them again would cost
//     more than keeping them.
//   - A keyed array or a set keeps 4 bytes per old element (where it
//     starts, and whether it was matched), 4 more for where its key starts
//     (keys of one field), 4 more once a key is found twice (a chain of
//     the elements of each key), and while matching a table of 8-byte
//     slots, about 1.5 per key, that finds an element by its key; 5 bytes
//     per new element (the old one matched and its flags), 4 more for
//     where it starts if it must be read again (added, differing, not
//     keyed, or every one with include = ["patch"]). Elements lacking the
//     key keep their fingerprint and index, to be aligned as lcs does.
//     When the matched elements are out of order, finding those in order
//     takes 4 bytes per old element (in the chain's place) and 4 per
//     element in order; a set with no patch whose changes are all of one
//     kind skips it.
//
// The table holds no keys: a probe compares the key with the one read back
// from the document, so two keys never match because their hashes do (set
// elements match by fingerprint, as in arrays). Paths and keys of elements
// are built only for the changes listed, so the elements compared beyond
// max_changes cost no allocation.

const (
	// wideArray is the default of Differ.wideArr: below it (a few dozen
	// short elements), listing them is as fast and its memory is bounded.
	wideArray = 512
	// arrayKeep is the default of Differ.arrKeep: the average element size
	// from which an unkeyed array's fingerprints are kept.
	arrayKeep = 32
	// arrayChunk is the default of Differ.arrChunk.
	arrayChunk = 64
)

const (
	aUsed  = 1 << 31    // off: the old element was matched
	aKeyed = 1 << 30    // off: the old element is keyed
	aOff   = aKeyed - 1 // off: where the old element starts
)

// wideArray reports whether two arrays take the wide comparison.
func (j *jdiff) wideArray(o, n *node) bool {
	if len(j.o.data) > aOff || len(j.n.data) > aOff {
		return false // offsets are kept in 30 bits
	}
	return spanOf(&j.o, o)+spanOf(&j.n, n) > j.d.wideArr
}

// state is the scan state of element idx of the side's array, and
// whether the element is ignored: as in elements.
func (a *wside) state(idx int) (scanState, bool) { return a.j.elemState(a.nd, a.spec, idx) }

// each calls f for every element of the side's array that is not ignored,
// as eachElem, and notes the ignored ones.
func (a *wside) each(f func(idx, pos, end int, st scanState, h uint64) error) error {
	return a.j.eachElem(a.sd, a.nd, a.spec, func(idx, pos, end int, st scanState, h uint64, skip bool) error {
		if skip {
			a.ign++
			a.skips = append(a.skips, int32(idx))
			return nil
		}
		return f(idx, pos, end, st, h)
	})
}

// arraysWide is arrays for wide arrays, with the same results.
func (j *jdiff) arraysWide(o, n *node, l *loc, ow *owner) error {
	spec := int(n.st.arrSpec)
	if spec < 0 {
		return j.arraysUnkeyed(o, n, l, ow)
	}
	base := len(j.estack)
	defer func() { j.estack = j.estack[:base] }()
	sp := &j.d.specs[spec]
	w := &wkeyed{j: j, spec: spec, set: sp.set, single: !sp.set && len(sp.fields) == 1}
	w.o = wside{j: j, sd: &j.o, nd: o, spec: spec}
	w.n = wside{j: j, sd: &j.n, nd: n, spec: spec}
	if err := w.listOld(); err != nil {
		return fmt.Errorf("old value: %w", err)
	}
	w.chainForward()
	if err := w.listNew(); err != nil {
		return fmt.Errorf("new value: %w", err)
	}
	w.alignUnkeyed()
	w.stabilize(j.d.patch && !l.nopatch)
	return w.report(l, ow)
}

// wside is one side of a wide array, or of its unkeyed elements.
type wside struct {
	j     *jdiff
	sd    *side
	nd    *node
	spec  int
	n     int     // elements listed (not ignored)
	ign   int     // elements ignored
	skips []int32 // their indices, in order
	cps   []wcp   // where every chunk-th element listed starts
	chunk int
	keep  bool         // the fingerprints are in hs
	hs    segs[uint64] // (unkeyed arrays, and the unkeyed elements of keyed ones)
}

// wcp is where an element starts and its index.
type wcp struct{ pos, idx int32 }

// wcur is a cursor on the elements of a wside: element x (its index idx),
// or past the last when x >= n. When the fingerprints are kept, the
// alignment's cursors know only x and the fingerprint.
type wcur struct {
	x, idx int
	node
}

// raw is the index of element x among all, ignored ones included.
func (a *wside) raw(x int) int {
	if len(a.skips) == 0 {
		return x
	}
	// skips[i]-i elements are listed before the i-th ignored one
	t := sort.Search(len(a.skips), func(i int) bool { return int(a.skips[i])-i > x })
	return x + t
}

// list lists an unkeyed array, notes where every chunk-th element starts,
// keeps the fingerprints if a.keep, and sets nd.end. If decide, whether
// to keep them is decided from the first 16 elements' size.
func (a *wside) list(decide bool) error {
	first := skipWS(a.sd.data, a.nd.start+1)
	next := 1 // elements to the next note
	last := -1
	err := a.each(func(idx, pos, vend int, _ scanState, h uint64) error {
		if next--; next == 0 {
			a.cps = append(a.cps, wcp{int32(pos), int32(idx)})
			next = a.chunk
		}
		if a.keep {
			a.hs.push(h)
		}
		if a.n++; decide && a.n == 16 {
			a.decide(vend - first)
			decide = false
		}
		last = vend
		return nil
	})
	if err == nil && decide && a.n > 0 {
		a.decide(last - first)
	}
	return err
}

// decide keeps the fingerprints if the elements listed, spanning size
// bytes, average arrKeep bytes or more.
func (a *wside) decide(size int) {
	if a.n > 0 && size/a.n >= a.j.d.arrKeep {
		return
	}
	a.keep = false
	a.hs.truncate(0)
}

// nodeAt reads again element raw of the document, which starts at pos
// (read before: valid). The side's scanner then holds where the
// element's key fields start.
func (a *wside) nodeAt(pos, raw int) node {
	st, _ := a.state(raw)
	h, end, _ := a.sd.s.value(pos, st)
	return node{start: pos, end: end, hash: h, st: st}
}

// at returns a cursor on element x of the document, read from the note
// before it.
func (a *wside) at(x int) wcur {
	if x >= a.n {
		return wcur{x: x}
	}
	q := x / a.chunk
	cp := a.cps[q]
	c := wcur{x: q * a.chunk, idx: int(cp.idx)}
	c.node = a.nodeAt(int(cp.pos), c.idx)
	for c.x < x {
		a.next(&c)
	}
	return c
}

// next moves a cursor on the document to the next element listed.
func (a *wside) next(c *wcur) {
	if c.x++; c.x >= a.n {
		return
	}
	data := a.sd.data
	pos := skipWS(data, skipWS(data, c.end)+1) // past ","
	for {
		c.idx++
		st, skip := a.state(c.idx)
		h, end, _ := a.sd.s.value(pos, st)
		if !skip {
			c.node = node{start: pos, end: end, hash: h, st: st}
			return
		}
		pos = skipWS(data, skipWS(data, end)+1)
	}
}

// adv moves an alignment cursor to the next element.
func (a *wside) adv(c *wcur) {
	if !a.keep {
		a.next(c)
		return
	}
	if c.x++; c.x < a.n {
		c.hash = a.hs.at(c.x)
	}
}

// first is an alignment cursor on the first element.
func (a *wside) first() wcur {
	if !a.keep {
		return a.at(0)
	}
	var c wcur
	if a.n > 0 {
		c.hash = a.hs.at(0)
	}
	return c
}

// wback reads fingerprints backwards: a chunk at a time from the notes.
type wback struct {
	a   *wside
	lo  int
	buf []uint64
}

func (r *wback) at(x int) uint64 {
	a := r.a
	if a.keep {
		return a.hs.at(x)
	}
	if x < r.lo || x >= r.lo+len(r.buf) {
		c := a.at(x / a.chunk * a.chunk)
		r.lo, r.buf = c.x, r.buf[:0]
		for {
			r.buf = append(r.buf, c.hash)
			if len(r.buf) == a.chunk || c.x+1 >= a.n {
				break
			}
			a.next(&c)
		}
	}
	return r.buf[x-r.lo]
}

// alignWide matches a's and b's elements as lcs matches their fingerprints
// (the same pairs, as runs), and returns alignment cursors at the end of
// the common prefix.
func (j *jdiff) alignWide(a, b *wside) ([]run, wcur, wcur) {
	ca, cb := a.first(), b.first()
	if a.n == 0 || b.n == 0 {
		return nil, ca, cb
	}
	for ca.x < a.n && cb.x < b.n && ca.hash == cb.hash {
		a.adv(&ca)
		b.adv(&cb)
	}
	pre := ca.x
	ra, rb := wback{a: a}, wback{a: b}
	suf := 0
	for suf < a.n-pre && suf < b.n-pre && ra.at(a.n-1-suf) == rb.at(b.n-1-suf) {
		suf++
	}
	var runs []run
	if pre > 0 {
		runs = append(runs, run{0, 0, pre})
	}
	runs = j.myersWide(a, b, ca, cb, a.n-pre-suf, b.n-pre-suf, runs)
	if suf > 0 {
		runs = append(runs, run{a.n - suf, b.n - suf, suf})
	}
	return runs, ca, cb
}

// myersWide is myers on the n and m elements from the cursors ca and cb,
// with the same bounds and the same pairs, appended to runs. Each
// diagonal keeps its own pair of cursors, which only move forwards: a
// diagonal starts from a neighbour's, one element further on one side.
// The trace keeps, for each step d, the d values backtracking reads.
func (j *jdiff) myersWide(a, b *wside, ca, cb wcur, n, m int, runs []run) []run {
	if n == 0 || m == 0 {
		return runs
	}
	limit := editLimit(n, m)
	vo := limit + 1
	v := make([]int32, 2*limit+3)
	oc := make([]wcur, 2*limit+3)
	nc := make([]wcur, 2*limit+3)
	tr := j.trace[:0]
	found := -1
	for d := 0; d <= limit && found < 0; d++ {
		tr = traceStep(tr, v, vo, d)
		for k := -d; k <= d; k += 2 {
			var x int
			var co, cn wcur
			switch {
			case d == 0:
				co, cn = ca, cb
			case k == -d || (k != d && v[vo+k-1] < v[vo+k+1]):
				x = int(v[vo+k+1])
				co, cn = oc[vo+k+1], nc[vo+k+1]
				b.adv(&cn)
			default:
				x = int(v[vo+k-1]) + 1
				co, cn = oc[vo+k-1], nc[vo+k-1]
				a.adv(&co)
			}
			y := x - k
			for x < n && y < m && co.hash == cn.hash {
				x++
				y++
				a.adv(&co)
				b.adv(&cn)
			}
			v[vo+k] = int32(x)
			oc[vo+k], nc[vo+k] = co, cn
			if x >= n && y >= m {
				found = d
				break
			}
		}
	}
	j.trace = tr
	if found < 0 {
		return runs
	}
	return backtrack(tr, found, n, m, ca.x, runs)
}

// arraysUnkeyed is arraysWide for arrays that are not keyed: listed
// (validated) once, aligned, and read again from the end of the common
// prefix to the start of the common suffix for the report.
func (j *jdiff) arraysUnkeyed(o, n *node, l *loc, ow *owner) error {
	a := &wside{j: j, sd: &j.o, nd: o, spec: -1, chunk: j.d.arrChunk, keep: true}
	if err := a.list(true); err != nil {
		return fmt.Errorf("old value: %w", err)
	}
	b := &wside{j: j, sd: &j.n, nd: n, spec: -1, chunk: j.d.arrChunk, keep: a.keep}
	if err := b.list(false); err != nil {
		return fmt.Errorf("new value: %w", err)
	}
	runs, ca, cb := j.alignWide(a, b)
	pre := 0
	if len(runs) > 0 && runs[0].o == 0 && runs[0].n == 0 {
		pre, runs = runs[0].len, runs[1:]
	}
	if a.keep {
		ca, cb = a.at(pre), b.at(pre)
	}

	// As in arrays: cur is the position in the array being patched, oraw
	// the index of the old element after the last one passed.
	cur, oraw := 0, 0
	if pre > 0 {
		oraw = a.raw(pre-1) + 1
		cur = oraw
	}
	patch := j.d.patch && !l.nopatch
	lv := j.level(n.st.depth)
	ptr := func() string { return l.pointer() + "/" + strconv.Itoa(cur) }
	owned := func(on, nn *node) *owner {
		if elemLevel(ow, false, false) == 0 {
			return ow
		}
		lv.ow = owner{level: 1, old: on, new: nn, up: ow.keyed()}
		return &lv.ow
	}
	pair := func() error {
		cur += ca.idx - oraw
		oraw = ca.idx + 1
		if ca.hash != cb.hash {
			lv.eo, lv.en = ca.node, cb.node
			lv.el = elemRef{ok: -1, ni: -1, oraw: ca.idx, nraw: cb.idx}
			if err := j.compareElems(lv, l, ptr, l.nopatch, owned(&lv.eo, &lv.en)); err != nil {
				return err
			}
		}
		cur++
		return nil
	}
	removed := func() {
		cur += ca.idx - oraw
		oraw = ca.idx + 1
		if patch {
			cl := loc{ptr: ptr()}
			j.op("remove", &cl, nil)
		}
		lv.eo = ca.node
		lv.el = elemRef{ok: -1, ni: -1, oraw: ca.idx, nraw: -1}
		lv.cl = loc{up: l, el: &lv.el, nopatch: l.nopatch}
		j.changeAt(Removed, &lv.cl, owned(&lv.eo, nil), &lv.eo, nil)
	}
	added := func() {
		lv.en = cb.node
		if patch {
			cl := loc{ptr: ptr()}
			j.op("add", &cl, &lv.en)
		}
		cur++
		lv.el = elemRef{ok: -1, ni: -1, oraw: -1, nraw: cb.idx}
		lv.cl = loc{up: l, el: &lv.el, nopatch: l.nopatch}
		j.changeAt(Added, &lv.cl, owned(nil, &lv.en), nil, &lv.en)
	}
	// gap pairs what lies between two runs by position, as alignUnkeyed
	// does; the rest of one side is removed or added.
	gap := func(toA, toB int) error {
		for ca.x < toA && cb.x < toB {
			if err := pair(); err != nil {
				return err
			}
			a.next(&ca)
			b.next(&cb)
		}
		for ; ca.x < toA; a.next(&ca) {
			removed()
		}
		for ; cb.x < toB; b.next(&cb) {
			added()
		}
		return nil
	}
	for _, r := range runs {
		if err := gap(r.o, r.n); err != nil {
			return err
		}
		if r.o+r.len == a.n && r.n+r.len == b.n {
			return nil // the rest is the same
		}
		if r.len > 2*a.chunk { // passed at once: the pairs are the same
			last := a.raw(r.o + r.len - 1)
			cur += last - oraw + 1
			oraw = last + 1
			ca, cb = a.at(r.o+r.len), b.at(r.n+r.len)
			continue
		}
		for t := 0; t < r.len; t++ {
			cur += ca.idx - oraw + 1
			oraw = ca.idx + 1
			a.next(&ca)
			b.next(&cb)
		}
	}
	return gap(a.n, b.n)
}

// compareElems compares the level's elements, lv.eo and lv.en, which
// lv.el locates in the array at l, for the owner ow; ptr is their pointer
// in the patch unless nopatch.
func (j *jdiff) compareElems(lv *level, l *loc, ptr func() string, nopatch bool, ow *owner) error {
	lv.cl = loc{up: l, el: &lv.el, nopatch: nopatch}
	if j.d.patch && !nopatch {
		lv.cl.ptr = ptr()
	}
	return j.compare(&lv.eo, &lv.en, &lv.cl, ow, false)
}

// elemRef is what the path and the key of an array element compared by
// arraysWide are built from, when a change needs them.
type elemRef struct {
	w              *wkeyed // nil for an unkeyed array: the indices are the components
	ok, ni         int     // list indices (keyed arrays), -1 for none
	oraw, nraw     int     // indices, -1 for none
	opos, npos     int     // where the elements start (keyed arrays)
	okeyed, nkeyed bool
}

// comps returns the elements' path components: a query when one finds the
// element, else its index; one side's for both when only one is there.
func (e *elemRef) comps() (string, string) {
	var co, cn string
	if e.oraw >= 0 {
		co = e.comp(true)
	}
	if e.nraw < 0 {
		return co, co
	}
	cn = e.comp(false)
	if e.oraw < 0 {
		return cn, cn
	}
	return co, cn
}

func (e *elemRef) comp(old bool) string {
	raw := e.nraw
	if old {
		raw = e.oraw
	}
	if w := e.w; w != nil {
		if old && e.okeyed && w.o.ign == 0 {
			if c, ok := w.query(true, e.ok, e.opos, e.oraw); ok {
				return c
			}
		}
		if !old && e.nkeyed && w.n.ign == 0 {
			if c, ok := w.query(false, e.ni, e.npos, e.nraw); ok {
				return c
			}
		}
	}
	return strconv.Itoa(raw)
}

// keyText is the key of the element (its old version if old), as keyText.
func (e *elemRef) keyText(old bool) string {
	w := e.w
	a, pos, raw := &w.n, e.npos, e.nraw
	if old {
		a, pos, raw = &w.o, e.opos, e.oraw
	}
	nd := a.nodeAt(pos, raw)
	if w.set {
		return scalarText(a.sd.data[pos:nd.end])
	}
	w.rk = appendKey(w.rk[:0], a.sd, &w.j.d.specs[w.spec])
	return w.j.joinKey(w.rk)
}

// Flags of the new elements of a keyed array.
const (
	fKeyed  = 1 << iota // keyed
	fDiff               // matched, and the values differ
	fOff                // where it starts is in noff
	fFirst              // no element before it in the new array has its key
	fInOld              // an old element has its key
	fStable             // matched, in order (increasing)
)

// Table entries: the group's element (an old element's index + 1, or a
// new-only key's in nref + 1), flags, and 30 bits of the key's hash that
// also place it.
const (
	tNew      = 1 << 32 // the key is only in the new array
	tSeen     = 1 << 33 // a new element has the key
	tTagShift = 34
)

// tslot maps a tag (30 bits) to a slot of a table of n slots.
func tslot(tag uint64, n int) int { return int(tag * uint64(n) >> 30) }

// wkeyed is the state of arraysWide on one keyed array or set.
type wkeyed struct {
	j      *jdiff
	spec   int
	set    bool
	single bool // keyed by one field
	o, n   wside

	off  segs[uint32] // old elements: where they start | aUsed | aKeyed
	kpos segs[uint32] // old elements: where the key's value starts (single)
	tab  []uint64     // one entry per key: its first old element
	tn   int
	est  int          // listOld: how many elements the old array may have, once 16 show their size
	nx   segs[uint32] // old elements of one key chained, once one is found twice (see link)
	nref segs[uint64] // new-only keys: where their key (single) or element starts <<32 | index

	m     segs[uint32] // new elements: the old one matched + 1, or 0
	fl    segs[uint8]  // new elements: flags
	noff  segs[uint32] // new elements with fOff: where they start
	added bool         // a new element of a set has a value the old one lacks

	ouk, nuk segs[uint32] // unkeyed elements: their list index
	ouh, nuh segs[uint64] // and fingerprint

	// Per side (old, new): the key fields met with strings, with numbers,
	// and whether a number differs from another one only past float64
	// precision. Without mixed or long ones, a query finds an element
	// exactly when no element before it has the same key (see query).
	str, num [2]uint32
	long     [2]bool
	legacy   [2][]elem // sides with mixed keys: listed for query
	lq       [2]*qindex

	pk, rk []byte // the key probed; a key read back
	digits []byte
}

// keyOf returns the key hash of the element just read by s, leaves its
// canonical key in w.pk (keyed arrays), and notes the kinds of its key
// values. h is the element's fingerprint.
func (w *wkeyed) keyOf(side int, s *scanner, data []byte, pos int, h uint64) (uint64, bool) {
	if w.set {
		w.note(side, 0, data, pos)
		return h, true
	}
	if !s.keyed {
		return 0, false
	}
	w.pk = w.pk[:0]
	for f := range w.j.d.specs[w.spec].fields {
		w.pk = appendKeyPart(w.pk, data, s.keyAt[f])
		w.note(side, f, data, s.keyAt[f])
	}
	return hashBytes(seedKey, w.pk), true
}

// note notes the kind of the key value of field f at data[pos].
func (w *wkeyed) note(side, f int, data []byte, pos int) {
	switch c := data[pos]; {
	case c == '"':
		w.str[side] |= 1 << f
	case c == '-' || (c >= '0' && c <= '9'):
		w.num[side] |= 1 << f
		if !w.long[side] {
			end, _ := numberEnd(data, pos)
			w.long[side] = w.longNumber(data[pos:end])
		}
	}
}

// longNumber reports whether float64 may not tell raw from another
// number: more than 15 significant digits, or an exponent near the ends
// of its range. Up to 15 digits, distinct decimals are distinct float64s,
// so gjson's numeric comparison is equality.
func (w *wkeyed) longNumber(raw []byte) bool {
	if len(raw) <= 15 {
		plain := true
		for _, c := range raw {
			if c < '0' || c > '9' {
				plain = c == '-' && plain
				if !plain {
					break
				}
			}
		}
		if plain {
			return false
		}
	}
	var zero bool
	var exp int64
	w.digits, exp, _, zero = canonNumber(w.digits[:0], raw)
	return !zero && (len(w.digits) > 15 || exp < -290 || exp > 290)
}

// mixed reports whether a side's keys are of kinds query must tell apart
// as gjson does.
func (w *wkeyed) mixed(side int) bool { return w.str[side]&w.num[side] != 0 || w.long[side] }

// find finds the entry of the key probed (hash kh, and w.pk for keyed
// arrays): its slot, or the empty slot where it goes.
func (w *wkeyed) find(kh uint64) (int, bool) {
	tag := kh >> tTagShift
	t := w.tab
	i := tslot(tag, len(t))
	for {
		e := t[i]
		if e == 0 {
			return i, false
		}
		if e>>tTagShift == tag && w.sameKey(e, kh) {
			return i, true
		}
		if i++; i == len(t) {
			i = 0
		}
	}
}

// sameKey reports whether the element of entry e has the key probed.
func (w *wkeyed) sameKey(e, kh uint64) bool {
	var a *wside
	var pos, raw int
	if ref := int(uint32(e)) - 1; e&tNew != 0 {
		r := w.nref.at(ref)
		a, pos, raw = &w.n, int(r>>32), int(uint32(r))
	} else {
		a, raw = &w.o, w.o.raw(ref)
		pos = int(w.off.at(ref) & aOff)
		if w.single {
			pos = int(w.kpos.at(ref))
		}
	}
	switch {
	case w.set:
		return a.nodeAt(pos, raw).hash == kh
	case w.single:
		w.rk = appendKeyPart(w.rk[:0], a.sd.data, pos)
	default:
		a.nodeAt(pos, raw)
		w.rk = appendKey(w.rk[:0], a.sd, &w.j.d.specs[w.spec])
	}
	return bytes.Equal(w.rk, w.pk)
}

// insert puts entry e in the empty slot i, growing the table if needed:
// to twice its size, or, while the old array is listed, to what the keys
// entered so far project for all of its elements. The table starts small
// (see listOld), as the elements may share a few keys: a set of small
// numbers may have a thousand values among millions of elements.
func (w *wkeyed) insert(i int, e uint64) {
	w.tab[i] = e
	if w.tn++; w.tn*4 > len(w.tab)*3 {
		size := 2 * len(w.tab)
		if listed := w.o.n; w.est > listed && listed > 0 {
			keys := int(int64(w.tn) * int64(w.est) / int64(listed))
			size = max(size, tableSize(keys))
		}
		w.grow(size)
	}
}

// tableSize is the size of a table for n keys.
func tableSize(n int) int { return (n+n/8)*4/3 + 32 }

// grow moves the entries to a table of size slots (placed by their tags).
func (w *wkeyed) grow(size int) {
	t := make([]uint64, size)
	for _, e := range w.tab {
		if e == 0 {
			continue
		}
		i := tslot(e>>tTagShift, size)
		for t[i] != 0 {
			if i++; i == size {
				i = 0
			}
		}
		t[i] = e
	}
	w.tab = t
}

// listOld lists the old array (ignored elements left out) and enters
// the keys of its keyed elements in the table; sets o.end.
func (w *wkeyed) listOld() error {
	a := &w.o
	data, s, nd := a.sd.data, a.sd.s, a.nd
	w.tab = make([]uint64, 32)
	first, end := skipWS(data, nd.start+1), len(data)
	if nd.end >= 0 {
		end = nd.end
	}
	err := a.each(func(_, pos, _ int, _ scanState, h uint64) error {
		if a.n == 16 && w.tn == 16 { // estimate the elements from the first 16
			if avg := (pos - first) / 16; avg > 0 {
				w.est = 16 + (end-pos)/avg
				if size := tableSize(w.est / 64); size > len(w.tab) {
					w.grow(size)
				}
			}
		}
		k := a.n
		a.n++
		kh, keyed := w.keyOf(0, s, data, pos, h)
		if w.single {
			kp := 0
			if keyed {
				kp = s.keyAt[0]
			}
			w.kpos.push(uint32(kp))
		}
		i, dup := 0, false
		if keyed {
			w.off.push(uint32(pos) | aKeyed)
			if i, dup = w.find(kh); !dup {
				w.insert(i, uint64(k+1)|kh>>tTagShift<<tTagShift)
			}
		} else {
			w.off.push(uint32(pos))
			w.ouk.push(uint32(k))
			w.ouh.push(h)
		}
		switch {
		case dup:
			w.link(int(uint32(w.tab[i]))-1, k)
		case w.nx.n > 0:
			w.nx.push(0)
		}
		return nil
	})
	w.est = 0 // the new array's keys are not projected
	return err
}

// link chains old element k to the others of its key, whose first is f:
// 4 bytes per old element from the first key found twice on, none
// before. While the old array is listed, nx of the first holds the last
// one + 1, and nx of the others the one before + 1 (so that the first is
// the one whose nx is past it); chainForward then links each to the one
// after it.
func (w *wkeyed) link(f, k int) {
	for w.nx.n < k {
		w.nx.push(0)
	}
	last := f
	if v := w.nx.at(f); v != 0 {
		last = int(v) - 1
	}
	w.nx.push(uint32(last + 1))
	w.nx.set(f, uint32(k+1))
}

// chainForward turns the chains of link into the one after each old
// element + 1 (0 for the last), in place: each element's successor comes
// after it, so it is set once its own entry has been read.
func (w *wkeyed) chainForward() {
	for k := 0; k < w.nx.n; k++ {
		v := int(w.nx.at(k))
		w.nx.set(k, 0)
		if v != 0 && v-1 < k {
			w.nx.set(v-1, uint32(k+1))
		}
	}
}

// take matches the first old element not matched yet among those whose
// key is the key of old element f (the first of them), and returns it, or
// -1. They are matched in order, so the matched ones come first: the
// first one's nx skips them.
func (w *wkeyed) take(f int) int {
	if w.off.at(f)&aUsed == 0 {
		w.off.set(f, w.off.at(f)|aUsed)
		return f
	}
	if w.nx.n == 0 {
		return -1
	}
	k := int(w.nx.at(f)) - 1
	if k < 0 {
		return -1
	}
	w.off.set(k, w.off.at(k)|aUsed)
	w.nx.set(f, w.nx.at(k))
	return k
}

// listNew lists the new array and matches its keyed elements to the first
// old element of their key not matched yet; sets n.end.
func (w *wkeyed) listNew() error {
	b := &w.n
	j, data, s := w.j, b.sd.data, b.sd.s
	return b.each(func(idx, pos, vend int, st scanState, h uint64) error {
		i := b.n
		b.n++
		var f uint8
		var m uint32
		kh, keyed := w.keyOf(1, s, data, pos, h)
		if keyed {
			f |= fKeyed
			kp := pos
			if w.single {
				kp = s.keyAt[0]
			}
			si, found := w.find(kh)
			switch {
			case !found:
				f |= fFirst
				w.nref.push(uint64(kp)<<32 | uint64(idx))
				w.insert(si, uint64(w.nref.n)|tNew|tSeen|kh>>tTagShift<<tTagShift)
			default:
				e := w.tab[si]
				if e&tSeen == 0 {
					f |= fFirst
					w.tab[si] = e | tSeen
				}
				if e&tNew != 0 {
					break
				}
				f |= fInOld
				if k := w.take(int(uint32(e)) - 1); k >= 0 {
					m = uint32(k + 1)
					if !w.same(k, data[pos:vend], st, h) {
						f |= fDiff
					}
				}
			}
		} else {
			w.nuk.push(uint32(i))
			w.nuh.push(h)
		}
		if w.set && f&fInOld == 0 {
			w.added = true
		}
		if m == 0 || f&(fDiff) != 0 || !keyed || j.d.patch {
			f |= fOff
			w.noff.push(uint32(pos))
		}
		w.m.push(m)
		w.fl.push(f)
		return nil
	})
}

// same reports whether old element k has the fingerprint h of the new
// element raw, read in state st: when the bytes and the scan states are
// the same, so is the fingerprint (see sameValue).
func (w *wkeyed) same(k int, raw []byte, st scanState, h uint64) bool {
	od := w.j.o.data
	pos := int(w.off.at(k) & aOff)
	ost, _ := w.o.state(w.o.raw(k))
	if ost == st && len(od)-pos >= len(raw) && bytes.Equal(od[pos:pos+len(raw)], raw) {
		if c := raw[0]; c != '-' && (c < '0' || c > '9') {
			return true
		}
		if end, err := numberEnd(od, pos); err == nil && end == pos+len(raw) {
			return true
		}
	}
	oh, _, _ := w.j.o.s.value(pos, ost)
	return oh == h
}

// alignUnkeyed matches the elements that are not keyed, as alignUnkeyed.
func (w *wkeyed) alignUnkeyed() {
	if w.ouh.n == 0 || w.nuh.n == 0 {
		return
	}
	a := &wside{j: w.j, n: w.ouh.n, keep: true, hs: w.ouh}
	b := &wside{j: w.j, n: w.nuh.n, keep: true, hs: w.nuh}
	runs, _, _ := w.j.alignWide(a, b)
	link := func(x, y int) {
		k, i := int(w.ouk.at(x)), int(w.nuk.at(y))
		w.m.set(i, uint32(k+1))
		w.off.set(k, w.off.at(k)|aUsed)
		if w.ouh.at(x) != w.nuh.at(y) {
			w.fl.set(i, w.fl.at(i)|fDiff)
		}
	}
	x, y := 0, 0
	gap := func(toA, toB int) {
		for ; x < toA && y < toB; x, y = x+1, y+1 {
			link(x, y)
		}
		x, y = toA, toB
	}
	for _, r := range runs {
		gap(r.o, r.n)
		for t := 0; t < r.len; t++ {
			link(r.o+t, r.n+t)
		}
		x, y = r.o+r.len, r.n+r.len
	}
	gap(a.n, b.n)
}

// stabilize marks the matched elements in order, as increasing: a
// longest increasing subsequence of the old elements matched, the one
// patience sorting with links to the predecessor finds. Each element's
// pile is kept instead of the link, at the old element matched (in the
// chains' entries, dead by now), and the piles hold the old element on
// top: walking back, the predecessor of the element taken from pile p is
// the last element before it on pile p-1, as the link would say.
//
// A set with no patch to write needs none of it when its changes are all
// of one kind: the removed elements are reported in their order and the
// added ones in theirs, wherever the matched ones are.
func (w *wkeyed) stabilize(patch bool) {
	n := w.m.n
	var last uint32
	inc := true
	for i := 0; i < n && inc; i++ {
		if x := w.m.at(i); x > 0 {
			inc = x > last
			last = x
		}
	}
	if inc {
		for i := 0; i < n; i++ {
			if w.m.at(i) > 0 {
				w.fl.set(i, w.fl.at(i)|fStable)
			}
		}
		return
	}
	if w.set && !patch && (!w.added || !w.removed()) {
		return
	}
	piles := &w.nx
	for piles.n < w.o.n {
		piles.push(0)
	}
	var tops segs[uint32] // the old element + 1 on top of each pile
	for i := 0; i < n; i++ {
		x := w.m.at(i)
		if x == 0 {
			continue
		}
		lo, hi := 0, tops.n
		for lo < hi {
			mid := (lo + hi) / 2
			if tops.at(mid) < x {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		piles.set(int(x-1), uint32(lo))
		if lo == tops.n {
			tops.push(x)
		} else {
			tops.set(lo, x)
		}
	}
	want := tops.n - 1
	for i := n - 1; i >= 0 && want >= 0; i-- {
		if x := w.m.at(i); x > 0 && int(piles.at(int(x-1))) == want {
			w.fl.set(i, w.fl.at(i)|fStable)
			want--
		}
	}
}

// removed reports whether an old element of a set has a value the new
// one lacks: an entry of the table no new element has seen.
func (w *wkeyed) removed() bool {
	for _, e := range w.tab {
		if e != 0 && e&(tNew|tSeen) == 0 {
			return true
		}
	}
	return false
}

// oldInNew reports whether a new element of a set has the value whose
// fingerprint (its key) is h: then the first old element of the value
// was matched.
func (w *wkeyed) oldInNew(h uint64) bool {
	i, found := w.find(h)
	return found && w.off.at(int(uint32(w.tab[i]))-1)&aUsed != 0
}

// report reports the changes as arrays does.
func (w *wkeyed) report(l *loc, ow *owner) error {
	j := w.j
	a, b := &w.o, &w.n
	patch := j.d.patch && !l.nopatch
	lv := j.level(b.nd.st.depth)
	cur, oraw := 0, 0
	passTo := func(r int) {
		cur += r - oraw
		oraw = r + 1
	}
	ptr := func() string { return l.pointer() + "/" + strconv.Itoa(cur) }
	// owned is arrays' childOwner, the key read when needed: lv.el must
	// be set.
	owned := func(on, nn *node) *owner {
		keyed, kold := lv.el.nkeyed, nn == nil
		if kold {
			keyed = lv.el.okeyed
		}
		level := elemLevel(ow, keyed, w.set)
		if level == 0 {
			return ow
		}
		lv.ow = owner{level: level, old: on, new: nn, spec: w.spec, up: ow.keyed()}
		if level == 2 {
			lv.ow.kref, lv.ow.kold = &lv.el, kold
		}
		return &lv.ow
	}
	passOld := func(k int) {
		e := w.off.at(k)
		r := a.raw(k)
		passTo(r)
		if patch {
			cl := loc{ptr: ptr()}
			j.op("remove", &cl, nil)
		}
		if e&aUsed != 0 {
			return // moved: reported with its new position
		}
		lv.eo = a.nodeAt(int(e&aOff), r)
		if w.set && w.oldInNew(lv.eo.hash) {
			return
		}
		lv.el = elemRef{w: w, ok: k, ni: -1, oraw: r, nraw: -1, opos: int(e & aOff), okeyed: e&aKeyed != 0}
		lv.cl = loc{up: l, el: &lv.el, nopatch: l.nopatch}
		j.changeAt(Removed, &lv.cl, owned(&lv.eo, nil), &lv.eo, nil)
	}
	// pairRef sets lv.el and the values of old element k and new element i.
	pairRef := func(k, i, nraw, npos int, f uint8) {
		e := w.off.at(k)
		r := a.raw(k)
		lv.el = elemRef{w: w, ok: k, ni: i, oraw: r, nraw: nraw, opos: int(e & aOff), npos: npos,
			okeyed: e&aKeyed != 0, nkeyed: f&fKeyed != 0}
		lv.eo = a.nodeAt(int(e&aOff), r)
		lv.en = b.nodeAt(npos, nraw)
	}
	oi, si, nraw, skip := 0, 0, -1, 0
	for i := 0; i < b.n; i++ {
		for nraw++; skip < len(b.skips) && int(b.skips[skip]) == nraw; skip++ {
			nraw++
		}
		m, f := int(w.m.at(i)), w.fl.at(i)
		npos := -1
		if f&fOff != 0 {
			npos = int(w.noff.at(si))
			si++
		}
		k := m - 1
		switch {
		case m > 0 && f&fStable != 0:
			for ; oi < k; oi++ {
				passOld(oi)
			}
			oi = k + 1
			passTo(a.raw(k))
			if f&fDiff != 0 {
				pairRef(k, i, nraw, npos, f)
				if err := j.compareElems(lv, l, ptr, l.nopatch, owned(&lv.eo, &lv.en)); err != nil {
					return err
				}
			}
			cur++
			for oi < a.n && w.off.at(oi)&aUsed == 0 {
				passOld(oi) // removed elements where they were
				oi++
			}
		case m > 0: // moved: the patch adds it here and removes the old one
			if patch {
				lv.en = b.nodeAt(npos, nraw)
				cl := loc{ptr: ptr()}
				j.op("add", &cl, &lv.en)
			}
			cur++
			if f&fDiff != 0 {
				pairRef(k, i, nraw, npos, f)
				if err := j.compareElems(lv, l, ptr, true, owned(&lv.eo, &lv.en)); err != nil {
					return err
				}
			}
		default:
			lv.en = b.nodeAt(npos, nraw)
			if patch {
				cl := loc{ptr: ptr()}
				j.op("add", &cl, &lv.en)
			}
			cur++
			if w.set && f&fInOld != 0 {
				continue
			}
			lv.el = elemRef{w: w, ok: -1, ni: i, oraw: -1, nraw: nraw, npos: npos, nkeyed: f&fKeyed != 0}
			lv.cl = loc{up: l, el: &lv.el, nopatch: l.nopatch}
			j.changeAt(Added, &lv.cl, owned(nil, &lv.en), nil, &lv.en)
		}
	}
	for ; oi < a.n; oi++ {
		passOld(oi)
	}
	return nil
}

// query is jdiff.query for element x (at pos, index raw) of a side. On a
// side whose keys are all strings or all short numbers field by field,
// gjson's comparison of a key with an element's is equality, so no
// element before x matches x's query exactly when x is the first of its
// key. A side with mixed keys is listed for jdiff.query (elements), as
// arrays lists it.
func (w *wkeyed) query(old bool, x, pos, raw int) (string, bool) {
	j := w.j
	side, a := 1, &w.n
	if old {
		side, a = 0, &w.o
	}
	sd, nd := a.sd, a.nd
	if w.mixed(side) {
		if w.legacy[side] == nil {
			es, _, _ := j.elements(sd, nd, w.spec) // read before: valid
			w.legacy[side] = es
			w.lq[side] = j.newQindex(sd, es, w.spec)
		}
		return j.query(sd, w.legacy[side], x, w.spec, w.lq[side])
	}
	sp := &j.d.specs[w.spec]
	v := a.nodeAt(pos, raw)
	h := v.hash
	w.pk = w.pk[:0]
	if !sp.set {
		w.pk = appendKey(w.pk, sd, sp)
		h = hashBytes(seedKey, w.pk)
	}
	e := elem{node: v, keyed: true}
	vals, tags, ok := j.queryValues(sd, sp, &e, w.pk)
	if !ok {
		return "", false
	}
	if old {
		if i, found := w.find(h); !found || int(uint32(w.tab[i]))-1 != x {
			return "", false
		}
	} else if w.fl.at(x)&fFirst == 0 {
		return "", false
	}
	return queryText(sp, vals, tags), true
}
