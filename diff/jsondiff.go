package diff

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// The JSON diff never builds trees. At each level it lists the children of
// the two containers it compares with their raw spans and fingerprints
// (one scan each), matches them (object members by name, keyed elements by
// key, other elements by a longest common subsequence of fingerprints) and
// descends only into matched pairs whose fingerprints differ. Recursion
// follows the nesting of values the scanner has already accepted, so it is
// bounded by maxDepth.

// side is one of the two values being compared.
type side struct {
	data []byte
	s    *scanner
	name []byte  // memberAt's copy of an escaped member name
	rb   scanner // reads member names back for the wide comparison
}

// node is a value inside a side: its span, fingerprint and scan state.
type node struct {
	start, end int
	hash       uint64
	st         scanState
}

type member struct {
	name []byte
	node
}

type elem struct {
	node
	idx   int32  // index in the array
	keyed bool   // matched by key (keyed arrays and sets)
	koff  int32  // canonical key in jdiff.arena (keyed arrays)
	klen  int32  //
	kh    uint64 // fingerprint of the key; for sets, of the element
}

// loc is where a pair of values sits: its gjson path on each side and its
// JSON Pointer in the document being patched. The loc of an object member
// starts as its parent and its name: the strings are built when a change
// or an op needs them, so the members of a wide object that are compared
// but not listed (past max_changes) cost no allocation.
type loc struct {
	oldPath, newPath string
	root             bool
	ptr              string
	nopatch          bool     // ops are covered by an enclosing add
	up               *loc     // while not built: the parent object's or array's loc
	name             []byte   // and the member's name (unescaped)
	el               *elemRef // or the element's (arraysWide; ptr is set already)
}

// build sets the paths and pointer of a member's loc from its parent's.
func (l *loc) build() {
	if l.up == nil {
		return
	}
	p := l.up
	if l.el != nil {
		co, cn := l.el.comps()
		l.oldPath, l.newPath = joinPath(p, co, cn)
		l.up, l.el = nil, nil
		return
	}
	p.build()
	esc := gjson.Escape(string(l.name))
	l.oldPath, l.newPath = joinPath(p, esc, esc)
	l.ptr = p.ptr + "/" + pointerEscape(l.name)
	l.up, l.name = nil, nil
}

// pointer is l's JSON Pointer. An element of a wide array has it from the
// start: its paths, which may cost a query, wait until a change needs them.
func (l *loc) pointer() string {
	if l.el == nil {
		l.build()
	}
	return l.ptr
}

func (l *loc) path(old bool) string {
	l.build()
	if l.root {
		return "@this"
	}
	if old {
		return l.oldPath
	}
	return l.newPath
}

func joinPath(l *loc, oldComp, newComp string) (string, string) {
	l.build()
	if l.root {
		return oldComp, newComp
	}
	return join(l.oldPath, oldComp), join(l.newPath, newComp)
}

// join appends a component to a gjson path. gjson reads a path that
// starts with ".." (as the rest of a path after a query can) as JSON
// Lines, so an empty member name that follows another one is reached
// through the identity modifier: "a..@this." is a[""][""].
func join(prefix, comp string) string {
	if comp == "" && endsEmpty(prefix) {
		return prefix + ".@this."
	}
	return prefix + "." + comp
}

// endsEmpty reports whether a (non-root) path's last component is "".
func endsEmpty(p string) bool {
	if p == "" {
		return true
	}
	if p[len(p)-1] != '.' {
		return false
	}
	n := 0 // backslashes before the final dot
	for i := len(p) - 2; i >= 0 && p[i] == '\\'; i-- {
		n++
	}
	return n%2 == 0
}

// owner is the element a change belongs to: the innermost keyed array
// element containing it, else the innermost array element, else the whole
// value. When is tested against it and Key is its key.
type owner struct {
	level    int // 0 whole value, 1 indexed element, 2 keyed element
	key      string
	old, new *node
	when     [3]int8  // cached when results (matches): 0 unknown, 1 yes, 2 no
	kref     *elemRef // arraysWide: key is read from this element when needed
	kold     bool     // from its old version
	// A keyed element's label and link (old, new version) are read by
	// the paths of spec, its array's key spec; up is the nearest keyed
	// element around the owner, whose label and link stand in for missing
	// ones.
	spec  int
	up    *owner
	names *[2]names // read when a listed change first needs them
}

