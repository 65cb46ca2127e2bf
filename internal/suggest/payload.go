package suggest

import "github.com/tidwall/gjson"

// minShare is the part of the answer a payload holds at least: what an
// API answers about (releases, runs, incidents) is most of it, while the
// small lists beside it (a packument's maintainers, a page's links) are
// not the point.
const minShare = 0.10

// maxSearchDepth is how deep in objects the payload is looked for.
const maxSearchDepth = 4

// findPayload finds the part of an answer to watch: the answer itself
// when it is an array of objects (or an object whose members are the
// elements: a map), else the first such value, shallowest first and in
// the answer's order, that holds at least minShare of the answer.
// Arrays are not searched: what is inside their elements is the elements'.
// Nothing found, the whole answer is watched (nil path, no kind).
func findPayload(root gjson.Result) (path, Kind) {
	if k := collectionKind(root); k != "" {
		return nil, k
	}
	if !root.IsObject() {
		return nil, ""
	}
	total := float64(len(root.Raw))
	type item struct {
		v    gjson.Result
		p    path
		kind Kind
	}
	level := []item{{v: root}}
	for depth := 1; depth <= maxSearchDepth && len(level) > 0; depth++ {
		var next []item
		var found *item
		for _, it := range level {
			it.v.ForEach(func(k, v gjson.Result) bool {
				p := it.p.with(step{kind: 'm', name: k.Str})
				if kind := collectionKind(v); kind != "" && float64(len(v.Raw)) >= minShare*total {
					found = &item{v, p, kind}
					return false
				}
				if v.IsObject() {
					next = append(next, item{v: v, p: p})
				}
				return true
			})
			if found != nil {
				return found.p, found.kind
			}
		}
		level = next
	}
	return nil, ""
}

// collectionKind says whether v is a collection of elements: Array for an
// array of objects, Map for an object whose members are alike objects or
// arrays of objects (versions, releases by version), else "".
func collectionKind(v gjson.Result) Kind {
	switch {
	case v.IsArray():
		elems := v.Array()
		if len(elems) > 0 && elementsKind(elems) == "objects" {
			return Array
		}
	case v.IsObject() && isMap(v):
		return Map
	}
	return ""
}

// maxMapSample is how many members of an object isMap looks at.
const maxMapSample = 64

// isMap reports whether an object is a map: at least two members, all
// objects with mostly the same members, or all arrays of objects (or
// empty). An object of a schema (a release, an issue) has members of
// several types; one of alike objects is a table by name.
func isMap(v gjson.Result) bool {
	var vals []gjson.Result
	v.ForEach(func(_, m gjson.Result) bool {
		vals = append(vals, m)
		return len(vals) < maxMapSample
	})
	if len(vals) < 2 {
		return false
	}
	switch elementsKind(vals) {
	case "arrays":
		for _, a := range vals {
			if es := a.Array(); len(es) > 0 && elementsKind(es) != "objects" {
				return false
			}
		}
		return true
	case "objects":
		first := memberNames(vals[0])
		alike := 0
		for _, o := range vals {
			names := memberNames(o)
			common := 0
			for n := range names {
				if first[n] {
					common++
				}
			}
			if 2*common >= max(len(names), len(first)) {
				alike++
			}
		}
		return 5*alike >= 4*len(vals)
	}
	return false
}

func memberNames(o gjson.Result) map[string]bool {
	names := map[string]bool{}
	o.ForEach(func(k, _ gjson.Result) bool {
		names[k.Str] = true
		return true
	})
	return names
}
