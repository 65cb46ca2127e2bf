package suggest

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/pollhook/pollhook/diff"
)

// ignores suggests what to leave out of the comparison: the members named
// like volatile values (in either answer), and the values that differed
// between the two answers while the rest stayed equal. A path under
// another suggested one, or that keys, labels or links elements, is left
// out.
func (a *analyzer) ignores(s *Suggestion, v1, v2 gjson.Result) {
	found := map[string]*Ignore{}
	a.named(v1, found)
	a.named(v2, found)
	if !s.Identical {
		c := &comparison{a: a, stats: map[string]*stat{}}
		c.compare(v1, v2, nil, 0)
		switch {
		case c.leaves > 0 && 2*c.differed > c.leaves:
			s.Notes = append(s.Notes, fmt.Sprintf("the two fetches differ in most of their values (%d of %d): "+
				"that is not noise, so nothing is ignored for having changed", c.differed, c.leaves))
		default:
			for ps, st := range c.stats {
				ig := found[ps]
				if ig == nil && st.differed > 0 {
					ig = &Ignore{Path: ps}
					found[ps] = ig
				}
				if ig != nil {
					ig.Differed, ig.Compared = st.differed, st.compared
				}
			}
		}
		if c.unmatched > 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("%d elements or members were in only one of the two fetches: "+
				"a change, not noise, so not ignored", c.unmatched))
		}
	}
	var paths []string
	for ps := range found {
		if !a.fixed[ps] && !underAny(ps, found) {
			paths = append(paths, ps)
		}
	}
	sort.Slice(paths, func(i, j int) bool { return a.order[paths[i]] < a.order[paths[j]] })
	if len(paths) > maxPaths {
		s.Notes = append(s.Notes, fmt.Sprintf("%d paths to ignore: only the first %d are suggested (a watch takes at most %d)",
			len(paths), maxPaths, maxPaths))
		paths = paths[:maxPaths]
	}
	for _, ps := range paths {
		s.Ignore = append(s.Ignore, *found[ps])
	}
}

// underAny reports whether the path ps lies under another path of found.
func underAny(ps string, found map[string]*Ignore) bool {
	for anc := range found {
		if anc != ps && strings.HasPrefix(ps, anc+".") {
			return true
		}
	}
	return false
}

// named adds to found the scalar members of v whose names mark volatile
// values (see volatileName), and looks no further into a volatile member.
func (a *analyzer) named(v gjson.Result, found map[string]*Ignore) {
	a.walk(v, func(m gjson.Result, mp path) bool {
		last := len(mp) - 1
		if last < 0 || mp[last].kind != 'm' {
			return true
		}
		why := volatileName(mp[last].name, m, mp[:last].inElements())
		if why == "" {
			return true
		}
		if ps := mp.String(); found[ps] == nil {
			found[ps] = &Ignore{Path: ps, Why: why}
		}
		return false
	})
}

// Words of member names that mark volatile values.
var (
	// movedWords: a time something was last done to the element
	// (updated_at, lastModified, Updated, last_seen). Times of events that
	// happen once (created_at, closed_at, published_at) are not: they move
	// only with a change worth seeing.
	movedWords = []string{"updated", "modified", "edited", "changed", "refreshed", "synced", "fetched", "indexed",
		"cached", "crawled", "scraped", "polled", "checked", "seen", "pushed", "processed", "retrieved"}
	// counterWords: popularity counters (download_count, downloads,
	// stargazers_count, viewCount).
	counterWords = []string{"download", "downloads", "view", "views", "hit", "hits", "play", "plays", "visit",
		"visits", "click", "clicks", "like", "likes", "star", "stars", "stargazers", "watchers", "subscribers",
		"forks", "followers", "impressions", "pageviews"}
	// versionNames: version tags of an element that move with each edit.
	versionNames = []string{"etag", "rev"}
	// responseNames: about the answer rather than the data; only at the
	// top of the watched value, never inside its elements (a commit's
	// timestamp is the commit's).
	responseNames = []string{"timestamp", "ts", "now", "time", "servertime", "currenttime", "responsetime",
		"querytime", "took", "elapsed", "requestid", "traceid", "nonce", "asof", "generated", "generatedat",
		"generatedon", "generatedtime"}
)