// keyed is the nearest keyed element at or around ow: ow itself if it
// is one, else ow.up.
func (ow *owner) keyed() *owner {
	if ow.level == 2 {
		return ow
	}
	return ow.up
}

// ownerKey is ow's key, read from its element if that was left for later.
func ownerKey(ow *owner) string {
	if ow.kref != nil {
		ow.key = ow.kref.keyText(ow.kold)
		ow.kref = nil
	}
	return ow.key
}

type jdiff struct {
	d     *Differ
	o, n  side
	res   *Result
	patch []byte
	nops  int
	arena []byte // canonical keys
	tmp   []byte
	parts [][]byte
	// The stacks, lent by the diff before (Differ.borrow), and the
	// scanners (o.s and n.s are two of its scans).
	*scratch
	wn    int     // entries in wtab
	key   []byte  // copy of an escaped name being looked up
	trace []int32 // myersWide's, kept for the next array
	// The changes listed, Result.Changes at the end (copied, if more than
	// one segment): appended there, a large list would be allocated
	// several times over.
	changes segs[Change]
	eval    *evaluator // runs an expression when, made when first needed
}

// level holds, for the objects compared at one depth, the loc and values of
// the pair of members being compared. Passed down the recursion, they
// would be moved to the heap, one allocation per member compared.
type level struct {
	cl   loc
	o, n mem
	// arraysWide: the owner, values and path of the elements compared
	ow     owner
	eo, en node
	el     elemRef
}

func (j *jdiff) level(depth int32) *level {
	for int(depth) >= len(j.levels) {
		j.levels = append(j.levels, new(level))
	}
	return j.levels[depth]
}

func (d *Differ) diffJSON(old, new []byte) (*Result, error) {
	j := &jdiff{d: d, res: &Result{Changes: []Change{}}, scratch: d.borrow()}
	j.o = side{data: old, s: j.scanner(0, d, old), rb: scanner{data: old}}
	j.n = side{data: new, s: j.scanner(1, d, new), rb: scanner{data: new}}
	defer d.giveBack(j)
	ro := node{start: skipWS(old, 0), end: -1, st: j.o.s.rootState()}
	rn := node{start: skipWS(new, 0), end: -1, st: j.n.s.rootState()}
	if ro.start == len(old) {
		return nil, fmt.Errorf("old value: empty: %w", ErrInvalid)
	}
	if rn.start == len(new) {
		return nil, fmt.Errorf("new value: empty: %w", ErrInvalid)
	}
	ow := &owner{old: &ro, new: &rn}
	l := &loc{root: true}
	if err := j.compare(&ro, &rn, l, ow, true); err != nil {
		return nil, err
	}
	if err := j.finishRoot(&j.o, &ro, "old"); err != nil {
		return nil, err
	}
	if err := j.finishRoot(&j.n, &rn, "new"); err != nil {
		return nil, err
	}
	switch cs := j.changes.s; {
	case len(cs) == 1 && len(cs[0]) > 0:
		j.res.Changes = cs[0]
	case len(cs) > 1:
		j.res.Changes = make([]Change, 0, j.changes.n)
		for _, s := range cs {
			j.res.Changes = append(j.res.Changes, s...)
		}
	}
	if d.patch {
		p := make([]byte, 0, len(j.patch)+2)
		p = append(p, '[')
		p = append(p, j.patch...)
		j.res.Patch = append(p, ']')
	}
	if d.doc {
		j.res.Document = appendCompact(nil, new[rn.start:rn.end])
	}
	if d.prev {
		j.res.Previous = appendCompact(nil, old[ro.start:ro.end])
	}
	return j.res, nil
}

// finishRoot makes sure a root value was read to its end and nothing follows.
func (j *jdiff) finishRoot(sd *side, nd *node, name string) error {
	if nd.end < 0 {
		h, end, err := sd.s.value(nd.start, nd.st)
		if err != nil {
			return fmt.Errorf("%s value: %w", name, err)
		}
		nd.hash, nd.end = h, end
	}
	if e := skipWS(sd.data, nd.end); e != len(sd.data) {
		return fmt.Errorf("%s value: data after the value at offset %d: %w", name, e, ErrInvalid)
	}
	return nil
}

