package diff

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"unicode/utf8"
)

// scanState is what the scanner knows about the value it is about to read
// from the path that led to it.
type scanState struct {
	ign, keys uint64 // alive ignore and keys patterns
	depth     int32  // nesting depth in the selected value (root = 0)
	arrSpec   int16  // key spec if this value is a keyed array, else -1
	elemSpec  int16  // key spec of the keyed array this value is an element of, else -1
}

// frame is one open array or object on the scanner's explicit stack.
type frame struct {
	ign, keys uint64
	sum       uint64 // commutative: object members, keyed elements
	chain     uint64 // ordered: plain array elements
	mkey      uint64 // hash of the current member's name
	depth     int32
	n         int32 // members or elements hashed (not ignored)
	idx       int32 // index of the current element
	setStart  int32
	spec      int16  // arrays: their key spec; objects: the spec they are an element of
	seen      uint16 // key fields met (the first occurrence counts, as for gjson)
	found     uint16 // key fields met with a string or number value
	obj       bool
	set       bool
	skip      bool // the current member or element is ignored
}

// scanner validates and fingerprints JSON in one pass, without recursion
// and without allocating per value: strings are hashed in place unless
// they contain escapes, objects and keyed arrays combine their parts with
// a commutative sum so order does not count, and the ignore and keys paths
// run as bitmask NFAs over member names and indices.
type scanner struct {
	d     *Differ
	data  []byte
	stack []frame
	buf   []byte   // unescaped string
	num   []byte   // number digits
	set   []uint64 // element hashes of open sets
	// After value returns: whether the value was a keyed element, and where
	// its key fields' values start.
	keyed    bool
	keyFound uint16
	keyAt    [maxKeyFields]int
	// hole, when not 0, is one past the offset of a value the scan
	// takes as read, up to holeEnd, without reading it (another pass
	// reads it: selectedPage); holeSeen, whether the scan met it.
	hole, holeEnd int
	holeSeen      bool
	// holeDepth is the level the hole was met at; depthBase, the levels
	// above what the scanner reads (the hole's, when it reads the hole's
	// value), which count against maxDepth.
	holeDepth, depthBase int32
}

// newScanner returns a new scanner of data (a Differ's Prepare and Diff
// borrow theirs: scratch.scanner).
func newScanner(d *Differ, data []byte) *scanner {
	return &scanner{d: d, data: data, stack: make([]frame, 0, 16)}
}

func (s *scanner) rootState() scanState {
	st := scanState{arrSpec: -1, elemSpec: -1}
	if s.d == nil {
		return st
	}
	st.ign = s.d.ign.all()
	st.keys = s.d.keys.all()
	if e := s.d.keys.endsAt(st.keys, 0); e != 0 {
		st.arrSpec = int16(bits.TrailingZeros64(e))
	}
	return st
}

// childOf computes the state of a member (key) or element (idx) of a
// container in state st, and whether it is ignored.
func (d *Differ) childOf(ign, keys uint64, depth int, key []byte, idx int, isIdx bool) (scanState, bool) {
	child := scanState{depth: int32(depth) + 1, arrSpec: -1, elemSpec: -1}
	if ign != 0 {
		m := d.ign.step(ign, depth, key, idx, isIdx)
		if d.ign.endsAt(m, depth+1) != 0 {
			return child, true
		}
		child.ign = m
	}
	if keys != 0 {
		m := d.keys.step(keys, depth, key, idx, isIdx)
		if e := d.keys.endsAt(m, depth+1); e != 0 {
			child.arrSpec = int16(bits.TrailingZeros64(e))
		}
		child.keys = m
	}
	return child, false
}

func errAt(pos int, what string) error {
	return fmt.Errorf("%s at offset %d: %w", what, pos, ErrInvalid)
}

func skipWS(data []byte, pos int) int {
	for pos < len(data) {
		switch data[pos] {
		case ' ', '\n', '\r', '\t':
			pos++
		default:
			return pos
		}
	}
	return pos
}

