package diff

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// labeled is an expected change with its label and link.
type labeled struct {
	op          Op
	path, key   string
	label, link string
}

// named gives the changes cs the labels and links ls, a pair each.
func named(cs []labeled, ls ...string) []labeled {
	out := slices.Clone(cs)
	for i := range out {
		out[i].label, out[i].link = ls[2*i], ls[2*i+1]
	}
	return out
}

// TestDiffer_Diff_labels checks the label and link of changes on recorded
// responses: the element's own (its new version, its old one when
// removed), else the nearest keyed element's around it, each on its own;
// numbers as written, other values and non-http links left out.
func TestDiffer_Diff_labels(t *testing.T) {
	t.Parallel()
	rec := readRecorded(t)
	releases := rec.releases

	// A new release first and the oldest one gone; an asset's download
	// count moves, another asset goes; a release is renamed and loses its
	// body; an author's login changes.
	releases1 := mutate(t, releases, func(v any) any {
		rs := arr(v)
		editReleases(rs)
		as := arr(obj(rs[1])["assets"])
		obj(rs[1])["assets"] = append(as[:1:1], as[2:]...)
		delete(obj(rs[2]), "body")
		obj(obj(rs[3])["author"])["login"] = "someone"
		return append([]any{newRelease(rs, "20500000", "v2.13.0")}, rs[:len(rs)-1]...)
	})
	// Names and URLs that are no label or link.
	odd := mutate(t, releases, func(v any) any {
		rs := arr(v)
		set := func(i int, k string, x any) { obj(rs[i])[k] = x }
		set(0, "name", nil)
		set(0, "html_url", "javascript:alert(1)")
		set(1, "name", map[string]any{"en": "hub"})
		set(2, "name", json.Number("42"))
		set(3, "name", strings.Repeat("é", 300))
		set(4, "name", true)
		set(5, "name", "  ")
		set(5, "html_url", "/github/hub/releases/tag/v2.12.3")
		set(6, "html_url", "HTTPS://github.com/github/hub/releases/tag/v2.12.2")
		set(7, "html_url", "https://")
		set(8, "name", []any{"a"})
		set(8, "html_url", json.Number("1"))
		set(9, "html_url", "javascript://github.com/%0Aalert(1)")
		set(10, "html_url", "https://github.com/"+strings.Repeat("a", maxLink))
		set(11, "html_url", "http://github.com/github/hub/releases/tag/v2.11.0")
		return v
	})
	const tag = "https://github.com/github/hub/releases/tag/"
	releaseChanges := []labeled{
		{op: Added, path: "#(id==20500000)", key: "20500000"},
		{op: Changed, path: "#(id==20432197).assets.#(id==15264754).download_count", key: "15264754"},
		{op: Removed, path: "#(id==20175981).assets.#(id==15067737)", key: "15067737"},
		{op: Changed, path: "#(id==20157427).name", key: "20157427"},
		{op: Removed, path: "#(id==20157427).body", key: "20157427"},
		{op: Changed, path: "#(id==20157262).author.login", key: "20157262"},
		{op: Removed, path: "#(id==5182188)", key: "5182188"},
	}
	fire := func(id, field string) labeled {
		return labeled{op: Changed, path: `#(UniqueId=="` + id + `").` + field, key: id}
	}
	const (
		caldor   = "a21c4d1f-87ed-4db1-85ea-eae41c90a0ac"
		bridge   = "ff71cd3b-2261-4248-92fa-f24733cfdcfe"
		lawrence = "5ddee2f6-f32b-4664-a416-5cf4996290a5"
		caballo  = "6a36efca-0cb1-465f-be4d-06b3e3b528c1"
	)
	fireChanges := []labeled{
		fire(caldor, "ConditionStatement"), fire(caldor, "Updated"),
		fire(bridge, "AcresBurned"), fire(bridge, "PercentContained"), fire(bridge, "Updated"),
		fire(lawrence, "PercentContained"), fire(lawrence, "Updated"),
		{op: Added, path: `#(UniqueId=="` + caballo + `")`, key: caballo},
	}
	assets := map[string]string{"#.assets": "id"}
	tests := []struct {
		name     string
		opts     Options
		old, new []byte
		want     []labeled
	}{
		{"releases and their assets", Options{Key: "id", Label: "name", Link: "html_url", Keys: assets,
			Labels: map[string]string{"#.assets": "name"}}, releases, releases1, named(releaseChanges,
			"hub 2.13.0", tag+"v2.13.0",
			"hub-darwin-amd64-2.12.8.tgz", tag+"v2.12.8",
			"hub-freebsd-386-2.12.7.tgz", tag+"v2.12.7",
			"hub 2.12.6 (edited)", tag+"v2.12.6",
			"hub 2.12.6", tag+"v2.12.6",
			"hub 2.12.5", tag+"v2.12.5",
			"hub 2.3.0-pre1", tag+"v2.3.0-pre1")},
		{"assets linked, labelled by their release", Options{Key: "id", Label: "name", Link: "html_url", Keys: assets,
			Links: map[string]string{"#.assets": "browser_download_url"}}, releases, releases1, named(releaseChanges,
			"hub 2.13.0", tag+"v2.13.0",
			"hub 2.12.8", "https://github.com/github/hub/releases/download/v2.12.8/hub-darwin-amd64-2.12.8.tgz",
			"hub 2.12.7", "https://github.com/github/hub/releases/download/v2.12.7/hub-freebsd-386-2.12.7.tgz",
			"hub 2.12.6 (edited)", tag+"v2.12.6",
			"hub 2.12.6", tag+"v2.12.6",
			"hub 2.12.5", tag+"v2.12.5",
			"hub 2.3.0-pre1", tag+"v2.3.0-pre1")},
		{"assets keyed without a label of their own", Options{Key: "id", Label: "name", Keys: assets}, releases, releases1,
			named(releaseChanges, "hub 2.13.0", "", "hub 2.12.8", "", "hub 2.12.7", "", "hub 2.12.6 (edited)", "",
				"hub 2.12.6", "", "hub 2.12.5", "", "hub 2.3.0-pre1", "")},
		{"values that are no label or link", Options{Key: "id", Label: "name", Link: "html_url"}, releases, odd, []labeled{
			{Changed, "#(id==20432197).html_url", "20432197", "", ""},
			{Changed, "#(id==20432197).name", "20432197", "", ""},
			{Changed, "#(id==20175981).name", "20175981", "", tag + "v2.12.7"},
			{Changed, "#(id==20157427).name", "20157427", "42", tag + "v2.12.6"},
			{Changed, "#(id==20157262).name", "20157262", strings.Repeat("é", maxLabel-1) + "…", tag + "v2.12.5"},
			{Changed, "#(id==19821302).name", "19821302", "", tag + "v2.12.4"},
			{Changed, "#(id==18731876).html_url", "18731876", "", ""},
			{Changed, "#(id==18731876).name", "18731876", "", ""},
			{Changed, "#(id==18509954).html_url", "18509954", "hub 2.12.2", "HTTPS://github.com/github/hub/releases/tag/v2.12.2"},
			{Changed, "#(id==18303721).html_url", "18303721", "hub 2.12.1", ""},
			{Changed, "#(id==18016139).html_url", "18016139", "", ""},
			{Changed, "#(id==18016139).name", "18016139", "", ""},
			{Changed, "#(id==16749698).html_url", "16749698", "hub 2.11.2", ""},
			{Changed, "#(id==16433801).html_url", "16433801", "hub 2.11.1", ""},
			{Changed, "#(id==16425444).html_url", "16425444", "hub 2.11.0", "http://github.com/github/hub/releases/tag/v2.11.0"},
		}},
		{"statuspage: updates take their incident's", Options{
			Keys:   map[string]string{"components": "id", "incidents": "id", "incidents.#.incident_updates": "id"},
			Labels: map[string]string{"components": "name", "incidents": "name"},
			Links:  map[string]string{"incidents": "shortlink"},
			Ignore: []string{"page.updated_at", "components.#.updated_at"}}, rec.status, mutate(t, rec.status, resolveIncident), []labeled{
			{Changed, `components.#(id=="brv1bkgrwx7q").status`, "brv1bkgrwx7q", "API Requests", ""},
			{Added, `incidents.#(id=="ljwdk6qml8z8").incident_updates.#(id=="r35olv0ntd0d")`, "r35olv0ntd0d",
				"Incident with Packages and Pages", "https://stspg.io/33vh8r7z43kh"},
			{Changed, `incidents.#(id=="ljwdk6qml8z8").status`, "ljwdk6qml8z8", "Incident with Packages and Pages", "https://stspg.io/33vh8r7z43kh"},
			{Changed, "status.indicator", "", "", ""},
		}},
		{"calfire: relative links dropped", Options{Select: "Incidents", Key: "UniqueId", Label: "Name", Link: "CanonicalUrl"},
			rec.fire0, rec.fire1, named(fireChanges, "Caldor Fire", "", "Caldor Fire", "",
				"Bridge Fire", "", "Bridge Fire", "", "Bridge Fire", "",
				"Lawrence Fire", "", "Lawrence Fire", "", "Caballo Fire", "")},
		{"calfire: a number label as written, the new one", Options{Select: "Incidents", Key: "UniqueId", Label: "AcresBurned"},
			rec.fire0, rec.fire1, named(fireChanges, "216358", "", "216358", "", "411", "", "411", "", "411", "",
				"46", "", "46", "", "25", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustCompile(t, tt.opts)
			vo, vn, r := prepareDiff(t, d, tt.old, tt.new)
			if len(r.Changes) != len(tt.want) {
				t.Errorf("%d changes, want %d", len(r.Changes), len(tt.want))
			}
			for i := 0; i < len(r.Changes) && i < len(tt.want); i++ {
				c, w := r.Changes[i], tt.want[i]
				got := labeled{c.Op, c.Path, c.Key, c.Label, c.Link}
				if got != w {
					t.Errorf("change %d = %+v\nwant %+v", i, got, w)
				}
			}
			sameBothWays(t, tt.opts, vo.Data, vn.Data)
		})
	}
}

