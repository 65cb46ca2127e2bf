package diff

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// CheckPath validates a gjson path as select accepts it.
func CheckPath(p string) error { return checkPath(p) }

// CheckPlainPath validates a gjson path that is run on an answer before
// it is checked (a pagination cursor): CheckPath's, without modifiers,
// pipes, multipaths or literals, which may read by recursion or grow
// with the answer's nesting (see readOnce).
func CheckPlainPath(p string) error {
	if err := checkPath(p); err != nil {
		return err
	}
	if !readOnce(p) {
		return errors.New("modifiers (@...), pipes, multipaths and literals are not supported here: the answer is read with it before pollhook checks it")
	}
	return nil
}

// checkPath validates a full gjson path (as used by select): components
// separated by "." or "|", "\" escapes, "#" and "#(query)"/"#(query)#",
// known @modifiers (with optional :arg), !literals and [..]/{..}
// multipaths. gjson itself never reports a bad path (it just matches
// nothing), so mistakes are caught here, at load time.
func checkPath(p string) error {
	if p == "" {
		return errors.New("empty path")
	}
	if err := checkAfterFromstr(p); err != nil {
		return err
	}
	if strings.HasPrefix(p, "..") {
		return errors.New(`JSON Lines paths ("..") are not supported`)
	}
	i := 0
	for {
		if i >= len(p) {
			return errors.New("path ends with a separator")
		}
		j, err := checkComponent(p, i)
		if err != nil {
			return err
		}
		i = j
		if i == len(p) {
			return nil
		}
		if p[i] != '.' && p[i] != '|' {
			return fmt.Errorf("unexpected %q at offset %d", p[i], i)
		}
		i++
	}
}

// checkAfterFromstr refuses a recursive modifier after @fromstr: one that
// reads a value by recursion, once per level of its nesting, or builds a
// result growing with it. On a page pollhook has validated (no deeper
// than maxDepth) that is bounded; on what @fromstr makes of a string,
// which nothing has checked, a string of nested brackets ends the process
// with a stack overflow (@valid, @pretty) or takes minutes (@dig).
func checkAfterFromstr(p string) error {
	i := strings.Index(p, "@fromstr")
	if i < 0 {
		return nil
	}
	rest := p[i+len("@fromstr"):]
	for _, m := range [...]string{"@pretty", "@valid", "@dig", "@flatten"} {
		if strings.Contains(rest, m) {
			return fmt.Errorf("%s after @fromstr is not supported: it would read the string's JSON before pollhook checks it, and an answer whose string holds deeply nested brackets could crash pollhook; select a path inside the string instead (@fromstr|items)", m)
		}
	}
	return nil
}

// checkComponent validates the component starting at p[i] and returns the
// offset just after it.
func checkComponent(p string, i int) (int, error) {
	switch p[i] {
	case '.', '|':
		return 0, fmt.Errorf("empty component at offset %d", i)
	case '@':
		j := i + 1
		for j < len(p) && p[j] != '.' && p[j] != '|' && p[j] != ':' {
			j++
		}
		name := p[i+1 : j]
		if !gjson.ModifierExists(name, nil) {
			return 0, fmt.Errorf("unknown modifier %q", "@"+name)
		}
		if j < len(p) && p[j] == ':' {
			j++
			if j < len(p) && (p[j] == '{' || p[j] == '[' || p[j] == '"') {
				end, err := closeBracket(p, j)
				if err != nil {
					return 0, fmt.Errorf("modifier %q argument: %w", "@"+name, err)
				}
				if !gjson.Valid(p[j:end]) {
					return 0, fmt.Errorf("modifier %q argument is not valid JSON", "@"+name)
				}
				return end, nil
			}
			for j < len(p) && p[j] != '.' && p[j] != '|' {
				j++
			}
		}
		return j, nil
	case '!':
		j := i + 1
		if j < len(p) && (p[j] == '{' || p[j] == '[' || p[j] == '"') {
			end, err := closeBracket(p, j)
			if err != nil {
				return 0, fmt.Errorf("literal: %w", err)
			}
			j = end
		} else {
			for j < len(p) && p[j] != '.' && p[j] != '|' {
				j++
			}
		}
		if !gjson.Valid(p[i+1 : j]) {
			return 0, fmt.Errorf("literal %q is not valid JSON", p[i+1:j])
		}
		return j, nil
	case '[', '{':
		end, err := closeBracket(p, i)
		if err != nil {
			return 0, fmt.Errorf("multipath: %w", err)
		}
		if err := checkMultipath(p[i+1:end-1], p[i] == '{'); err != nil {
			return 0, fmt.Errorf("multipath: %w", err)
		}
		return end, nil
	case '#':
		if i+1 < len(p) && (p[i+1] == '(' || p[i+1] == '[') {
			end, err := closeBracket(p, i+1)
			if err != nil {
				return 0, fmt.Errorf("query: %w", err)
			}
			if err := checkQuery(p[i+2 : end-1]); err != nil {
				return 0, err
			}
			if end < len(p) && p[end] == '#' {
				end++
			}
			return end, nil
		}
		if i+1 < len(p) && p[i+1] != '.' && p[i+1] != '|' {
			return 0, fmt.Errorf(`"#" must be a whole component or start a query "#(...)"`)
		}
		return i + 1, nil
	}
	j := i
	for j < len(p) && p[j] != '.' && p[j] != '|' {
		switch p[j] {
		case '\\':
			j++
			if j == len(p) {
				return 0, errors.New(`path ends with "\"`)
			}
		case '(', ')':
			return 0, fmt.Errorf("unexpected %q at offset %d (queries are written #(...); escape a literal one as \\%c)", p[j], j, p[j])
		}
		j++
	}
	return j, nil
}

