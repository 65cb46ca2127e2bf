package suggest

import (
	"net/url"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// analyzer holds what one Analyze learns about the two answers.
type analyzer struct {
	// isMap: the selected value is a map, whose members are walked as "*".
	isMap bool
	// order numbers every generalized path in the order the walk of the
	// first answer (then the second) meets it: suggestions come in the
	// answer's order.
	order map[string]int
	// colls are the arrays of objects in the selected value, by
	// generalized path, in the order met; keys their chosen keys.
	colls     map[string]*collection
	collOrder []string
	keys      map[string]string
	// fixed are the paths that are never ignored: keys, labels and links.
	fixed map[string]bool
}

// collection is every array of objects at one generalized path: the
// releases of a list, or the assets of every release.
type collection struct {
	path path
	// inst holds, per fetch, the element lists found at path.
	inst [2][][]gjson.Result
}

// maxDepth bounds the walks (diff refuses deeper answers anyway).
const maxDepth = 128

// collect walks a selected value, numbering its paths and gathering its
// arrays of objects, for fetch 0 or 1.
func (a *analyzer) collect(v gjson.Result, fetch int) {
	a.walk(v, func(v gjson.Result, p path) bool {
		ps := p.String()
		if _, ok := a.order[ps]; !ok {
			a.order[ps] = len(a.order)
		}
		if !v.IsArray() {
			return true
		}
		if elems := v.Array(); len(elems) > 0 && elementsKind(elems) == "objects" {
			c := a.colls[ps]
			if c == nil {
				c = &collection{path: p}
				a.colls[ps] = c
				a.collOrder = append(a.collOrder, ps)
			}
			c.inst[fetch] = append(c.inst[fetch], elems)
		}
		return true
	})
}

// walk visits a selected value and, as long as visit returns true for a
// value, what it holds: the elements of an array that are objects or
// arrays (at path p.#), the members of the watched map (p.*) and those of
// any other object (p.name); down to maxDepth.
func (a *analyzer) walk(v gjson.Result, visit func(v gjson.Result, p path) bool) {
	var walk func(v gjson.Result, p path, depth int)
	walk = func(v gjson.Result, p path, depth int) {
		if depth > maxDepth || !visit(v, p) {
			return
		}
		switch {
		case v.IsArray():
			ep := p.with(step{kind: '#'})
			v.ForEach(func(_, e gjson.Result) bool {
				if e.IsObject() || e.IsArray() {
					walk(e, ep, depth+1)
				}
				return true
			})
		case v.IsObject():
			mapped := len(p) == 0 && a.isMap
			mp := p.with(step{kind: '*'})
			v.ForEach(func(k, m gjson.Result) bool {
				if !mapped {
					mp = p.with(step{kind: 'm', name: k.Str})
				}
				walk(m, mp, depth+1)
				return true
			})
		}
	}
	walk(v, nil, 0)
}

// keyNames ranks the member names that identify elements, by their words
// run together: the first that is unique in every array of a collection,
// in both fetches, and keeps its values from one fetch to the other, is
// the key. Names ending in "id" (node_id, UniqueId) rank after these.
var keyNames = []string{"id", "uuid", "guid", "uid", "uniqueid"}

// keyNamesAfter rank after names ending in "id".
var keyNamesAfter = []string{"key", "slug", "code", "number", "tagname", "name", "filename", "login", "username",
	"sha", "digest", "md5digest", "sha256", "hash", "checksum", "htmlurl", "url", "href", "path"}

// keyRank ranks a member name as a key, lower first; -1 is no key.
func keyRank(name string) int {
	w := words(name)
	if len(w) == 0 {
		return -1
	}
	n := strings.Join(w, "")
	if i := slices.Index(keyNames, n); i >= 0 {
		return i
	}
	if len(w) > 1 && (w[len(w)-1] == "id" || w[len(w)-1] == "uuid") {
		return len(keyNames)
	}
	if i := slices.Index(keyNamesAfter, n); i >= 0 {
		return len(keyNames) + 1 + i
	}
	return -1
}

// keyText is a key member's value as the diff matches it, tagged with its
// type ("s" string, "n" number), or false when it cannot be a key: not a
// string or an integer.
func keyText(v gjson.Result) (string, bool) {
	switch v.Type {
	case gjson.String:
		return "s" + v.Str, true
	case gjson.Number:
		if strings.ContainsAny(v.Raw, ".eE") {
			return "", false
		}
		return "n" + v.Raw, true
	}
	return "", false
}

// member returns the first member of an object with that name (gjson's
// Get would read the name as a path).
func member(o gjson.Result, name string) gjson.Result {
	var out gjson.Result
	o.ForEach(func(k, v gjson.Result) bool {
		if k.Str == name {
			out = v
			return false
		}
		return true
	})
	return out
}

// chooseKeys picks the key of every collection that has one: Key for the
// selected array, Keys for nested ones.
func (a *analyzer) chooseKeys(s *Suggestion) {
	a.keys = map[string]string{}
	a.fixed = map[string]bool{}
	for _, ps := range a.collOrder {
		c := a.colls[ps]
		k := c.key()
		if k == "" {
			continue
		}
		if ps != "" && len(s.Keys) >= maxPaths-1 {
			continue
		}
		a.keys[ps] = k
		a.fixed[c.path.with(step{kind: '#'}).with(step{kind: 'm', name: k}).String()] = true
		if ps == "" {
			s.Key = escapeKeyField(k)
		} else {
			s.Keys[ps] = escapeKeyField(k)
		}
	}
}

// key chooses a collection's key: among the members present in every
// element of every array, a string or an integer, unique within each
// array in both fetches, the best ranked; members whose values the second
// fetch mostly did not have again (a nonce, a token made per answer) are
// not stable enough to match elements by.
func (c *collection) key() string {
	type cand struct {
		name    string
		rank    int
		overlap float64
	}
	if len(c.inst[0]) == 0 {
		return "" // in the second fetch only
	}
	var cands []cand
	c.inst[0][0][0].ForEach(func(k, _ gjson.Result) bool {
		name := k.Str
		if r := keyRank(name); r >= 0 && strings.TrimSpace(name) == name && name != "" {
			if ov, ok := c.unique(name); ok {
				cands = append(cands, cand{name, r, ov})
			}
		}
		return true
	})
	best := 0.0
	for _, cd := range cands {
		best = max(best, cd.overlap)
	}
	var out *cand
	for i, cd := range cands {
		if cd.overlap < best/2 {
			continue
		}
		if out == nil || cd.rank < out.rank {
			out = &cands[i]
		}
	}
	if out == nil {
		return ""
	}
	return out.name
}

// unique reports whether a member can key the collection (present in
// every element, a string or an integer, unique within every array), and
// how many of its values the second fetch had again, of the most either
// fetch had.
func (c *collection) unique(name string) (float64, bool) {
	var vals [2]map[string]bool
	for f := range 2 {
		vals[f] = map[string]bool{}
		for _, elems := range c.inst[f] {
			seen := make(map[string]bool, len(elems))
			for _, e := range elems {
				t, ok := keyText(member(e, name))
				if !ok || seen[t] {
					return 0, false
				}
				seen[t] = true
				vals[f][t] = true
			}
		}
	}
	both := 0
	for t := range vals[0] {
		if vals[1][t] {
			both++
		}
	}
	most := max(len(vals[0]), len(vals[1]))
	if most == 0 {
		return 0, true
	}
	return float64(both) / float64(most), true
}

// labelNames and linkNames are the members that name an element and link
// to its page, best first, by their words run together.
var (
	labelNames = []string{"name", "title", "tagname", "displaytitle", "label", "summary", "subject", "headline",
		"fullname", "login", "filename", "username"}
	linkNames = []string{"htmlurl", "weburl", "permalink", "permalinkurl", "browserdownloadurl", "link", "href",
		"url", "shortlink", "canonicalurl", "homepage"}
)

// labelsAndLinks picks a label and a link for every keyed collection: the
// best ranked member that is a string in nearly every element (and for a
// label, not the key itself and different from one element to the next;
// for a link, a web page, not an API's URL).
func (a *analyzer) labelsAndLinks(s *Suggestion) {
	for _, ps := range a.collOrder {
		k, ok := a.keys[ps]
		if !ok {
			continue
		}
		c := a.colls[ps]
		label := c.pick(labelNames, k, func(string) bool { return true }, true)
		link := c.pick(linkNames, k, isPageURL, false)
		for _, m := range []struct {
			name string
			one  *string
			many map[string]string
		}{{label, &s.Label, s.Labels}, {link, &s.Link, s.Links}} {
			if m.name == "" {
				continue
			}
			a.fixed[c.path.with(step{kind: '#'}).with(step{kind: 'm', name: m.name}).String()] = true
			if ps == "" {
				*m.one = escapeName(m.name)
			} else {
				m.many[ps] = escapeName(m.name)
			}
		}
	}
}

// pick returns the best ranked member of names, other than the key, that
// is a string passing ok in at least 90% of the elements of the first
// fetch (and, with distinct, different from one element of an array to
// the next in at least half of them); or "".
func (c *collection) pick(names []string, key string, ok func(string) bool, distinct bool) string {
	if len(c.inst[0]) == 0 {
		return ""
	}
	spelled := map[string]string{} // normalized → the name as the API spells it
	c.inst[0][0][0].ForEach(func(k, _ gjson.Result) bool {
		if n := normalized(k.Str); slices.Contains(names, n) && spelled[n] == "" && k.Str != key {
			spelled[n] = k.Str
		}
		return true
	})
	for _, n := range names {
		name := spelled[n]
		if name == "" {
			continue
		}
		elems, good, different := 0, 0, 0
		for _, es := range c.inst[0] {
			values := map[string]bool{}
			for _, e := range es {
				elems++
				if v := member(e, name); v.Type == gjson.String && v.Str != "" && ok(v.Str) {
					good++
					values[v.Str] = true
				}
			}
			different += len(values)
		}
		if 10*good < 9*elems || distinct && elems > 1 && 2*different < elems {
			continue
		}
		return name
	}
	return ""
}

// isPageURL reports whether s is an absolute http(s) URL of a page for
// people: not on an api. host nor under /api/.
func isPageURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	return !strings.HasPrefix(host, "api.") && !strings.HasPrefix(u.Path, "/api/")
}