// TestChange_MarshalJSON_label: the label and link of a change are
// written beside its key, and left out when it has none.
func TestChange_MarshalJSON_label(t *testing.T) {
	t.Parallel()
	releases := readTestdata(t, "github_releases_github-hub_2019-10-03.json")
	renamed := mutate(t, releases, func(v any) any {
		obj(arr(v)[2])["name"] = "hub 2.12.6 (edited)"
		obj(arr(v)[3])["tag_name"] = "v2.12.5-1"
		return v
	})
	d := mustCompile(t, Options{Key: "id", Label: "name", Link: "html_url", Select: "#(id<20157428)#"})
	_, _, r := prepareDiff(t, d, releases, renamed)
	want := `[{"op":"changed","path":"#(id==20157427).name","key":"20157427","label":"hub 2.12.6 (edited)",` +
		`"link":"https://github.com/github/hub/releases/tag/v2.12.6","old":"hub 2.12.6","new":"hub 2.12.6 (edited)"},` +
		`{"op":"changed","path":"#(id==20157262).tag_name","key":"20157262","label":"hub 2.12.5",` +
		`"link":"https://github.com/github/hub/releases/tag/v2.12.5","old":"v2.12.5","new":"v2.12.5-1"}]`
	if got := changesJSON(t, r.Changes); got != want {
		t.Errorf("changes =\n%s\nwant\n%s", got, want)
	}
	plain := Change{Op: Changed, Path: "a", Key: "1", Old: json.RawMessage("1"), New: json.RawMessage("2")}
	if got, want := changesJSON(t, []Change{plain}), `[{"op":"changed","path":"a","key":"1","old":1,"new":2}]`; got != want {
		t.Errorf("without a label: %s, want %s", got, want)
	}
}

