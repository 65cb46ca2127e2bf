package diff

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

func TestDiffer_Describe(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		body string
		want Shape
		str  string
	}{
		{
			name: "keyed array of objects",
			o:    Options{Key: "id", Ignore: []string{"#.updated_at", "#.updatd_at"}},
			body: `[{"id":1,"updated_at":"x"},{"id":"b","updated_at":"y"},{"id":1.0},{"name":"no id"}]`,
			want: Shape{Format: JSON, Type: "array", Len: 4, Of: "objects", Key: "id",
				Elements: []Element{{Key: "1"}, {Key: "b"}, {Key: "1"}},
				Unkeyed:  1, Duplicates: 1,
				Ignore: []PathMatches{{Path: "#.updated_at", Matches: 2}, {Path: "#.updatd_at", Matches: 0}},
				Keys:   []PathMatches{{Path: "", Matches: 1}}},
			str: "array of 4 objects keyed by id",
		},
		{
			name: "labels: strings and numbers as written, nothing for other values",
			o:    Options{Key: "id", Label: "name"},
			body: `[{"id":1,"name":"one"},{"id":2,"name":2.50},{"id":3,"name":{"en":"three"}},{"id":4,"name":null},{"id":5}]`,
			want: Shape{Format: JSON, Type: "array", Len: 5, Of: "objects", Key: "id",
				Elements: []Element{{Key: "1", Label: "one"}, {Key: "2", Label: "2.50"}, {Key: "3"}, {Key: "4"}, {Key: "5"}},
				Keys:     []PathMatches{{Path: "", Matches: 1}}},
			str: "array of 5 objects keyed by id",
		},
		{
			name: "no element has the key: a typo",
			o:    Options{Key: "idd"},
			body: `[{"id":1},{"id":2}]`,
			want: Shape{Format: JSON, Type: "array", Len: 2, Of: "objects", Key: "idd", Unkeyed: 2,
				Keys: []PathMatches{{Path: "", Matches: 1}}},
			str: "array of 2 objects, none with key idd",
		},
		{
			name: "preview is cut",
			o:    Options{Key: "n"},
			body: `[{"n":1},{"n":2},{"n":3},{"n":4},{"n":5},{"n":6},{"n":7}]`,
			want: Shape{Format: JSON, Type: "array", Len: 7, Of: "objects", Key: "n",
				Elements: []Element{{Key: "1"}, {Key: "2"}, {Key: "3"}, {Key: "4"}, {Key: "5"}},
				Keys:     []PathMatches{{Path: "", Matches: 1}}},
			str: "array of 7 objects keyed by n",
		},
		{
			name: "composite key and nested keys",
			o:    Options{Key: "region,sku", Keys: map[string]string{"#.variants": "id", "#.tags": ".", "#.nope": "id"}},
			body: `[{"region":"eu","sku":"a","variants":[{"id":1}],"tags":["x"]},{"region":"us","sku":"a","variants":[]}]`,
			want: Shape{Format: JSON, Type: "array", Len: 2, Of: "objects", Key: "region,sku",
				Elements: []Element{{Key: "eu,a"}, {Key: "us,a"}},
				Keys: []PathMatches{{Path: "", Matches: 1}, {Path: "#.nope", Matches: 0},
					{Path: "#.tags", Matches: 1}, {Path: "#.variants", Matches: 2}}},
			str: "array of 2 objects keyed by region,sku",
		},
		{
			name: "set of strings",
			o:    Options{Key: "."},
			body: `["beta","stable","beta"]`,
			want: Shape{Format: JSON, Type: "array", Len: 3, Of: "strings", Key: ".",
				Elements: []Element{{Key: "beta"}, {Key: "stable"}, {Key: "beta"}}, Duplicates: 1,
				Keys: []PathMatches{{Path: "", Matches: 1}}},
			str: "set of 3 strings",
		},
		{
			name: "unkeyed mixed array",
			body: `[1,"a",{"b":2}]`,
			want: Shape{Format: JSON, Type: "array", Len: 3, Of: "values"},
			str:  "array of 3 values, not keyed",
		},
		{
			name: "one element",
			body: `[{"a":1}]`,
			want: Shape{Format: JSON, Type: "array", Len: 1, Of: "objects"},
			str:  "array of 1 object, not keyed",
		},
		{
			name: "empty array",
			o:    Options{Key: "id"},
			body: `[]`,
			want: Shape{Format: JSON, Type: "array", Len: 0, Key: "id", Keys: []PathMatches{{Path: "", Matches: 1}}},
			str:  "empty array keyed by id",
		},
		{
			name: "object: its first members, globbed and escaped ignores",
			o:    Options{Ignore: []string{"*_at", `a\.b`, "page.updated_at"}},
			body: `{"created_at":1,"updated_at":2,"a.b":3,"page":{"updated_at":4},"x":5,"y":6}`,
			want: Shape{Format: JSON, Type: "object", Len: 6,
				Elements: []Element{{Key: "created_at"}, {Key: "updated_at"}, {Key: "a.b"}, {Key: "page"}, {Key: "x"}},
				Ignore:   []PathMatches{{Path: "*_at", Matches: 2}, {Path: `a\.b`, Matches: 1}, {Path: "page.updated_at", Matches: 1}}},
			str: "object of 6 members",
		},
		{
			name: "key on an object matches nothing",
			o:    Options{Key: "id"},
			body: `{"id":1}`,
			want: Shape{Format: JSON, Type: "object", Len: 1, Elements: []Element{{Key: "id"}},
				Keys: []PathMatches{{Path: "", Matches: 0}}},
			str: "object of 1 member",
		},
		{
			name: "scalar",
			body: `"v1.2.0"`,
			want: Shape{Format: JSON, Type: "string"},
			str:  "a string",
		},
		{
			name: "text",
			o:    Options{Format: Text},
			body: "one\ntwo\nthree\n",
			want: Shape{Format: Text, Type: "text", Len: 3},
			str:  "text of 3 lines",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustCompile(t, tt.o)
			f := JSON
			if tt.o.Format == Text {
				f = Text
			}
			v := mustPrepare(t, d, f, []byte(tt.body))
			got := d.Describe(f, v.Data)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Describe =\n %+v\nwant\n %+v", got, tt.want)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("String() = %q, want %q", s, tt.str)
			}
			if _, err := json.Marshal(got); err != nil {
				t.Errorf("a Shape does not encode: %v", err)
			}
		})
	}
}