// compare reports the changes between two values whose fingerprints differ
// (or, at the root, may differ).
func (j *jdiff) compare(o, n *node, l *loc, ow *owner, root bool) error {
	oc, nc := j.o.data[o.start], j.n.data[n.start]
	switch {
	case oc == '{' && nc == '{':
		return j.objects(o, n, l, ow)
	case oc == '[' && nc == '[':
		return j.arrays(o, n, l, ow)
	}
	if root {
		var err error
		if o.hash, o.end, err = j.o.s.value(o.start, o.st); err != nil {
			return fmt.Errorf("old value: %w", err)
		}
		if n.hash, n.end, err = j.n.s.value(n.start, n.st); err != nil {
			return fmt.Errorf("new value: %w", err)
		}
		if o.hash == n.hash {
			return nil
		}
	}
	j.changeAt(Changed, l, ow, o, n)
	j.op("replace", l, n)
	return nil
}

// mem is one member of an object, as memberAt reads it.
type mem struct {
	name    []byte // unescaped; in side.name (until the next memberAt) if escaped
	escaped bool
	node         // the value
	skip    bool // ignored
	next    int  // where the next member's name starts, or the object's end if last
	last    bool
}

// memberAt reads the member of the object at nd whose name starts at pos.
func (j *jdiff) memberAt(sd *side, nd *node, pos int) (mem, error) {
	data, s := sd.data, sd.s
	var m mem
	if pos >= len(data) || data[pos] != '"' {
		return m, errAt(pos, "expected a member name")
	}
	name, end, err := s.str(pos)
	if err != nil {
		return m, err
	}
	if len(name) != end-pos-2 { // unescaped into the scanner's buffer
		sd.name = append(sd.name[:0], name...)
		name, m.escaped = sd.name, true
	}
	m.name = name
	m.st, m.skip = j.memberState(nd, name)
	pos = skipWS(data, end)
	if pos >= len(data) || data[pos] != ':' {
		return m, errAt(pos, `expected ":"`)
	}
	m.start = skipWS(data, pos+1)
	if m.hash, m.end, err = s.value(m.start, m.st); err != nil {
		return m, err
	}
	pos = skipWS(data, m.end)
	if pos < len(data) && data[pos] == ',' {
		m.next = skipWS(data, pos+1)
		return m, nil
	}
	if pos < len(data) && data[pos] == '}' {
		m.next, m.last = pos+1, true
		return m, nil
	}
	return m, errAt(pos, `expected "," or "}"`)
}

// memberState is the scan state of the member name of the object at nd,
// and whether the member is ignored.
func (j *jdiff) memberState(nd *node, name []byte) (scanState, bool) {
	if nd.st.ign|nd.st.keys == 0 {
		return scanState{depth: nd.st.depth + 1, arrSpec: -1, elemSpec: -1}, false
	}
	return j.d.childOf(nd.st.ign, nd.st.keys, int(nd.st.depth), name, 0, false)
}

// members lists the members of the object at nd (ignored ones left out)
// and sets nd.end.
func (j *jdiff) members(sd *side, nd *node) ([]member, error) {
	pos := skipWS(sd.data, nd.start+1)
	base := len(j.mstack)
	if pos < len(sd.data) && sd.data[pos] == '}' {
		nd.end = pos + 1
		return nil, nil
	}
	for {
		m, err := j.memberAt(sd, nd, pos)
		if err != nil {
			return nil, err
		}
		if !m.skip {
			name := m.name
			if m.escaped {
				name = bytes.Clone(name)
			}
			j.mstack = append(j.mstack, member{name: name, node: m.node})
		}
		if m.last {
			nd.end = m.next
			return j.mstack[base:len(j.mstack):len(j.mstack)], nil
		}
		pos = m.next
	}
}

