package diff

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/tidwall/gjson"
)

// maxDepth is the deepest nesting of arrays and objects accepted. The
// scanner is iterative, so this protects memory and the bounded recursion
// of the diff, not the stack.
const maxDepth = 512

// maxKeyFields bounds the fields of a composite key.
const maxKeyFields = 16

// Differ is a compiled set of Options. It holds no mutable state: one
// Differ may be used by several goroutines at once.
//
// Ignore and keys paths are simple gjson paths (member names, indices, "#"
// and "*"/"?" wildcards), run as bitmask automata while scanning, so no
// value is ever materialized to apply them.
type Differ struct {
	format Format

	sel   string         // gjson path ("" = whole body)
	selRe *regexp.Regexp // text format
	// selOnce: sel is a plain path, which selectedPage may run on a page
	// not yet validated (readOnce).
	selOnce bool

	ign    matcher          // JSON ignore paths
	ignRes []*regexp.Regexp // text ignore patterns

	keys  matcher   // keyed array paths, including "" for Key
	specs []keySpec // specs[i] is the key of keys.pats[i]

	on      [3]bool   // added, removed, changed
	when    string    // "#(" + When + ")", or ""
	expr    *whenExpr // When, an expression (when.go)
	patch   bool
	doc     bool
	prev    bool
	max     int
	jsonOpt bool // select, ignore, key, keys or when set (Auto + text check)
	wide    int  // objects spanning more bytes take objectsWide (tests set 0)
	named   bool // a keyed array has a label or link path
	// Arrays spanning more bytes than wideArr take arraysWide (tests set
	// 0); it keeps the fingerprints of unkeyed elements averaging at least
	// arrKeep bytes, and notes where every arrChunk-th one starts.
	wideArr, arrKeep, arrChunk int
	// scratch holds *scratch: what one diff lends the next (borrow).
	scratch sync.Pool
}

// scratch is what a diff of a Differ lends the next: the stacks its lists
// and scanners grew, emptied (a Prepare lends its scanner the same way).
// A storm of changes diffs thousands of small documents at once; without
// it each diff allocated its stacks anew, more than half of what it
// allocated (BenchmarkDiffSmall). Differs are shared
// by the watches with the same options (config), so there are few pools,
// and stacks a large document grew are not kept (maxScratch).
type scratch struct {
	// Stacks of the member and element lists being compared: a level's
	// lists sit above its parent's and are dropped when it returns.
	mstack []member
	estack []elem
	// The wide comparison's entries (objectsWide), stacked the same way.
	woff   segs[uint32] // old members: name offset, wUsed once matched
	wmatch segs[uint32] // new members: the old one matched (wDiff if it differs), or wAdded
	wnoff  segs[uint32] // new members added or differing: name offset
	wtab   []uint32     // names of one object's members (not stacked: dead before nesting)
	levels []*level     // zeroed when lent
	// The scanners of the old and the new side (Prepare's the first), their
	// stacks emptied and the rest zero.
	scans [2]scanner
}

// maxScratch is the most entries a stack may hold to be lent again, and
// maxScratchLevels the most levels (560 bytes each): a document of ten
// thousand array elements, or one nested a hundred deep, keeps its stacks
// to itself. What a Differ's pool holds is a few tens of KB at most.
const (
	maxScratch       = 1024
	maxScratchLevels = 32
)

// borrow returns the stacks an earlier diff gave back, or new ones.
func (d *Differ) borrow() *scratch {
	if sc, ok := d.scratch.Get().(*scratch); ok {
		return sc
	}
	return &scratch{}
}

// giveBackScanner gives back the scratch a Prepare borrowed. Nothing of
// a Value points into its scanner: the data is the page's, or a copy.
func (d *Differ) giveBackScanner(sc *scratch) {
	sc.emptyScanners()
	d.scratch.Put(sc)
}