// value reads one JSON value at data[pos] (no leading whitespace) and
// returns its fingerprint and the offset just after it.
func (s *scanner) value(pos int, st scanState) (uint64, int, error) {
	data := s.data
	s.stack = s.stack[:0]
	s.keyed = false
	s.keyFound = 0
	cur := st
	var h uint64
	var err error
outer:
	for {
		if pos >= len(data) {
			return 0, pos, errAt(pos, "unexpected end")
		}
		if pos+1 == s.hole {
			pos, h, s.keyed, s.holeSeen, s.holeDepth = s.holeEnd, 0, false, true, cur.depth
			goto complete
		}
		switch c := data[pos]; c {
		case '{', '[':
			if cur.depth+s.depthBase >= maxDepth {
				return 0, pos, fmt.Errorf("more than %d levels at offset %d: %w", maxDepth, pos, ErrTooDeep)
			}
			f := frame{ign: cur.ign, keys: cur.keys, depth: cur.depth, obj: c == '{'}
			if f.obj {
				f.spec = cur.elemSpec
			} else {
				f.spec = cur.arrSpec
				if f.spec >= 0 && s.d.specs[f.spec].set {
					f.set = true
					f.setStart = int32(len(s.set))
				}
			}
			s.stack = append(s.stack, f)
			pos = skipWS(data, pos+1)
			if pos < len(data) && data[pos] == c+2 { // '}' or ']'
				pos++
				h = s.finish()
				break
			}
			if f.obj {
				pos, cur, err = s.member(pos)
				if err != nil {
					return 0, pos, err
				}
			} else {
				cur = s.element()
			}
			continue outer
		case '"':
			var str []byte
			str, pos, err = s.str(pos)
			if err != nil {
				return 0, pos, err
			}
			h = hashBytes(seedString, str)
			s.keyed = false
		case 't':
			if !bytes.HasPrefix(data[pos:], []byte("true")) {
				return 0, pos, errAt(pos, "invalid literal")
			}
			pos += 4
			h = hashTrue
			s.keyed = false
		case 'f':
			if !bytes.HasPrefix(data[pos:], []byte("false")) {
				return 0, pos, errAt(pos, "invalid literal")
			}
			pos += 5
			h = hashFalse
			s.keyed = false
		case 'n':
			if !bytes.HasPrefix(data[pos:], []byte("null")) {
				return 0, pos, errAt(pos, "invalid literal")
			}
			pos += 4
			h = hashNull
			s.keyed = false
		default:
			if c != '-' && (c < '0' || c > '9') {
				return 0, pos, errAt(pos, fmt.Sprintf("unexpected %q", c))
			}
			h, pos, err = s.number(pos)
			if err != nil {
				return 0, pos, err
			}
			s.keyed = false
		}
	complete:
		// A value is complete: hand it to the open containers.
		for {
			n := len(s.stack)
			if n == 0 {
				return h, pos, nil
			}
			f := &s.stack[n-1]
			pos = skipWS(data, pos)
			if pos >= len(data) {
				return 0, pos, errAt(pos, "unexpected end")
			}
			if f.obj {
				if !f.skip {
					f.sum += mix(f.mkey, h)
					f.n++
				}
				switch data[pos] {
				case ',':
					pos, cur, err = s.member(skipWS(data, pos+1))
					if err != nil {
						return 0, pos, err
					}
					continue outer
				case '}':
					pos++
					h = s.finish()
					continue
				}
				return 0, pos, errAt(pos, `expected "," or "}"`)
			}
			if !f.skip {
				switch {
				case f.set:
					s.set = append(s.set, h)
				case f.spec >= 0 && s.keyed:
					f.sum += mix(h, seedKeyed)
				default:
					f.chain = mix(f.chain, h)
				}
				f.n++
			}
			f.idx++
			switch data[pos] {
			case ',':
				pos = skipWS(data, pos+1)
				cur = s.element()
				continue outer
			case ']':
				pos++
				h = s.finish()
				continue
			}
			return 0, pos, errAt(pos, `expected "," or "]"`)
		}
	}
}

// finish pops the innermost container and returns its fingerprint.
func (s *scanner) finish() uint64 {
	n := len(s.stack) - 1
	f := &s.stack[n]
	var h uint64
	s.keyed = false
	switch {
	case f.obj:
		h = mix(f.sum^seedObject, uint64(f.n))
		if f.spec >= 0 {
			want := uint16(1)<<uint(len(s.d.specs[f.spec].fields)) - 1
			s.keyed = f.found == want
			if n == 0 {
				s.keyFound = f.found
			}
		}
	case f.set:
		hs := s.set[f.setStart:]
		slices.Sort(hs)
		chain := uint64(seedSet)
		distinct := 0
		for i, x := range hs {
			if i > 0 && x == hs[i-1] {
				continue
			}
			chain = mix(chain, x)
			distinct++
		}
		s.set = s.set[:f.setStart]
		h = mix(chain, uint64(distinct))
	case f.spec >= 0:
		h = mix(mix(f.sum^seedKeyed, f.chain), uint64(f.n))
	default:
		h = mix(f.chain^seedArray, uint64(f.n))
	}
	s.stack = s.stack[:n]
	return h
}