// firsts marks members whose name appeared before in the same object:
// like gjson, only the first member of a name counts.
func firsts(ms []member) []bool {
	var dup []bool
	if len(ms) < 2 {
		return nil
	}
	if len(ms) <= 32 {
		for i := 1; i < len(ms); i++ {
			for k := 0; k < i; k++ {
				if bytes.Equal(ms[i].name, ms[k].name) {
					if dup == nil {
						dup = make([]bool, len(ms))
					}
					dup[i] = true
					break
				}
			}
		}
		return dup
	}
	seen := make(map[string]struct{}, len(ms))
	for i := range ms {
		if _, ok := seen[string(ms[i].name)]; ok {
			if dup == nil {
				dup = make([]bool, len(ms))
			}
			dup[i] = true
			continue
		}
		seen[string(ms[i].name)] = struct{}{}
	}
	return dup
}

// objects compares two objects member by member: members are matched by
// name, and reported in the order of the new object, removed ones where
// they were. Wide objects take objectsWide, which needs a few bytes per
// member instead of a listing of both sides.
func (j *jdiff) objects(o, n *node, l *loc, ow *owner) error {
	if j.wide(o, n) {
		return j.objectsWide(o, n, l, ow)
	}
	base := len(j.mstack)
	defer func() { j.mstack = j.mstack[:base] }()
	om, err := j.members(&j.o, o)
	if err != nil {
		return fmt.Errorf("old value: %w", err)
	}
	nm, err := j.members(&j.n, n)
	if err != nil {
		return fmt.Errorf("new value: %w", err)
	}
	odup, ndup := firsts(om), firsts(nm)
	match := make([]int, len(nm))
	used := make([]bool, len(om))
	var index map[string]int
	if len(om) > 32 {
		index = make(map[string]int, len(om))
		for k := len(om) - 1; k >= 0; k-- {
			index[string(om[k].name)] = k
		}
	}
	for i := range nm {
		match[i] = -1
		if ndup != nil && ndup[i] {
			continue
		}
		if index != nil {
			if k, ok := index[string(nm[i].name)]; ok {
				match[i], used[k] = k, true
			}
			continue
		}
		for k := range om {
			if bytes.Equal(om[k].name, nm[i].name) {
				match[i], used[k] = k, true
				break
			}
		}
	}
	removed := func(k int) {
		if used[k] || (odup != nil && odup[k]) {
			return
		}
		cl := loc{up: l, name: om[k].name, nopatch: l.nopatch}
		j.changeAt(Removed, &cl, ow, &om[k].node, nil)
		j.op("remove", &cl, nil)
	}
	oi := 0
	for i := range nm {
		if ndup != nil && ndup[i] {
			continue
		}
		m := &nm[i]
		k := match[i]
		if k < 0 {
			cl := loc{up: l, name: m.name, nopatch: l.nopatch}
			j.changeAt(Added, &cl, ow, nil, &m.node)
			j.op("add", &cl, &m.node)
			continue
		}
		for ; oi < k; oi++ {
			removed(oi)
		}
		if oi == k {
			oi++
		}
		if om[k].hash != m.hash {
			lv := j.level(n.st.depth)
			lv.cl = loc{up: l, name: m.name, nopatch: l.nopatch}
			if err := j.compare(&om[k].node, &m.node, &lv.cl, ow, false); err != nil {
				return err
			}
		}
		for oi < len(om) && (!used[oi] || (odup != nil && odup[oi])) {
			removed(oi) // removed members where they were: after their predecessor
			oi++
		}
	}
	for ; oi < len(om); oi++ {
		removed(oi)
	}
	return nil
}

// eachElem calls f for every element of the array at nd, ignored ones
// included (skip), with its index, where it starts and ends, its scan
// state and its fingerprint, then sets nd.end. spec is the array's key
// spec or -1. It stops at f's error or at one in the array.
func (j *jdiff) eachElem(sd *side, nd *node, spec int, f func(idx, pos, end int, st scanState, h uint64, skip bool) error) error {
	data, s := sd.data, sd.s
	pos := skipWS(data, nd.start+1)
	if pos < len(data) && data[pos] == ']' {
		nd.end = pos + 1
		return nil
	}
	for idx := 0; ; idx++ {
		st, skip := j.elemState(nd, spec, idx)
		h, vend, err := s.value(pos, st)
		if err != nil {
			return err
		}
		if err := f(idx, pos, vend, st, h, skip); err != nil {
			return err
		}
		pos = skipWS(data, vend)
		if pos < len(data) && data[pos] == ',' {
			pos = skipWS(data, pos+1)
			continue
		}
		if pos < len(data) && data[pos] == ']' {
			nd.end = pos + 1
			return nil
		}
		return errAt(pos, `expected "," or "]"`)
	}
}