// scanner returns the scratch's i-th scanner, to scan data: 0 for
// Prepare and a diff's old side, 1 for its new side. It is empty: new, or
// emptied when the scratch was given back (emptyScanners).
func (sc *scratch) scanner(i int, d *Differ, data []byte) *scanner {
	s := &sc.scans[i]
	s.d, s.data = d, data
	return s
}

// emptyScanners forgets what the scanners scanned, and the stacks that a
// large document grew past maxScratch entries.
func (sc *scratch) emptyScanners() {
	for i := range sc.scans {
		s := &sc.scans[i]
		*s = scanner{stack: small(s.stack), buf: small(s.buf), num: small(s.num), set: small(s.set)}
	}
}

// small is s emptied, or nil when it grew past maxScratch entries.
func small[T any](s []T) []T {
	if cap(s) > maxScratch {
		return nil
	}
	return s[:0]
}

// giveBack empties j's stacks for the next diff, unless one grew past
// maxScratch. Nothing of a Result points into them: its changes, paths
// and values are copies.
func (d *Differ) giveBack(j *jdiff) {
	sc := j.scratch
	sc.emptyScanners()
	if max(cap(sc.estack), cap(sc.mstack), cap(sc.wtab),
		sc.woff.capacity(), sc.wmatch.capacity(), sc.wnoff.capacity()) > maxScratch || len(sc.levels) > maxScratchLevels {
		return
	}
	clear(sc.mstack[:cap(sc.mstack)]) // their names point into the documents
	for _, l := range sc.levels {
		*l = level{} // as new(level) made it
	}
	sc.estack, sc.mstack, sc.wtab = sc.estack[:0], sc.mstack[:0], sc.wtab[:0]
	sc.woff.truncate(0)
	sc.wmatch.truncate(0)
	sc.wnoff.truncate(0)
	d.scratch.Put(sc)
}

// elementPaths checks a label or link option (name, with one for Key and
// a map for Keys) and returns it by array path: each path must be a gjson
// path, and each array a keyed one.
func elementPaths(fail func(string, error), name, one string, many, keys map[string]string, text bool) map[string]string {
	out := make(map[string]string, len(many)+1)
	for p, v := range many {
		out[p] = v
	}
	if one != "" {
		if _, dup := many[""]; dup {
			fail(name, fmt.Errorf(`both %s and %ss."" are set`, name, name))
		}
		out[""] = one
	}
	for p, v := range out {
		opt := name + "s." + p
		if p == "" && one != "" {
			opt = name
		}
		switch {
		case text:
			fail(opt, errors.New("not supported for text watches"))
		case keys[p] == "":
			if p == "" {
				fail(opt, fmt.Errorf("names the elements of the keyed top-level array: set key too"))
			} else {
				fail(opt, fmt.Errorf("%q is not a keyed array: give it a key in keys", p))
			}
		case v == "":
			fail(opt, errors.New("empty path"))
		default:
			if err := checkPath(v); err != nil {
				fail(opt, fmt.Errorf("%q: %w", v, err))
			}
		}
	}
	return out
}

// keySpec is how the elements of one keyed array are matched.
type keySpec struct {
	set    bool     // "."
	fields [][]byte // unescaped field names
	// label and link are gjson paths into the element (Options.Labels,
	// Links), or "".
	label, link string
}