// member reads a member name and its colon, and returns the offset and
// state of the member's value.
func (s *scanner) member(pos int) (int, scanState, error) {
	data := s.data
	if pos >= len(data) || data[pos] != '"' {
		return pos, scanState{}, errAt(pos, "expected a member name")
	}
	key, end, err := s.str(pos)
	if err != nil {
		return end, scanState{}, err
	}
	f := &s.stack[len(s.stack)-1]
	f.mkey = hashBytes(seedKey, key)
	child := scanState{depth: f.depth + 1, arrSpec: -1, elemSpec: -1}
	f.skip = false
	if f.ign|f.keys != 0 {
		child, f.skip = s.d.childOf(f.ign, f.keys, int(f.depth), key, 0, false)
	}
	pos = skipWS(data, end)
	if pos >= len(data) || data[pos] != ':' {
		return pos, scanState{}, errAt(pos, `expected ":"`)
	}
	pos = skipWS(data, pos+1)
	if f.spec >= 0 && pos < len(data) {
		for i, name := range s.d.specs[f.spec].fields {
			bit := uint16(1) << uint(i)
			if f.seen&bit != 0 || !bytes.Equal(key, name) {
				continue
			}
			f.seen |= bit
			if c := data[pos]; c == '"' || c == '-' || (c >= '0' && c <= '9') {
				f.found |= bit
				if len(s.stack) == 1 {
					s.keyAt[i] = pos
				}
			}
		}
	}
	return pos, child, nil
}

// element returns the state of the current element of the innermost array.
func (s *scanner) element() scanState {
	f := &s.stack[len(s.stack)-1]
	child := scanState{depth: f.depth + 1, arrSpec: -1, elemSpec: -1}
	f.skip = false
	if f.ign|f.keys != 0 {
		child, f.skip = s.d.childOf(f.ign, f.keys, int(f.depth), nil, int(f.idx), true)
	}
	if f.spec >= 0 && !f.set {
		child.elemSpec = f.spec
	}
	return child
}

// special8 reports whether any of the 8 bytes in w is '"', '\\' or below
// 0x20 (SWAR: a byte b is flagged when b-x borrows, for x = 0x20, or when
// b^c is zero, for c = '"' and '\\').
func special8(w uint64) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	q := w ^ (ones * '"')
	b := w ^ (ones * '\\')
	return ((w-ones*0x20)|(q-ones)|(b-ones))&^w&highs != 0
}

// strPlain reports whether a string can hold c without a closer look.
func strPlain(c byte) bool { return c >= 0x20 && c != '"' && c != '\\' }

// str reads the string at data[pos] and returns its unescaped content,
// which aliases data unless the string has escapes (then it is s.buf).
func (s *scanner) str(pos int) ([]byte, int, error) {
	data := s.data
	i := pos + 1
	// Eight bytes at a time while none is '"', '\\' or a control byte.
	for i+8 <= len(data) && !special8(binary.LittleEndian.Uint64(data[i:])) {
		i += 8
	}
	for i < len(data) && strPlain(data[i]) {
		i++
	}
	if i < len(data) && data[i] == '"' {
		return data[pos+1 : i], i + 1, nil
	}
	if i >= len(data) {
		return nil, i, errAt(pos, "unterminated string")
	}
	if data[i] != '\\' {
		return nil, i, errAt(i, "control character in string")
	}
	buf := append(s.buf[:0], data[pos+1:i]...)
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			s.buf = buf
			return buf, i + 1, nil
		case c < 0x20:
			return nil, i, errAt(i, "control character in string")
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		if i+1 >= len(data) {
			return nil, i, errAt(i, "unterminated string")
		}
		switch e := data[i+1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(data, i+2)
			if !ok {
				return nil, i, errAt(i, "invalid \\u escape")
			}
			i += 6
			if utf16IsSurrogate(r) {
				r2, ok2 := rune(-1), false
				if i+1 < len(data) && data[i] == '\\' && data[i+1] == 'u' {
					r2, ok2 = hex4(data, i+2)
				}
				if ok2 && r < 0xdc00 && r2 >= 0xdc00 && r2 < 0xe000 {
					r = (r-0xd800)<<10 + (r2 - 0xdc00) + 0x10000
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
			continue
		default:
			return nil, i, errAt(i, "invalid escape")
		}
		i += 2
	}
	return nil, i, errAt(pos, "unterminated string")
}

func utf16IsSurrogate(r rune) bool { return r >= 0xd800 && r < 0xe000 }

func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// numberEnd validates the number at data[pos] and returns its end.
func numberEnd(data []byte, pos int) (int, error) {
	i := pos
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	default:
		return i, errAt(pos, "invalid number")
	}
	if i < len(data) && data[i] == '.' {
		i++
		j := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		if i == j {
			return i, errAt(pos, "invalid number")
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		if i == j {
			return i, errAt(pos, "invalid number")
		}
	}
	return i, nil
}

func (s *scanner) number(pos int) (uint64, int, error) {
	end, err := numberEnd(s.data, pos)
	if err != nil {
		return 0, end, err
	}
	var h uint64
	h, s.num = hashNumber(s.num, s.data[pos:end])
	return h, end, nil
}
