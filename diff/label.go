package diff

import (
	"net/url"
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
	sp := &j.d.specs[e.spec]
	raw := data[nd.start:nd.end]
	if sp.label != "" {
		n.label = labelText(gjson.GetBytes(raw, sp.label))
	}
	if sp.link != "" {
		n.link = linkText(gjson.GetBytes(raw, sp.link))
	}
	return n
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