func compile(o Options) (*Differ, error) {
	d := &Differ{format: o.Format, max: o.MaxChanges, wide: wideObject,
		wideArr: wideArray, arrKeep: arrayKeep, arrChunk: arrayChunk}
	var errs []error
	fail := func(opt string, err error) {
		errs = append(errs, &OptionError{Option: opt, Err: err})
	}
	text := false
	switch o.Format {
	case Auto, JSON:
	case Text:
		text = true
	default:
		fail("format", fmt.Errorf("unknown format %q (want \"json\" or \"text\")", o.Format))
	}

	if o.Select != "" {
		if text {
			re, err := regexp.Compile(o.Select)
			if err != nil {
				fail("select", err)
			}
			d.selRe = re
		} else if err := checkPath(o.Select); err != nil {
			fail("select", fmt.Errorf("%q: %w", o.Select, err))
		} else {
			d.sel, d.selOnce = o.Select, readOnce(o.Select)
		}
	}

	for i, p := range o.Ignore {
		if text {
			re, err := regexp.Compile(p)
			if err != nil {
				fail("ignore", fmt.Errorf("element %d %q: %w", i+1, p, err))
				continue
			}
			d.ignRes = append(d.ignRes, re)
			continue
		}
		if p == "" {
			fail("ignore", fmt.Errorf("element %d: empty path", i+1))
			continue
		}
		comps, err := parseSimple(p)
		if err != nil {
			fail("ignore", fmt.Errorf("element %d %q: %w", i+1, p, err))
			continue
		}
		if len(d.ign.pats) == maxPatterns {
			fail("ignore", fmt.Errorf("more than %d paths", maxPatterns))
			break
		}
		d.ign.add(comps)
	}

	keys := make(map[string]string, len(o.Keys)+1)
	for p, k := range o.Keys {
		keys[p] = k
	}
	if o.Key != "" {
		if _, dup := o.Keys[""]; dup {
			fail("key", errors.New(`both key and keys."" are set`))
		}
		keys[""] = o.Key
	}
	labels := elementPaths(fail, "label", o.Label, o.Labels, keys, text)
	links := elementPaths(fail, "link", o.Link, o.Links, keys, text)
	if text {
		if o.Key != "" {
			fail("key", errors.New("not supported for text watches"))
		}
		if len(o.Keys) > 0 {
			fail("keys", errors.New("not supported for text watches"))
		}
	} else {
		paths := make([]string, 0, len(keys))
		for p := range keys {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			opt := "keys." + p
			if p == "" && o.Key != "" {
				opt = "key"
			}
			comps, err := parseSimple(p)
			if err != nil {
				fail(opt, fmt.Errorf("path: %w", err))
				continue
			}
			spec, err := parseKeySpec(keys[p])
			if err != nil {
				fail(opt, err)
				continue
			}
			spec.label, spec.link = labels[p], links[p]
			d.named = d.named || spec.label != "" || spec.link != ""
			if len(d.keys.pats) == maxPatterns {
				fail("keys", fmt.Errorf("more than %d paths", maxPatterns))
				break
			}
			d.keys.add(comps)
			d.specs = append(d.specs, spec)
		}
	}

	for _, op := range o.On {
		switch op {
		case Added:
			d.on[0] = true
		case Removed:
			d.on[1] = true
		case Changed:
			d.on[2] = true
		default:
			fail("on", fmt.Errorf("unknown change kind %q (want added, removed or changed)", op))
		}
	}
	if len(o.On) == 0 {
		d.on = [3]bool{true, true, true}
	}

	if isExpression(o.When) {
		w, err := compileWhen(o.When)
		if err != nil {
			fail("when", err)
		}
		d.expr = w
	} else if o.When != "" {
		if text {
			fail("when", errors.New("a gjson condition is not supported for text watches: write an expression naming old or new"))
		} else if err := checkQuery(o.When); err != nil {
			fail("when", err)
		} else if end, err := checkComponent("#("+o.When+")", 0); err != nil || end != len(o.When)+3 {
			fail("when", fmt.Errorf("%q: unbalanced parentheses", o.When))
		} else {
			d.when = "#(" + o.When + ")"
		}
	}

	for _, inc := range o.Include {
		switch inc {
		case "patch":
			if text {
				fail("include", errors.New(`"patch" is not available for text watches`))
			}
			d.patch = true
		case "document":
			d.doc = true
		case "previous":
			d.prev = true
		default:
			fail("include", fmt.Errorf("unknown item %q (want patch, document or previous)", inc))
		}
	}
	if o.MaxChanges < 0 {
		fail("max_changes", fmt.Errorf("must not be negative, got %d", o.MaxChanges))
	}
	d.jsonOpt = o.Select != "" || len(o.Ignore) > 0 || len(keys) > 0 || d.when != ""
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

// parseKeySpec parses a key: "." (a set of scalars), a field, or fields
// joined with "," (a composite key). Fields are top-level members of the
// elements; "\" escapes a literal "," or ".".
func parseKeySpec(k string) (keySpec, error) {
	if k == "." {
		return keySpec{set: true}, nil
	}
	if strings.TrimSpace(k) == "" {
		return keySpec{}, errors.New("empty key")
	}
	var spec keySpec
	var cur []byte
	flush := func() error {
		f := bytes.TrimSpace(cur)
		if len(f) == 0 {
			return fmt.Errorf("key %q: empty field", k)
		}
		for _, g := range spec.fields {
			if bytes.Equal(g, f) {
				return fmt.Errorf("key %q: field %q appears twice", k, f)
			}
		}
		spec.fields = append(spec.fields, append([]byte(nil), f...))
		cur = cur[:0]
		return nil
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch c {
		case '\\':
			if i+1 == len(k) {
				return keySpec{}, fmt.Errorf(`key %q ends with "\"`, k)
			}
			i++
			cur = append(cur, k[i])
			continue
		case ',':
			if err := flush(); err != nil {
				return keySpec{}, err
			}
			continue
		case '.':
			return keySpec{}, fmt.Errorf(`key %q: fields must be top-level members of the elements (escape a literal "." as \.; "." alone keys a set of scalars)`, k)
		case '*', '?', '#', '|', '(', ')', '@':
			return keySpec{}, fmt.Errorf("key %q: %q is not allowed in a key field (escape it with \\)", k, c)
		}
		cur = append(cur, c)
	}
	if err := flush(); err != nil {
		return keySpec{}, err
	}
	if len(spec.fields) > maxKeyFields {
		return keySpec{}, fmt.Errorf("key %q: more than %d fields", k, maxKeyFields)
	}
	return spec, nil
}

// Detect decides a watch's format from its first successful response:
// JSON when the media type is application/json or ends in +json, or when
// the body is valid JSON; text otherwise.
func Detect(contentType string, body []byte) Format {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
	}
	if mt == "application/json" || strings.HasSuffix(mt, "+json") {
		return JSON
	}
	b := bytes.TrimSpace(body)
	if len(b) > 0 && validJSON(b) {
		return JSON
	}
	return Text
}