// TestDiffer_ElementNames: the label and link of the element a path
// finds, by the paths of the keyed array it is in (the top-level one,
// one inside an object, a nested one whose outer array is not keyed),
// its own only: an element without them has none, even inside an
// element that has them.
func TestDiffer_ElementNames(t *testing.T) {
	t.Parallel()
	d := mustCompile(t, Options{Format: JSON,
		Keys:   map[string]string{"": "id", "#.variants": "sku", "shop.items": "id", "a\\.b": "id", "pairs": "a,b"},
		Label:  "name",
		Labels: map[string]string{"#.variants": "sku", "shop.items": "title", "a\\.b": "name", "pairs": "name"},
		Link:   "url"})
	top := []byte(`[{"id":1,"name":"p1","url":"https://shop.example/p1","variants":[{"sku":"x"}]},
		{"id":2,"variants":[{"sku":"y"}]},{"id":1,"name":"dup","url":"javascript:alert(1)"}]`)
	obj := []byte(`{"shop":{"items":[{"id":"a","title":"Item A"}]},"a.b":[{"id":7,"name":"dotted"}],
		"pairs":[{"a":1,"b":"x","name":"one-x"}],"loose":[{"id":1,"name":"not keyed"}]}`)
	tests := []struct {
		name        string
		value       []byte
		path        string
		label, link string
	}{
		{"top-level element", top, "#(id==1)", "p1", "https://shop.example/p1"},
		{"without label or link", top, "#(id==2)", "", ""},
		{"named by its index", top, "2", "dup", ""},
		{"a nested element in an unkeyed path", top, `0.variants.#(sku=="x")`, "x", ""},
		{"in an object", obj, `shop.items.#(id=="a")`, "Item A", ""},
		{"an escaped member name", obj, `a\.b.#(id==7)`, "dotted", ""},
		{"a composite key", obj, `pairs.#(a==1)#|#(b=="x")`, "one-x", ""},
		{"not a keyed array", obj, `loose.#(id==1)`, "", ""},
		{"no such element", top, "#(id==9)", "", ""},
		{"the whole value", top, "", "", ""},
		{"not a path", top, "#(id==", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			label, link := d.ElementNames(tt.value, tt.path)
			if label != tt.label || link != tt.link {
				t.Errorf("ElementNames(%q) = %q, %q, want %q, %q", tt.path, label, link, tt.label, tt.link)
			}
		})
	}
}