// closeBracket returns the offset just after the bracket closing the one at
// p[i], skipping JSON strings and "\" escapes like gjson does.
func closeBracket(p string, i int) (int, error) {
	if p[i] == '"' {
		for j := i + 1; j < len(p); j++ {
			switch p[j] {
			case '\\':
				j++
			case '"':
				return j + 1, nil
			}
		}
		return 0, errors.New("unterminated string")
	}
	depth := 0
	for j := i; j < len(p); j++ {
		switch p[j] {
		case '\\':
			j++
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		case '"':
			j++
			for j < len(p) && p[j] != '"' {
				if p[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(p) {
				return 0, errors.New("unterminated string")
			}
		}
	}
	return 0, fmt.Errorf("unbalanced %q", p[i])
}

// checkMultipath validates the comma-separated paths inside [..] or {..}.
func checkMultipath(inner string, object bool) error {
	if strings.TrimSpace(inner) == "" {
		return errors.New("empty")
	}
	start := 0
	for i := 0; i <= len(inner); i++ {
		if i < len(inner) {
			switch inner[i] {
			case '\\':
				i++
				continue
			case '(', '[', '{', '"':
				end, err := closeBracket(inner, i)
				if err != nil {
					return err
				}
				i = end - 1
				continue
			case ',':
			default:
				continue
			}
		}
		part := strings.TrimSpace(inner[start:i])
		start = i + 1
		if object {
			// {name:path} or {"name":path}
			if strings.HasPrefix(part, `"`) {
				end, err := closeBracket(part, 0)
				if err != nil {
					return err
				}
				if end < len(part) && part[end] == ':' {
					part = strings.TrimSpace(part[end+1:])
				}
			} else if k := strings.IndexByte(part, ':'); k > 0 && !strings.ContainsAny(part[:k], `.|#@!\`) {
				part = strings.TrimSpace(part[k+1:])
			}
		}
		if err := checkPath(part); err != nil {
			return fmt.Errorf("%q: %w", part, err)
		}
	}
	return nil
}

// checkQuery validates the condition inside #(...): a path, optionally
// followed by an operator and a value.
func checkQuery(q string) error {
	if strings.TrimSpace(q) == "" {
		return errors.New("empty query")
	}
	opAt := -1
	for i := 0; i < len(q) && opAt < 0; i++ {
		switch q[i] {
		case '\\':
			i++
		case '(', '[', '{', '"':
			end, err := closeBracket(q, i)
			if err != nil {
				return fmt.Errorf("query %q: %w", q, err)
			}
			i = end - 1
		case '!', '=', '<', '>', '%':
			opAt = i
		}
	}
	lhs := q
	if opAt >= 0 {
		lhs = q[:opAt]
		rest := q[opAt:]
		n := 1
		if len(rest) > 1 && (rest[1] == '=' || rest[1] == '%') {
			n = 2
		}
		op := rest[:n]
		switch op {
		case "=", "==", "!=", "<", "<=", ">", ">=", "%", "!%":
		default:
			return fmt.Errorf("query %q: unknown operator %q", q, op)
		}
		v := strings.TrimSpace(rest[n:])
		if v == "" {
			return fmt.Errorf("query %q: missing value after %q", q, op)
		}
		if v[0] == '"' {
			end, err := closeBracket(v, 0)
			if err != nil || end != len(v) {
				return fmt.Errorf("query %q: bad string value %s", q, v)
			}
		}
	}
	lhs = strings.TrimSpace(lhs)
	if lhs == "" {
		if opAt < 0 {
			return errors.New("empty query")
		}
		return nil // compares the element itself: #(=="x")
	}
	if err := checkPath(lhs); err != nil {
		return fmt.Errorf("query %q: %w", q, err)
	}
	return nil
}

// A simple path, as ignore and keys take: literal keys, indices, "#" and
// "*"/"?" wildcards. No queries, modifiers, multipaths or pipes: these
// paths are matched while scanning, without building values.
type compKind uint8

const (
	compLit   compKind = iota // an object key
	compIndex                 // an array index, or an object key spelled the same
	compGlob                  // an object key pattern with * and ?
	compAll                   // "#": every array element
)

type comp struct {
	kind compKind
	lit  []byte // unescaped key; glob pattern with its escapes
	idx  int
}

func (c *comp) match(key []byte, idx int, isIdx bool) bool {
	switch c.kind {
	case compAll:
		return isIdx
	case compIndex:
		if isIdx {
			return idx == c.idx
		}
		return bytes.Equal(key, c.lit)
	case compLit:
		return !isIdx && bytes.Equal(key, c.lit)
	default:
		return !isIdx && globMatch(key, c.lit)
	}
}

// parseSimple parses a simple path into its components. "" is the root.
func parseSimple(p string) ([]comp, error) {
	if p == "" {
		return nil, nil
	}
	var comps []comp
	i := 0
	for {
		if i >= len(p) || p[i] == '.' {
			return nil, errors.New("empty component")
		}
		switch p[i] {
		case '|':
			return nil, errors.New(`pipes ("|") are not supported here`)
		case '@', '!':
			return nil, fmt.Errorf("modifiers and literals (%q) are not supported here", p[i])
		case '[', '{':
			return nil, errors.New("multipaths are not supported here")
		}
		var lit, raw []byte
		wild := false
		j := i
		for ; j < len(p) && p[j] != '.'; j++ {
			c := p[j]
			switch c {
			case '\\':
				if j+1 == len(p) {
					return nil, errors.New(`path ends with "\"`)
				}
				raw = append(raw, c, p[j+1])
				j++
				lit = append(lit, p[j])
				continue
			case '*', '?':
				wild = true
			case '(', ')':
				return nil, errors.New(`queries are not supported here; use "#" for every element (e.g. "#.updated_at")`)
			case '|':
				return nil, errors.New(`pipes ("|") are not supported here`)
			case '#':
				if j != i || (j+1 < len(p) && p[j+1] != '.') {
					if j+1 < len(p) && (p[j+1] == '(' || p[j+1] == '[') {
						return nil, errors.New(`queries are not supported here; use "#" for every element (e.g. "#.updated_at")`)
					}
					return nil, errors.New(`"#" must be a whole component (escape a literal one as \#)`)
				}
			}
			raw = append(raw, c)
			lit = append(lit, c)
		}
		c := comp{kind: compLit, lit: lit}
		switch {
		case p[i:j] == "#":
			c = comp{kind: compAll}
		case wild:
			c = comp{kind: compGlob, lit: raw}
		case isIndex(p[i:j]):
			n := 0
			for k := i; k < j; k++ {
				n = n*10 + int(p[k]-'0')
			}
			c = comp{kind: compIndex, lit: lit, idx: n}
		}
		comps = append(comps, c)
		if j == len(p) {
			return comps, nil
		}
		i = j + 1
	}
}

// isIndex reports whether s is a canonical array index ("0", "12", not "01").
func isIndex(s string) bool {
	if s == "" || len(s) > 9 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// globMatch matches s against a pattern where "*" is any run of bytes,
// "?" one character and "\" escapes the next byte.
func globMatch(s, pat []byte) bool {
	si, pi := 0, 0
	starPi, starSi := -1, 0
	for si < len(s) {
		if pi < len(pat) {
			switch c := pat[pi]; c {
			case '*':
				starPi, starSi = pi, si
				pi++
				continue
			case '?':
				_, n := utf8.DecodeRune(s[si:])
				si += n
				pi++
				continue
			case '\\':
				if pi+1 < len(pat) && pat[pi+1] == s[si] {
					pi += 2
					si++
					continue
				}
			default:
				if c == s[si] {
					pi++
					si++
					continue
				}
			}
		}
		if starPi < 0 {
			return false
		}
		starSi++
		si = starSi
		pi = starPi + 1
	}
	for pi < len(pat) && pat[pi] == '*' {
		pi++
	}
	return pi == len(pat)
}

// maxPatterns bounds ignore and keys paths: each set of patterns is run as
// a bitmask NFA in one machine word.
const maxPatterns = 64

// matcher runs a set of simple paths against the path of the value being
// scanned. A state is the set of patterns whose first depth components
// match the path so far; since every component consumes exactly one level,
// the set is all there is to remember.
type matcher struct {
	pats [][]comp
	ends []uint64 // ends[n]: the patterns of n components
}

func (m *matcher) add(comps []comp) {
	n := len(comps)
	for len(m.ends) <= n {
		m.ends = append(m.ends, 0)
	}
	m.ends[n] |= 1 << uint(len(m.pats))
	m.pats = append(m.pats, comps)
}

// all is the root state: every pattern alive.
func (m *matcher) all() uint64 {
	if len(m.pats) == 0 {
		return 0
	}
	return ^uint64(0) >> uint(64-len(m.pats))
}

// endsAt returns the patterns in alive that end at depth.
func (m *matcher) endsAt(alive uint64, depth int) uint64 {
	if depth >= len(m.ends) {
		return 0
	}
	return alive & m.ends[depth]
}

// step moves the state of a container at depth to one of its children:
// the member named key, or element idx when isIdx.
func (m *matcher) step(alive uint64, depth int, key []byte, idx int, isIdx bool) uint64 {
	var next uint64
	for a := alive; a != 0; a &= a - 1 {
		p := bits.TrailingZeros64(a)
		cs := m.pats[p]
		if len(cs) <= depth {
			continue
		}
		if cs[depth].match(key, idx, isIdx) {
			next |= 1 << uint(p)
		}
	}
	return next
}