// validJSON reports whether b is one complete JSON value.
func validJSON(b []byte) bool {
	s := newScanner(nil, b)
	_, end, err := s.value(0, s.rootState())
	return err == nil && skipWS(b, end) == len(b)
}

// Prepare validates a response, selects the watched value and
// fingerprints it. f is JSON or Text, as decided by the configuration or
// by Detect. Several pages are watched as one value: for JSON the selected
// values are concatenated into one array (the elements of arrays spliced
// in, other values as one element each), for text the texts are joined
// with newlines.
//
// With a single page, Value.Data may share memory with the page: the
// caller must not modify the body afterwards.
//
// A watch with Format Auto treats select and ignore as gjson paths. If its
// responses turn out to be text, Prepare compares them whole, line by line,
// and fails if any JSON-only option (select, ignore, key, keys, when) is
// set: such a watch must say format = "text".
func (d *Differ) Prepare(f Format, pages ...[]byte) (Value, error) {
	if len(pages) == 0 {
		return Value{}, errors.New("prepare: no pages")
	}
	switch f {
	case JSON:
		if d.format == Text {
			return Value{}, errors.New(`prepare: watch has format = "text"`)
		}
		return d.prepareJSON(pages)
	case Text:
		if d.format != Text && d.jsonOpt {
			return Value{}, errors.New(`prepare: response is text, but select, ignore, key, keys or when are set as JSON options: set format = "text" to use select and ignore as regular expressions`)
		}
		return d.prepareText(pages)
	default:
		return Value{}, fmt.Errorf("prepare: format must be %q or %q, not %q", JSON, Text, f)
	}
}