// elemState is the scan state of element idx of the array at nd (key
// spec spec, or -1), and whether the element is ignored.
func (j *jdiff) elemState(nd *node, spec, idx int) (scanState, bool) {
	child, skip := scanState{depth: nd.st.depth + 1, arrSpec: -1, elemSpec: -1}, false
	if nd.st.ign|nd.st.keys != 0 {
		child, skip = j.d.childOf(nd.st.ign, nd.st.keys, int(nd.st.depth), nil, idx, true)
	}
	if spec >= 0 && !j.d.specs[spec].set {
		child.elemSpec = int16(spec)
	}
	return child, skip
}

// elements lists the elements of the array at nd (ignored ones left out,
// but counted) and sets nd.end. spec is the array's key spec or -1.
func (j *jdiff) elements(sd *side, nd *node, spec int) ([]elem, int, error) {
	data, s := sd.data, sd.s
	base := len(j.estack)
	ignored := 0
	set := spec >= 0 && j.d.specs[spec].set
	first, abase := skipWS(data, nd.start+1), len(j.arena)
	err := j.eachElem(sd, nd, spec, func(idx, pos, vend int, st scanState, h uint64, skip bool) error {
		if idx == 16 && nd.st.depth == 0 {
			j.reserve(sd, pos-first, pos, len(j.arena)-abase)
		}
		if skip {
			ignored++
			return nil
		}
		e := elem{node: node{start: pos, end: vend, hash: h, st: st}, idx: int32(idx)}
		switch {
		case set:
			e.keyed, e.kh = true, h
		case spec >= 0 && s.keyed:
			e.keyed = true
			e.koff = int32(len(j.arena))
			j.arena = appendKey(j.arena, sd, &j.d.specs[spec])
			e.klen = int32(len(j.arena)) - e.koff
			e.kh = hashBytes(seedKey, j.arena[e.koff:])
		}
		j.estack = append(j.estack, e)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return j.estack[base:len(j.estack):len(j.estack)], ignored, nil
}

// reserve sizes the element stack and the key arena for a large root
// array, once 16 elements show their average size: both sides are listed
// into them, and growing by append would allocate several times over.
func (j *jdiff) reserve(sd *side, sample, pos, keyBytes int) {
	avg := sample / 16
	if avg <= 0 {
		return
	}
	rest := (len(sd.data) - pos) / avg
	if sd == &j.o {
		rest += len(j.n.data) / avg
	}
	n := len(j.estack) + rest + rest/8 + 16
	if n > cap(j.estack) {
		j.estack = append(make([]elem, 0, n), j.estack...)
	}
	if keyBytes > 0 {
		if m := len(j.arena) + (rest+rest/8)*(keyBytes/16+1); m > cap(j.arena) {
			j.arena = append(make([]byte, 0, m), j.arena...)
		}
	}
}

// appendKeyPart appends the canonical form of the key value (a string or a
// number) at data[pos]: a type byte, a length and the text.
func appendKeyPart(dst, data []byte, pos int) []byte {
	var text []byte
	tag := byte('n')
	if data[pos] == '"' {
		tag = 's'
		sc := scanner{data: data}
		text, _, _ = sc.str(pos)
	} else {
		end, _ := numberEnd(data, pos)
		var tmp [48]byte
		text = formatNumber(tmp[:0], data[pos:end])
	}
	dst = append(dst, tag)
	dst = binary.AppendUvarint(dst, uint64(len(text)))
	return append(dst, text...)
}

// appendKey appends the canonical key of the element sd's scanner has
// just read, the parts of sp's fields in order.
func appendKey(dst []byte, sd *side, sp *keySpec) []byte {
	for f := range sp.fields {
		dst = appendKeyPart(dst, sd.data, sd.s.keyAt[f])
	}
	return dst
}

// keyParts splits a canonical key into its (tag, text) parts.
func keyParts(dst [][]byte, key []byte) [][]byte {
	dst = dst[:0]
	for len(key) > 0 {
		n, w := binary.Uvarint(key[1:])
		dst = append(dst, key[:1+w+int(n)])
		key = key[1+w+int(n):]
	}
	return dst
}

// partText returns the tag and text of a key part.
func partText(p []byte) (byte, []byte) {
	_, w := binary.Uvarint(p[1:])
	return p[0], p[1+w:]
}

// keyText is the key as Change.Key shows it: texts joined with ",".
func (j *jdiff) keyText(sd *side, e *elem, set bool) string {
	if set {
		return scalarText(sd.data[e.start:e.end])
	}
	return j.joinKey(j.arena[e.koff : e.koff+e.klen])
}

// joinKey is a canonical key as Change.Key shows it: its texts joined
// with ",".
func (j *jdiff) joinKey(key []byte) string {
	var b strings.Builder
	j.parts = keyParts(j.parts, key)
	for i, p := range j.parts {
		if i > 0 {
			b.WriteByte(',')
		}
		_, t := partText(p)
		b.Write(t)
	}
	return b.String()
}

// scalarText shows a set element: strings unquoted, numbers canonical,
// anything else as compact JSON.
func scalarText(raw []byte) string {
	switch c := raw[0]; {
	case c == '"':
		sc := scanner{data: raw}
		t, _, _ := sc.str(0)
		return string(t)
	case c == '-' || (c >= '0' && c <= '9'):
		return string(formatNumber(nil, raw))
	}
	return string(appendCompact(nil, raw))
}

func (j *jdiff) arrays(o, n *node, l *loc, ow *owner) error {
	if j.wideArray(o, n) {
		return j.arraysWide(o, n, l, ow)
	}
	ptr := l.pointer()
	base := len(j.estack)
	defer func() { j.estack = j.estack[:base] }()
	spec := int(n.st.arrSpec)
	oe, oign, err := j.elements(&j.o, o, spec)
	if err != nil {
		return fmt.Errorf("old value: %w", err)
	}
	ne, nign, err := j.elements(&j.n, n, spec)
	if err != nil {
		return fmt.Errorf("new value: %w", err)
	}
	set := spec >= 0 && j.d.specs[spec].set
	m := make([]int32, len(ne))
	used := make([]bool, len(oe))
	for i := range m {
		m[i] = -1
	}
	var inOld, inNew map[uint64]struct{} // set values, for sets
	if spec >= 0 {
		head := make(map[uint64]int32, len(oe))
		next := make([]int32, len(oe))
		for k := len(oe) - 1; k >= 0; k-- {
			if !oe[k].keyed {
				continue
			}
			next[k] = -1
			if h, ok := head[oe[k].kh]; ok {
				next[k] = h
			}
			head[oe[k].kh] = int32(k)
		}
		for i := range ne {
			e := &ne[i]
			if !e.keyed {
				continue
			}
			h, ok := head[e.kh]
			if !ok {
				continue
			}
			for k := h; k >= 0; k = next[k] {
				if used[k] {
					continue
				}
				if set || bytes.Equal(j.arena[oe[k].koff:oe[k].koff+oe[k].klen], j.arena[e.koff:e.koff+e.klen]) {
					m[i], used[k] = k, true
					break
				}
			}
		}
		if set {
			inOld = make(map[uint64]struct{}, len(head))
			for h := range head {
				inOld[h] = struct{}{}
			}
			inNew = make(map[uint64]struct{}, len(ne))
			for i := range ne {
				inNew[ne[i].kh] = struct{}{}
			}
		}
	}
	j.alignUnkeyed(oe, ne, m, used)
	stable := increasing(m)

	var oq, nq *qindex // lazily built query indexes
	comp := func(sd *side, es []elem, k int, ign int, q **qindex) string {
		e := &es[k]
		if e.keyed && ign == 0 {
			if *q == nil {
				*q = j.newQindex(sd, es, spec)
			}
			if c, ok := j.query(sd, es, k, spec, *q); ok {
				return c
			}
		}
		return strconv.Itoa(int(e.idx))
	}
	childOwner := func(oel, nel *elem) *owner {
		e := nel
		sd := &j.n
		if e == nil {
			e, sd = oel, &j.o
		}
		level := elemLevel(ow, e.keyed, set)
		if level == 0 {
			return ow
		}
		c := &owner{level: level, spec: spec, up: ow.keyed()}
		if oel != nil {
			c.old = &oel.node
		}
		if nel != nil {
			c.new = &nel.node
		}
		if level == 2 {
			c.key = j.keyText(sd, e, set)
		}
		return c
	}

	cur, oraw := 0, 0
	passTo := func(r int32) {
		cur += int(r) - oraw
		oraw = int(r) + 1
	}
	passOld := func(k int) {
		e := &oe[k]
		passTo(e.idx)
		cl := loc{ptr: ptr + "/" + strconv.Itoa(cur), nopatch: l.nopatch}
		j.op("remove", &cl, nil)
		if used[k] {
			return // moved: reported with its new position
		}
		if set {
			if _, ok := inNew[e.kh]; ok {
				return
			}
		}
		c := comp(&j.o, oe, k, oign, &oq)
		ol, _ := joinPath(l, c, c)
		j.change(Removed, ol, childOwner(e, nil), &e.node, nil)
	}
	oi := 0
	for i := range ne {
		e := &ne[i]
		k := int(m[i])
		switch {
		case k >= 0 && stable[i]:
			for ; oi < k; oi++ {
				passOld(oi)
			}
			oi = k + 1
			passTo(oe[k].idx)
			if oe[k].hash != e.hash {
				co, cn := comp(&j.o, oe, k, oign, &oq), comp(&j.n, ne, i, nign, &nq)
				cl := loc{ptr: ptr + "/" + strconv.Itoa(cur), nopatch: l.nopatch}
				cl.oldPath, cl.newPath = joinPath(l, co, cn)
				if err := j.compare(&oe[k].node, &e.node, &cl, childOwner(&oe[k], e), false); err != nil {
					return err
				}
			}
			cur++
			for oi < len(oe) && !used[oi] {
				passOld(oi) // removed elements where they were
				oi++
			}
		case k >= 0: // moved: the patch adds it here and removes the old one
			cl := loc{ptr: ptr + "/" + strconv.Itoa(cur), nopatch: l.nopatch}
			j.op("add", &cl, &e.node)
			cur++
			if oe[k].hash != e.hash {
				co, cn := comp(&j.o, oe, k, oign, &oq), comp(&j.n, ne, i, nign, &nq)
				cl := loc{nopatch: true}
				cl.oldPath, cl.newPath = joinPath(l, co, cn)
				if err := j.compare(&oe[k].node, &e.node, &cl, childOwner(&oe[k], e), false); err != nil {
					return err
				}
			}
		default:
			cl := loc{ptr: ptr + "/" + strconv.Itoa(cur), nopatch: l.nopatch}
			j.op("add", &cl, &e.node)
			cur++
			if set {
				if _, ok := inOld[e.kh]; ok {
					continue
				}
			}
			c := comp(&j.n, ne, i, nign, &nq)
			_, nl := joinPath(l, c, c)
			j.change(Added, nl, childOwner(nil, e), nil, &e.node)
		}
	}
	for ; oi < len(oe); oi++ {
		passOld(oi)
	}
	return nil
}

// elemLevel is the level of the owner of an element of an array inside
// ow (keyed, a member of a set if set): 2 for a keyed element, 1 for
// another one, or 0 when it belongs to ow. Set members and unkeyed
// elements belong to the enclosing keyed element; set members also to
// any enclosing element.
func elemLevel(ow *owner, keyed, set bool) int {
	switch {
	case keyed && (!set || ow.level == 0):
		return 2
	case ow.level > 0 && (set || ow.level == 2):
		return 0
	}
	return 1
}

// alignUnkeyed matches the elements that are not matched by key: a longest
// common subsequence of their fingerprints, then the rest of each gap
// paired by position.
func (j *jdiff) alignUnkeyed(oe, ne []elem, m []int32, used []bool) {
	var ou, nu []int32
	var oh, nh []uint64
	for k := range oe {
		if !oe[k].keyed {
			ou = append(ou, int32(k))
			oh = append(oh, oe[k].hash)
		}
	}
	for i := range ne {
		if !ne[i].keyed {
			nu = append(nu, int32(i))
			nh = append(nh, ne[i].hash)
		}
	}
	if len(ou) == 0 || len(nu) == 0 {
		return
	}
	pairs := lcs(oh, nh)
	a, b := 0, 0
	link := func(x, y int) {
		m[nu[y]] = ou[x]
		used[ou[x]] = true
	}
	gap := func(toA, toB int) {
		for a < toA && b < toB {
			link(a, b)
			a++
			b++
		}
		a, b = toA, toB
	}
	for _, p := range pairs {
		gap(int(p.o), int(p.n))
		link(a, b)
		a++
		b++
	}
	gap(len(ou), len(nu))
}

// change records one change if it fires.
func (j *jdiff) change(op Op, path string, ow *owner, o, n *node) {
	if j.fires(op, ow, nil, path) {
		j.record(op, path, ow, o, n)
	}
}

// changeAt is change at l, whose path is built only if the change is listed.
func (j *jdiff) changeAt(op Op, l *loc, ow *owner, o, n *node) {
	if j.fires(op, ow, l, "") {
		j.record(op, l.path(op == Removed), ow, o, n)
	}
}

// fires counts a change if it fires (on, when) and reports whether it is
// listed (max_changes). l or path is where the change is, for a when
// expression that reads it.
func (j *jdiff) fires(op Op, ow *owner, l *loc, path string) bool {
	j.res.Found.Add(op)
	switch op {
	case Added:
		if !j.d.on[0] {
			j.res.NotOn++
			return false
		}
	case Removed:
		if !j.d.on[1] {
			j.res.NotOn++
			return false
		}
	default:
		if !j.d.on[2] {
			j.res.NotOn++
			return false
		}
	}
	if (j.d.when != "" || j.d.expr != nil) && !j.matches(op, ow, l, path) {
		j.res.NotWhen++
		return false
	}
	r := j.res
	switch op {
	case Added:
		r.Counts.Added++
	case Removed:
		r.Counts.Removed++
	default:
		r.Counts.Changed++
	}
	if j.d.max > 0 && j.changes.n >= j.d.max {
		r.Truncated = true
		return false
	}
	return true
}

// record lists a change.
func (j *jdiff) record(op Op, path string, ow *owner, o, n *node) {
	c := Change{Op: op, Path: path, Key: ownerKey(ow)}
	if j.d.named {
		c.Label, c.Link = j.elemNames(ow, op == Removed)
	}
	if o != nil {
		c.Old = appendCompact(nil, j.o.data[o.start:o.end])
	}
	if n != nil {
		c.New = appendCompact(nil, j.n.data[n.start:n.end])
	}
	j.changes.push(c)
}

// op appends one JSON Patch operation.
func (j *jdiff) op(kind string, l *loc, n *node) {
	if !j.d.patch || l.nopatch {
		return
	}
	p := j.patch
	if j.nops > 0 {
		p = append(p, ',')
	}
	j.nops++
	p = append(p, `{"op":"`...)
	p = append(p, kind...)
	p = append(p, `","path":`...)
	p = appendJSONString(p, []byte(l.pointer()))
	if n != nil {
		p = append(p, `,"value":`...)
		p = appendCompact(p, j.n.data[n.start:n.end])
	}
	j.patch = append(p, '}')
}

// pointerEscape escapes a member name for a JSON Pointer (RFC 6901).
func pointerEscape(name []byte) string {
	if bytes.IndexByte(name, '~') < 0 && bytes.IndexByte(name, '/') < 0 {
		return string(name)
	}
	s := strings.ReplaceAll(string(name), "~", "~0")
	return strings.ReplaceAll(s, "/", "~1")
}

// appendCompact appends valid JSON without insignificant whitespace.
func appendCompact(dst, raw []byte) []byte {
	in := false
	start := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if in {
			switch c {
			case '\\':
				i++
			case '"':
				in = false
			}
			continue
		}
		switch c {
		case '"':
			in = true
		case ' ', '\t', '\n', '\r':
			dst = append(dst, raw[start:i]...)
			start = i + 1
		}
	}
	return append(dst, raw[start:]...)
}

// appendJSONString appends s as a JSON string (UTF-8 kept as is).
func appendJSONString(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i, c := range s {
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
