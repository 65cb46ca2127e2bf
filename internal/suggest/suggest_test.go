package suggest

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/testkit"
)

func obj(v any) map[string]any { return v.(map[string]any) }
func arr(v any) []any          { return v.([]any) }

// clone deep-copies a decoded JSON value.
func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = clone(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = clone(e)
		}
		return a
	}
	return v
}

// A later answer of an endpoint and the changes the suggested watch must
// report against the earlier one: the elements added, removed and changed,
// named by key (or, in an object watched as a map, by path).
type later struct {
	name                    string
	file                    string                        // a recording, or
	edit                    func(t *testing.T, v any) any // an edit of the earlier one
	added, removed, changed []string
}

// TestAnalyze_recorded runs the suggestion on every recording, given the
// same answer twice (as an API that did not move in the seconds between
// init's two fetches), and checks the suggested watch with the real diff:
// the same data twice is no change, a re-encoded copy is no change, and a
// later answer (recorded, or edited from this one) reports the real
// changes, noise left out.
func TestAnalyze_recorded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file   string
		sel    string
		shape  Shape
		key    string
		keys   map[string]string
		label  string
		link   string
		labels map[string]string
		links  map[string]string
		ignore []string // among the suggested paths
		keep   []string // not among them
		later  []later
	}{
		{
			file: "github_releases_github-hub_2019-10-03.json", sel: "", shape: Shape{Kind: Array, Len: 30, Of: "objects"},
			key: "id", keys: map[string]string{"#.assets": "id"}, label: "name", link: "html_url",
			labels: map[string]string{"#.assets": "name"}, links: map[string]string{"#.assets": "browser_download_url"},
			ignore: []string{"#.assets.#.download_count", "#.assets.#.updated_at"},
			keep:   []string{"#.created_at", "#.published_at", "#.assets.#.created_at", "#.assets.#.state", "#.id", "#.name"},
			later: []later{
				{name: "downloads counted, assets touched", edit: func(t *testing.T, v any) any {
					for _, r := range arr(v) {
						for _, a := range arr(obj(r)["assets"]) {
							obj(a)["download_count"] = json.Number("100000")
							obj(a)["updated_at"] = "2019-10-04T00:00:00Z"
						}
					}
					return v
				}},
				{name: "a release published, one renamed", edit: func(t *testing.T, v any) any {
					rs := arr(v)
					n := obj(clone(rs[0]))
					n["id"], n["tag_name"], n["name"] = json.Number("20500000"), "v2.13.0", "hub 2.13.0"
					obj(rs[2])["name"] = "hub 2.12.6 (edited)"
					return append([]any{n}, rs...)
				}, added: []string{"20500000"}, changed: []string{"20157427"}},
			},
		},
		{
			file: "github_issues_github-api-github-api_closed_page1_2019-10-04.json", sel: "", shape: Shape{Kind: Array, Len: 30, Of: "objects"},
			key: "id", keys: map[string]string{"#.labels": "id"}, label: "title", link: "html_url",
			// Labels have only their API URL: no link for people.
			labels: map[string]string{"#.labels": "name"}, links: map[string]string{},
			ignore: []string{"#.updated_at"},
			keep:   []string{"#.closed_at", "#.created_at", "#.comments", "#.state", "#.title"},
			later: []later{{name: "2020-01-10", file: "github_issues_github-api-github-api_closed_page1_2020-01-10.json",
				// The whole window was replaced: every issue is new.
				added:   issueIDs(t, "github_issues_github-api-github-api_closed_page1_2020-01-10.json"),
				removed: issueIDs(t, "github_issues_github-api-github-api_closed_page1_2019-10-04.json")}},
		},
		{
			file: "github_issues_github-api-github-api_closed_page1_2020-01-10.json", sel: "", shape: Shape{Kind: Array, Len: 30, Of: "objects"},
			key: "id", keys: map[string]string{"#.labels": "id"}, label: "title", link: "html_url",
			labels: map[string]string{"#.labels": "name"},
			ignore: []string{"#.updated_at"},
		},
		{
			file: "github_actions_runs_2021-03-25T093707Z.json", sel: "workflow_runs", shape: Shape{Kind: Array, Len: 20, Of: "objects"},
			key: "id", keys: map[string]string{}, label: "", link: "html_url",
			ignore: []string{"#.updated_at"},
			keep:   []string{"#.created_at", "#.head_commit.timestamp", "#.status", "#.conclusion", "#.run_number"},
			later: []later{{name: "093821", file: "github_actions_runs_2021-03-25T093821Z.json",
				added: []string{"686036126", "686038131"}, removed: []string{"676215901", "676231410"}}},
		},
		{
			file: "github_actions_runs_2021-03-25T093821Z.json", sel: "workflow_runs", shape: Shape{Kind: Array, Len: 20, Of: "objects"},
			key: "id", keys: map[string]string{}, link: "html_url", ignore: []string{"#.updated_at"},
		},
		{
			file: "statuspage_githubstatus_summary_2022-11-25.json", sel: "components", shape: Shape{Kind: Array, Len: 11, Of: "objects"},
			key: "id", keys: map[string]string{}, label: "name",
			ignore: []string{"#.updated_at"},
			keep:   []string{"#.status", "#.created_at", "#.position", "#.start_date"},
			later: []later{{name: "a component degraded", edit: func(t *testing.T, v any) any {
				c := obj(arr(obj(v)["components"])[0])
				c["status"], c["updated_at"] = "major_outage", "2022-11-25T16:00:00.000Z"
				obj(obj(v)["page"])["updated_at"] = "2022-11-25T16:00:00.000Z"
				return v
			}, changed: []string{"8l4ygp009s5s"}}},
		},
		{
			file: "calfire_incidents_2021-09-06T1705Z.json", sel: "Incidents", shape: Shape{Kind: Array, Len: 18, Of: "objects"},
			key: "UniqueId", keys: map[string]string{}, label: "Name",
			ignore: []string{"#.Updated"},
			keep:   []string{"#.Started", "#.AcresBurned", "#.PercentContained", "#.ConditionStatement"},
			later: []later{{name: "23:21", file: "calfire_incidents_2021-09-06T2321Z.json",
				// Caballo Fire; Bridge, Lawrence and Caldor Fire (see testdata/api/README.md).
				added:   []string{"6a36efca-0cb1-465f-be4d-06b3e3b528c1"},
				changed: []string{"ff71cd3b-2261-4248-92fa-f24733cfdcfe", "5ddee2f6-f32b-4664-a416-5cf4996290a5", "a21c4d1f-87ed-4db1-85ea-eae41c90a0ac"}}},
		},
		{
			file: "calfire_incidents_2021-09-06T2321Z.json", sel: "Incidents", shape: Shape{Kind: Array, Len: 19, Of: "objects"},
			key: "UniqueId", keys: map[string]string{}, label: "Name", ignore: []string{"#.Updated"},
		},
		{
			// A packument lists every version as a member of "versions":
			// watched as a map, a new version is one added member.
			file: "npm_registry_react_2018-10-25.json", sel: "versions", shape: Shape{Kind: Map, Len: 160, Of: "objects"},
			keys: map[string]string{"*.maintainers": "name", "*.licenses": "url"},
			keep: []string{"*.version", "*.dist.shasum"},
			later: []later{{name: "16.7.0 published", edit: func(t *testing.T, v any) any {
				o := obj(v)
				nv := obj(clone(obj(o["versions"])["16.6.0"]))
				nv["version"] = "16.7.0"
				obj(o["versions"])["16.7.0"] = nv
				obj(o["time"])["16.7.0"], obj(o["time"])["modified"] = "2018-10-26T00:00:00.000Z", "2018-10-26T00:00:00.000Z"
				o["_rev"] = "1178-0123456789abcdef"
				return v
			}, added: []string{`16\.7\.0`}}},
		},
		{
			// Releases by version, each a list of files: a map whose files
			// are keyed by name; download counters are noise.
			file: "pypi_json_pendulum_2018.json", sel: "releases", shape: Shape{Kind: Map, Len: 47, Of: "arrays"},
			keys: map[string]string{"*": "filename"}, links: map[string]string{"*": "url"},
			ignore: []string{"*.#.downloads"},
			keep:   []string{"*.#.upload_time", "*.#.size"},
			later: []later{{name: "2.0.4 released", edit: func(t *testing.T, v any) any {
				o := obj(v)
				rel := obj(o["releases"])
				files := clone(rel["2.0.3"]).([]any)
				for _, f := range files {
					obj(f)["filename"] = strings.ReplaceAll(obj(f)["filename"].(string), "2.0.3", "2.0.4")
				}
				rel["2.0.4"] = files
				for _, fs := range rel {
					for _, f := range arr(fs) {
						obj(f)["downloads"] = json.Number("12")
					}
				}
				o["last_serial"] = json.Number("4117999")
				obj(o["info"])["version"] = "2.0.4"
				return v
			}, added: []string{`2\.0\.4`}}},
		},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			t.Parallel()
			body := testkit.Recording(t, tt.file)
			s, err := Analyze(body, body, "application/json; charset=utf-8")
			if err != nil {
				t.Fatal(err)
			}
			if s.Format != diff.JSON || s.Select != tt.sel || s.Shape != tt.shape || s.Key != tt.key {
				t.Errorf("format %q, select %q, shape %+v, key %q; want json, %q, %+v, %q",
					s.Format, s.Select, s.Shape, s.Key, tt.sel, tt.shape, tt.key)
			}
			if tt.keys != nil && !maps.Equal(s.Keys, tt.keys) {
				t.Errorf("keys %v, want %v", s.Keys, tt.keys)
			}
			if s.Label != tt.label || s.Link != tt.link {
				t.Errorf("label %q, link %q; want %q, %q", s.Label, s.Link, tt.label, tt.link)
			}
			if tt.labels != nil && !maps.Equal(s.Labels, tt.labels) || tt.links != nil && !maps.Equal(s.Links, tt.links) {
				t.Errorf("labels %v, links %v; want %v, %v", s.Labels, s.Links, tt.labels, tt.links)
			}
			if !s.Identical {
				t.Error("the same answer twice is not Identical")
			}
			paths := s.IgnorePaths()
			for _, p := range tt.ignore {
				if !slices.Contains(paths, p) {
					t.Errorf("ignore %q lacks %q", paths, p)
				}
			}
			for _, p := range tt.keep {
				if slices.Contains(paths, p) {
					t.Errorf("ignore %q has %q", paths, p)
				}
			}
			for _, ig := range s.Ignore {
				if ig.Why == "" || ig.Differed != 0 {
					t.Errorf("ignore %+v: from identical answers, each must be named like a volatile field", ig)
				}
			}

			d, err := diff.Compile(s.Options())
			if err != nil {
				t.Fatalf("the suggested options do not compile: %v", err)
			}
			v1 := prepare(t, d, body)
			if v := prepare(t, d, body); v.Sum != v1.Sum {
				t.Error("the same answer twice is a change")
			}
			if v := prepare(t, d, testkit.Mutate(t, body, func(v any) any { return v })); v.Sum != v1.Sum {
				t.Error("the same answer re-encoded is a change")
			}
			for _, l := range tt.later {
				t.Run(l.name, func(t *testing.T) {
					var next []byte
					if l.file != "" {
						next = testkit.Recording(t, l.file)
					} else {
						next = testkit.Mutate(t, body, func(v any) any { return l.edit(t, v) })
					}
					v2 := prepare(t, d, next)
					res, err := d.Diff(diff.JSON, v1.Data, v2.Data)
					if err != nil {
						t.Fatal(err)
					}
					if l.added == nil && l.removed == nil && l.changed == nil {
						if v2.Sum != v1.Sum || res.Counts.Total() != 0 {
							t.Errorf("noise made a change: %v", res.Changes)
						}
						return
					}
					got := map[diff.Op][]string{}
					for _, c := range res.Changes {
						id := c.Key
						if id == "" {
							id = c.Path
						}
						if !slices.Contains(got[c.Op], id) {
							got[c.Op] = append(got[c.Op], id)
						}
					}
					for op, want := range map[diff.Op][]string{diff.Added: l.added, diff.Removed: l.removed, diff.Changed: l.changed} {
						g := slices.Sorted(slices.Values(got[op]))
						w := slices.Sorted(slices.Values(want))
						if !slices.Equal(g, w) {
							t.Errorf("%s: %q, want %q", op, g, w)
						}
					}
				})
			}
		})
	}
}

func issueIDs(t *testing.T, file string) []string {
	var issues []struct {
		ID json.Number `json:"id"`
	}
	if err := json.Unmarshal(testkit.Recording(t, file), &issues); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(issues))
	for i, is := range issues {
		ids[i] = is.ID.String()
	}
	return ids
}

func prepare(t *testing.T, d *diff.Differ, body []byte) diff.Value {
	t.Helper()
	v, err := d.Prepare(diff.JSON, body)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestIgnore_Because(t *testing.T) {
	tests := []struct {
		name string
		why  string
		want string
	}{
		{"timestamp", whyTimestamp, "it moves with every edit, which the other members show"},
		{"counter", whyCounter, "it moves all the time"},
		{"response", whyResponse, "about the answer (when or how it was made), not the data"},
		{"text pattern", "a date and time", ""},
		{"seen to move", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Ignore{Why: tt.why}).Because(); got != tt.want {
				t.Errorf("Because() = %q, want %q", got, tt.want)
			}
		})
	}
}