func (d *Differ) prepareJSON(pages [][]byte) (Value, error) {
	pages = validPages(pages, true)
	sc := d.borrow()
	s := sc.scanner(0, d, nil)
	defer d.giveBackScanner(sc)
	if len(pages) == 1 {
		if d.sel == "" {
			// The whole page is the value: the pass that fingerprints it
			// validates it too.
			return d.wholePage(s, pages[0])
		}
		if d.selOnce {
			if v, ok := d.selectedPage(s, pages[0]); ok {
				return v, nil
			}
		}
		sel, err := d.selectPage(s, pages[0])
		if err != nil {
			return Value{}, err
		}
		return d.fingerprint(s, sel)
	}
	var buf []byte
	buf = append(buf, '[')
	n := 0
	for i, p := range pages {
		sel, err := d.selectPage(s, p)
		if err != nil {
			return Value{}, fmt.Errorf("page %d: %w", i+1, err)
		}
		if sel[0] == '[' {
			inner := bytes.TrimSpace(sel[1 : len(sel)-1])
			if len(inner) == 0 {
				continue
			}
			sel = inner
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, sel...)
		n++
	}
	buf = append(buf, ']')
	return d.fingerprint(s, buf)
}

// validPages applies the UTF-8 rule (utf8.go) to every page, copying the
// list only when a page changes.
func validPages(pages [][]byte, json bool) [][]byte {
	out := pages
	copied := false
	for i, p := range pages {
		v := validUTF8(p, json)
		if len(v) == 0 || len(v) == len(p) && &v[0] == &p[0] {
			continue
		}
		if !copied {
			out, copied = append([][]byte(nil), pages...), true
		}
		out[i] = v
	}
	return out
}

// wholePage validates and fingerprints a page that is the watched value
// in one pass, as selectPage and fingerprint do in two when a select
// picks a part of it: the same errors, the same value and sum.
func (d *Differ) wholePage(s *scanner, page []byte) (Value, error) {
	h, v, err := validPage(s, page, s.rootState())
	return Value{Data: v, Sum: h}, err
}

// validPage scans page, which must be one JSON value and whitespace, in
// state st, and returns the value's fingerprint and its bytes.
func validPage(s *scanner, page []byte, st scanState) (uint64, []byte, error) {
	s.data = page
	start := skipWS(page, 0)
	if start == len(page) {
		return 0, nil, fmt.Errorf("empty body: %w", ErrInvalid)
	}
	h, end, err := s.value(start, st)
	if err != nil {
		return 0, nil, err
	}
	if e := skipWS(page, end); e != len(page) {
		return 0, nil, fmt.Errorf("data after the value at offset %d: %w", e, ErrInvalid)
	}
	return h, page[start:end], nil
}

// selectedPage validates a page and fingerprints the value select picks
// in it, reading the picked value once: gjson finds it first, in the page
// not yet validated; a pass validates the page around it, taking it as
// read (scanner.hole); the pass that fingerprints it validates it. It
// gives what selectPage and fingerprint give, or ok false: a page that
// fails, or a selection that is not a value of the page as written (a
// modifier's, a query's), goes the way of the two, for their result and
// their errors.
func (d *Differ) selectedPage(s *scanner, page []byte) (Value, bool) {
	start := skipWS(page, 0)
	if start == len(page) {
		return Value{}, false
	}
	// Get, not GetBytes, which copies what it finds: the page is only
	// read, and r is not kept.
	r := gjson.Get(unsafeString(page[start:]), d.sel)
	a := start + r.Index
	b := a + len(r.Raw)
	if !r.Exists() || r.Index <= 0 || b > len(page) || string(page[a:b]) != r.Raw {
		return Value{}, false
	}
	s.hole, s.holeEnd, s.holeSeen = a+1, b, false
	_, _, err := validPage(s, page, scanState{arrSpec: -1, elemSpec: -1})
	s.hole, s.holeEnd = 0, 0
	if err != nil || !s.holeSeen {
		return Value{}, false
	}
	// The value's levels count from the page's root, as they did when
	// the first pass read them.
	s.depthBase = s.holeDepth
	v, err := d.fingerprint(s, page[a:b])
	s.depthBase = 0
	return v, err == nil
}