// volatileName says why a member's name marks a value that moves on its
// own, or "". Only scalars count: a counter is a number, a time a string
// or a number (or null), and a URL never.
func volatileName(name string, v gjson.Result, inElement bool) string {
	if v.Type != gjson.String && v.Type != gjson.Number && v.Type != gjson.Null {
		return ""
	}
	w := words(name)
	if len(w) == 0 || v.Type == gjson.String && strings.Contains(v.Str, "://") {
		return ""
	}
	n := strings.Join(w, "")
	last := w[len(w)-1]
	switch {
	case v.Type == gjson.Number && (slices.Contains(counterWords, n) ||
		last == "count" && slices.ContainsFunc(w, func(s string) bool { return slices.Contains(counterWords, s) })):
		return whyCounter
	case slices.ContainsFunc(w, func(s string) bool { return slices.Contains(movedWords, s) }) ||
		n == "mtime" || n == "lastmod":
		return whyTimestamp
	case slices.Contains(versionNames, n):
		return whyVersion
	case !inElement && slices.Contains(responseNames, n):
		return whyResponse
	}
	return ""
}

// comparison compares the two answers, value by value, matching keyed
// elements by key and others by position.
type comparison struct {
	a     *analyzer
	stats map[string]*stat
	// leaves and differed count the values compared and those that
	// differed; unmatched the elements and members only one answer has.
	leaves, differed, unmatched int
}

type stat struct{ differed, compared int }

func (c *comparison) record(p path, differs bool) {
	c.leaves++
	if differs {
		c.differed++
	}
	if len(p) == 0 {
		return
	}
	ps := p.String()
	st := c.stats[ps]
	if st == nil {
		st = &stat{}
		c.stats[ps] = st
	}
	st.compared++
	if differs {
		st.differed++
	}
}

func (c *comparison) compare(x, y gjson.Result, p path, depth int) {
	if depth > maxDepth {
		return
	}
	kind := diff.JSONType(x)
	if kind != diff.JSONType(y) {
		c.record(p, true)
		return
	}
	switch kind {
	case "object":
		ys := map[string]gjson.Result{}
		y.ForEach(func(k, m gjson.Result) bool {
			if _, dup := ys[k.Str]; !dup {
				ys[k.Str] = m
			}
			return true
		})
		asMap := len(p) == 0 && c.a.isMap
		matched := 0
		x.ForEach(func(k, m gjson.Result) bool {
			ym, ok := ys[k.Str]
			if !ok {
				c.unmatched++
				return true
			}
			matched++
			mp := p.with(step{kind: 'm', name: k.Str})
			if asMap {
				mp = p.with(step{kind: '*'})
			}
			c.compare(m, ym, mp, depth+1)
			return true
		})
		c.unmatched += len(ys) - matched
	case "array":
		xs, ys := x.Array(), y.Array()
		ep := p.with(step{kind: '#'})
		if k, ok := c.a.keys[p.String()]; ok {
			byKey := make(map[string]gjson.Result, len(ys))
			for _, e := range ys {
				if t, ok := keyText(member(e, k)); ok {
					byKey[t] = e
				}
			}
			matched := 0
			for _, e := range xs {
				t, _ := keyText(member(e, k))
				if ye, ok := byKey[t]; ok {
					matched++
					c.compare(e, ye, ep, depth+1)
				} else {
					c.unmatched++
				}
			}
			c.unmatched += len(ys) - matched
			return
		}
		if len(xs) != len(ys) {
			c.unmatched += max(len(xs)-len(ys), len(ys)-len(xs))
			return
		}
		for i := range xs {
			c.compare(xs[i], ys[i], ep, depth+1)
		}
	default:
		c.record(p, !sameScalar(x, y))
	}
}

// sameScalar compares two scalars of the same JSON type.
func sameScalar(x, y gjson.Result) bool {
	switch x.Type {
	case gjson.String:
		return x.Str == y.Str
	case gjson.Number:
		return x.Raw == y.Raw || x.Num == y.Num && len(x.Raw) < 16 && len(y.Raw) < 16
	}
	return x.Type == y.Type
}
