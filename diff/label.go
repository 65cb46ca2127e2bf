package diff

import (
	"math/bits"
	"net/url"
	"strconv"
	"strings"

	"github.com/pollhook/pollhook/internal/human"
	"github.com/tidwall/gjson"
)

// How much of an element's label and link a change carries. A label is
// for people and is cut (readers cut it further to fit their lines); a
// cut URL leads somewhere else, so a longer link is dropped, at the
// length from which messages do not link a URL either.
const (
	maxLabel = 200  // characters
	maxLink  = 8000 // bytes
)

// names is the label and link of one version of a keyed element.
type names struct {
	read        bool
	label, link string
}

// elemNames returns the label and link of a change owned by ow, from the
// element's old version for a removed change, else its new one: each is
// the owner's if it is a keyed element that has it, else that of the
// nearest keyed element around it that has it. Only listed changes ask,
// so the elements compared beyond max_changes cost nothing.
func (j *jdiff) elemNames(ow *owner, old bool) (label, link string) {
	for e := ow.keyed(); e != nil && (label == "" || link == ""); e = e.up {
		n := j.ownNames(e, old)
		if label == "" {
			label = n.label
		}
		if link == "" {
			link = n.link
		}
	}
	return label, link
}

// ownNames reads the label and link of a keyed element's version (the
// old one if old or if it has no new one), once.
func (j *jdiff) ownNames(e *owner, old bool) *names {
	i, nd, data := 1, e.new, j.n.data
	if old || nd == nil {
		i, nd, data = 0, e.old, j.o.data
	}
	if e.names == nil {
		e.names = new([2]names)
	}
	n := &e.names[i]
	if n.read || nd == nil || nd.end < 0 {
		return n
	}
	n.read = true
	n.label, n.link = j.d.specs[e.spec].names(data[nd.start:nd.end])
	return n
}

// names reads the label and link of an element (raw, its JSON) by the
// paths of its array's key spec.
func (sp *keySpec) names(raw []byte) (label, link string) {
	if sp.label != "" {
		label = labelText(gjson.GetBytes(raw, sp.label))
	}
	if sp.link != "" {
		link = linkText(gjson.GetBytes(raw, sp.link))
	}
	return label, link
}

// ElementNames returns the label and link of the keyed element that path
// finds in value (a selected value, as Diff takes it), read as changes
// read theirs (Change.Label, Change.Link) but from the element alone:
// "" for each that it lacks, and for both when path finds no element of
// a keyed array. path is the path of a change up to and including the
// element's query or index, with no query before it: the outermost keyed
// element a change is in ("#(id==1)", "releases.#(tag==\"v1\")", "3").
// Each call looks the element up in value: a split watch asks once per
// element event.
func (d *Differ) ElementNames(value []byte, path string) (label, link string) {
	if !d.named || path == "" {
		return "", ""
	}
	spec, ok := d.elementSpec(value, path)
	if !ok {
		return "", ""
	}
	sp := &d.specs[spec]
	if sp.label == "" && sp.link == "" {
		return "", ""
	}
	el := gjson.GetBytes(value, path)
	if !el.Exists() {
		return "", ""
	}
	raw := []byte(el.Raw)
	if el.Index > 0 && el.Index+len(el.Raw) <= len(value) {
		raw = value[el.Index : el.Index+len(el.Raw)]
	}
	return sp.names(raw)
}

// elementSpec returns the key spec of the array holding the element that
// path finds in value: the keys patterns are run over the path's
// components before the element's (member names and indices, read as
// indices in arrays), as the scanner runs them over a document.
func (d *Differ) elementSpec(value []byte, path string) (int, bool) {
	cur := gjson.ParseBytes(value)
	keys := d.keys.all()
	depth := 0
	for i := 0; ; {
		end, err := checkComponent(path, i)
		if err != nil {
			return 0, false
		}
		comp := path[i:end]
		if end == len(path) || strings.HasPrefix(comp, "#(") {
			e := d.keys.endsAt(keys, depth)
			if !cur.IsArray() || e == 0 {
				return 0, false
			}
			return bits.TrailingZeros64(e), true
		}
		if cur.IsArray() {
			if !isIndex(comp) {
				return 0, false
			}
			n, _ := strconv.Atoi(comp)
			keys = d.keys.step(keys, depth, nil, n, true)
		} else {
			keys = d.keys.step(keys, depth, unescapeComponent(comp), 0, false)
		}
		if keys == 0 {
			return 0, false
		}
		cur = cur.Get(comp)
		depth++
		i = end + 1
	}
}

// unescapeComponent is a member name as a gjson path component writes it
// (gjson.Escape), without its escapes.
func unescapeComponent(comp string) []byte {
	out := make([]byte, 0, len(comp))
	for i := 0; i < len(comp); i++ {
		if comp[i] == '\\' && i+1 < len(comp) {
			i++
		}
		out = append(out, comp[i])
	}
	return out
}

// labelText is the label a value gives an element: a string's text or a
// number as written, cut to maxLabel characters; "" for anything else
// (objects, arrays, booleans, null) and for blank text.
func labelText(v gjson.Result) string {
	var s string
	switch v.Type {
	case gjson.String:
		s = v.Str
	case gjson.Number:
		s = v.Raw
	}
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return human.CutRunes(s, maxLabel)
}

// linkText is the link a value gives an element: a string that is an
// absolute http or https URL with a host, at most maxLink bytes; ""
// otherwise (a relative URL, another scheme such as javascript:, not a
// string).
func linkText(v gjson.Result) string {
	if v.Type != gjson.String || len(v.Str) > maxLink {
		return ""
	}
	u, err := url.Parse(v.Str)
	if err != nil || u.Host == "" || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) {
		return ""
	}
	return v.Str
}