// readOnce reports whether selectedPage may run gjson on a page not yet
// validated with the select sel: a path of member names and indices,
// wildcards and queries, which gjson reads in one linear pass whatever
// the page. A modifier (@pretty, @valid, @dig…), a pipe, a multipath or
// a literal may do more: some recurse once per level of nesting, some
// take time and memory growing with its square, and only a page that
// validated (no deeper than maxDepth) is safe to give them. Their values
// are not the page's as written anyway.
func readOnce(sel string) bool {
	return !strings.ContainsAny(sel, "@|!{[")
}

// selectPage validates one page and returns its selected value.
func (d *Differ) selectPage(s *scanner, page []byte) ([]byte, error) {
	_, v, err := validPage(s, page, scanState{arrSpec: -1, elemSpec: -1})
	if err != nil {
		return nil, err
	}
	if d.sel == "" {
		return v, nil
	}
	r := gjson.GetBytes(v, d.sel)
	if !r.Exists() {
		return nil, fmt.Errorf("%q: %w", d.sel, ErrNoMatch)
	}
	if r.Index > 0 && r.Index+len(r.Raw) <= len(v) && string(v[r.Index:r.Index+len(r.Raw)]) == r.Raw {
		return v[r.Index : r.Index+len(r.Raw)], nil
	}
	if r.Index == 0 && len(r.Raw) <= len(v) && string(v[:len(r.Raw)]) == r.Raw && len(r.Raw) == len(v) {
		return v, nil
	}
	return []byte(r.Raw), nil
}

// fingerprint hashes a selected value (valid JSON) with ignore and keys.
func (d *Differ) fingerprint(s *scanner, v []byte) (Value, error) {
	s.data = v
	h, end, err := s.value(skipWS(v, 0), s.rootState())
	if err != nil {
		return Value{}, err
	}
	if skipWS(v, end) != len(v) {
		return Value{}, fmt.Errorf("selected value: %w", ErrInvalid)
	}
	return Value{Data: v, Sum: h}, nil
}

// Diff compares two prepared values: old and new are the Value.Data of two
// polls, read in format f (JSON or Text).
//
// For JSON, objects are compared member by member, keyed arrays element by
// key (elements lacking a key field, or whose key is not a string or
// number, are compared by position among themselves; duplicate keys match
// in order of appearance), sets as sets, and other arrays by a longest
// common subsequence of element fingerprints, what does not align being
// paired by position. Changes come in the order of the new value, removed
// ones where they were. Each Path is a gjson path that finds the changed
// value in new (in old for Removed): "#(id==3)", "#(tag_name==\"v1\").name",
// "#(region==\"eu\")#|#(sku==\"a\")" for composite keys, "#(==\"beta\")"
// for sets, indices for unkeyed arrays (or when a query could find another
// element first), "@this" for the whole value.
//
// A change belongs to the innermost keyed array element that contains it
// (or is it), else the innermost array element, else the whole value: Key
// is that element's key (set members are keyed by their own value but
// belong to an enclosing element when there is one), and When is tested
// against it: a gjson condition against its old version for Removed, its
// new version otherwise; an expression against both (when.go).
//
// For text, lines are compared; a changed line is a Removed and an Added
// change whose Path is the 1-based line number. There is no patch for text.
func (d *Differ) Diff(f Format, old, new []byte) (*Result, error) {
	// A snapshot stored before the UTF-8 rule (see utf8.go) may hold what
	// the new value no longer does: compare them under the same rule.
	switch f {
	case JSON:
		return d.diffJSON(validUTF8(old, true), validUTF8(new, true))
	case Text:
		return d.diffText(validUTF8(old, false), validUTF8(new, false))
	default:
		return nil, fmt.Errorf("diff: format must be %q or %q, not %q", JSON, Text, f)
	}
}