// TestDiffer_Describe_RealData: the shape of a recorded GitHub releases
// answer, as pollhook once --dry-run shows it.
func TestDiffer_Describe_RealData(t *testing.T) {
	body, err := os.ReadFile("../testdata/api/github_releases_github-hub_2019-10-03.json")
	if err != nil {
		t.Fatal(err)
	}
	d := mustCompile(t, Options{Key: "id", Keys: map[string]string{"#.assets": "id"}, Label: "name",
		Ignore: []string{"#.assets.#.download_count", "#.reactions"}})
	v := mustPrepare(t, d, JSON, body)
	s := d.Describe(JSON, v.Data)
	if s.String() != "array of 30 objects keyed by id" || s.Unkeyed != 0 || s.Duplicates != 0 {
		t.Errorf("shape %+v (%s)", s, s)
	}
	want := []Element{{"20432197", "hub 2.12.8"}, {"20175981", "hub 2.12.7"}, {"20157427", "hub 2.12.6"},
		{"20157262", "hub 2.12.5"}, {"19821302", "hub 2.12.4"}}
	if !reflect.DeepEqual(s.Elements, want) {
		t.Errorf("elements %+v, want %+v", s.Elements, want)
	}
	if s.Ignore[0].Matches == 0 || s.Ignore[1].Matches != 0 {
		t.Errorf("ignore matches %+v: want download counts found and #.reactions not", s.Ignore)
	}
	if s.Keys[1] != (PathMatches{Path: "#.assets", Matches: 30}) {
		t.Errorf("keys matches %+v", s.Keys)
	}
}
