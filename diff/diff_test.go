package diff

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestCompile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    Options
		options []string // Option of each error, in order
		msgs    []string // substrings of the joined message
	}{
		{"zero options", Options{}, nil, nil},
		{"full json options", Options{Format: JSON, Select: "items", Key: "id",
			Keys:   map[string]string{"#.variants": "sku", "#.tags": ".", "#.stock": "region,sku"},
			Ignore: []string{"#.updated_at", "#.assets.#.download_count", "*_at", `a\.b`, "0.x"},
			On:     []Op{Added, Changed}, When: "price<100", Include: []string{"patch", "document", "previous"},
			MaxChanges: 10}, nil, nil},
		{"full text options", Options{Format: Text, Select: `version (\S+)`, Ignore: []string{`\d+ ms`},
			On: []Op{Added}, Include: []string{"document", "previous"}}, nil, nil},
		{"unknown format", Options{Format: "xml"}, []string{"format"}, []string{`unknown format "xml"`}},
		{"select bad query", Options{Select: "items.#(id==1"}, []string{"select"}, []string{"select: ", "unbalanced"}},
		{"select unknown modifier", Options{Select: "@nope"}, []string{"select"}, []string{`unknown modifier "@nope"`}},
		{"select empty component", Options{Select: "a..b"}, []string{"select"}, []string{"empty component"}},
		{"select @valid after @fromstr", Options{Select: "a|@fromstr|@valid"}, []string{"select"}, []string{"@valid after @fromstr is not supported"}},
		{"select @pretty after @fromstr", Options{Select: "a.@fromstr.b|@pretty"}, []string{"select"}, []string{"@pretty after @fromstr"}},
		{"select @dig after @fromstr", Options{Select: "a|@fromstr|{x:@dig:id}"}, []string{"select"}, []string{"@dig after @fromstr"}},
		{"select @flatten after @fromstr", Options{Select: `a|@fromstr|@flatten:{"deep":true}`}, []string{"select"}, []string{"@flatten after @fromstr"}},
		{"select paths after @fromstr", Options{Select: "a|@pretty|@fromstr|items.0|@reverse"}, nil, nil},
		{"select trailing dot", Options{Select: "a."}, []string{"select"}, []string{"ends with a separator"}},
		{"select query missing value", Options{Select: "#(a==)"}, []string{"select"}, []string{"missing value"}},
		{"select valid forms", Options{Select: `items.#(tag_name%"v1*")#|@reverse|0.name`}, nil, nil},
		{"select multipath", Options{Select: `{name,"n":a.b,[c,d]}`}, nil, nil},
		{"select bad regexp for text", Options{Format: Text, Select: "a("}, []string{"select"}, []string{"missing closing )"}},
		{"ignore query", Options{Ignore: []string{"ok", "#.(x"}}, []string{"ignore"}, []string{`ignore: element 2 "#.(x": queries are not supported`}},
		{"ignore modifier", Options{Ignore: []string{"@this"}}, []string{"ignore"}, []string{`element 1 "@this"`, "modifiers"}},
		{"ignore pipe", Options{Ignore: []string{"a|b"}}, []string{"ignore"}, []string{"pipes"}},
		{"ignore empty", Options{Ignore: []string{""}}, []string{"ignore"}, []string{"element 1: empty path"}},
		{"ignore bad regexp", Options{Format: Text, Ignore: []string{"[a"}}, []string{"ignore"}, []string{`element 1 "[a"`}},
		{"key nested field", Options{Key: "meta.id"}, []string{"key"}, []string{"top-level"}},
		{"key empty field", Options{Key: "region,"}, []string{"key"}, []string{"empty field"}},
		{"key and keys root", Options{Key: "id", Keys: map[string]string{"": "id"}}, []string{"key"}, []string{"both"}},
		{"keys bad path", Options{Keys: map[string]string{"#.variants.#(sku)": "sku"}}, []string{"keys.#.variants.#(sku)"}, []string{"keys.#.variants.#(sku): path: queries"}},
		{"keys bad key", Options{Keys: map[string]string{"#.variants": "a*"}}, []string{"keys.#.variants"}, []string{"not allowed"}},
		{"key for text", Options{Format: Text, Key: "id", Keys: map[string]string{"x": "y"}, When: "a==1"},
			[]string{"key", "keys", "when"}, []string{"not supported for text"}},
		{"patch for text", Options{Format: Text, Include: []string{"patch"}}, []string{"include"}, []string{"patch"}},
		{"unknown on", Options{On: []Op{"modified"}}, []string{"on"}, []string{`"modified"`}},
		{"bad when", Options{When: "price<"}, []string{"when"}, []string{"missing value"}},
		{"bad when parens", Options{When: "a==1)"}, []string{"when"}, nil},
		{"unknown include", Options{Include: []string{"diff"}}, []string{"include"}, []string{`"diff"`}},
		{"negative max", Options{MaxChanges: -1}, []string{"max_changes"}, []string{"negative"}},
		{"every problem reported", Options{Format: JSON, Select: "a..b", Ignore: []string{"x", "#(y)"},
			On: []Op{"x"}, Include: []string{"y"}, MaxChanges: -2},
			[]string{"select", "ignore", "on", "include", "max_changes"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Compile(tt.opts)
			got := errorOptions(err)
			if strings.Join(got, ",") != strings.Join(tt.options, ",") {
				t.Fatalf("error options = %q, want %q (err: %v)", got, tt.options, err)
			}
			if err == nil {
				if d == nil {
					t.Fatal("nil Differ without error")
				}
				return
			}
			if !containsAll(err.Error(), tt.msgs...) {
				t.Errorf("error %q lacks %q", err, tt.msgs)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, ct, body string
		want           Format
	}{
		{"json media type", "application/json; charset=utf-8", "not json", JSON},
		{"plus json", "application/vnd.github+json", "", JSON},
		{"problem json", "application/problem+JSON", "", JSON},
		{"json body with text type", "text/plain", ` {"a":1} `, JSON},
		{"json body no type", "", "[1,2]", JSON},
		{"text", "text/html", "<html></html>", Text},
		{"truncated json is text", "text/plain", `{"a":`, Text},
		{"empty body", "", "  ", Text},
		{"bad media type", "application/json;;", "", JSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect(tt.ct, []byte(tt.body)); got != tt.want {
				t.Errorf("Detect(%q, %q) = %q, want %q", tt.ct, tt.body, got, tt.want)
			}
		})
	}
}

func TestDiffer_Prepare_errors(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	tests := []struct {
		name  string
		opts  Options
		f     Format
		pages []string
		want  error
		msg   string
	}{
		{"truncated", Options{}, JSON, []string{`{"a":[1,2`}, ErrInvalid, ""},
		{"garbled", Options{}, JSON, []string{`{"a":tru}`}, ErrInvalid, ""},
		{"trailing data", Options{}, JSON, []string{`{"a":1} x`}, ErrInvalid, ""},
		{"empty", Options{}, JSON, []string{""}, ErrInvalid, ""},
		{"control char in string", Options{}, JSON, []string{"[\"a\x01\"]"}, ErrInvalid, ""},
		{"bad escape", Options{}, JSON, []string{`["\x"]`}, ErrInvalid, ""},
		{"leading zero", Options{}, JSON, []string{`[01]`}, ErrInvalid, ""},
		{"bad page among several", Options{}, JSON, []string{`[1]`, `[2`}, ErrInvalid, "page 2"},
		{"deep", Options{}, JSON, []string{deep}, ErrTooDeep, ""},
		{"513 levels", Options{}, JSON, []string{strings.Repeat("[", 513) + strings.Repeat("]", 513)}, ErrTooDeep, ""},
		// What @fromstr makes of a string is checked as the value it
		// selects, not read by a recursive modifier first (Compile
		// refuses those after it): a string of 8 MB of "[" fails the
		// poll, and ended the process when @valid read it.
		{"deep in a string", Options{Select: "a|@fromstr|@this"}, JSON, []string{`{"a":"` + strings.Repeat("[", 8<<20) + `"}`}, ErrTooDeep, ""},
		{"no match", Options{Select: "items"}, JSON, []string{`{"data":[]}`}, ErrNoMatch, ""},
		{"text no match", Options{Format: Text, Select: "v(\\d+)"}, Text, []string{"nothing"}, ErrNoMatch, ""},
		{"auto text with select", Options{Select: "items"}, Text, []string{"hello"}, nil, `set format = "text"`},
		{"auto format", Options{}, Auto, []string{"{}"}, nil, "format must be"},
		{"json to text watch", Options{Format: Text}, JSON, []string{"{}"}, nil, `format = "text"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustCompile(t, tt.opts)
			var pages [][]byte
			for _, p := range tt.pages {
				pages = append(pages, []byte(p))
			}
			_, err := d.Prepare(tt.f, pages...)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v is not %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q lacks %q", err, tt.msg)
			}
		})
	}
}

func TestDiffer_Prepare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     Options
		a, b     []string // pages
		sameSum  bool
		wantData string // Data for a, when set
	}{
		{"key order and whitespace", Options{}, []string{`{"a":1,"b":[1,2]}`}, []string{` { "b" : [ 1 , 2 ] , "a" : 1 } `}, true, ""},
		{"number spelling", Options{}, []string{`[1, 1.0, 1e0, 10e-1, 0.1e1, -0, 0.0, 1.50, 123e-2, 1E+2]`},
			[]string{`[1, 1, 1, 1, 1, 0, 0, 1.5, 1.23, 100]`}, true, ""},
		{"big numbers exact", Options{}, []string{`[12345678901234567890]`}, []string{`[12345678901234567891]`}, false, ""},
		{"string escapes", Options{}, []string{`["\u0041\n\/\ud83d\ude00"]`}, []string{"[\"A\\n/\U0001F600\"]"}, true, ""},
		{"array order counts", Options{}, []string{`[1,2]`}, []string{`[2,1]`}, false, ""},
		{"keyed order does not count", Options{Key: "id"}, []string{`[{"id":1},{"id":2}]`}, []string{`[{"id":2},{"id":1}]`}, true, ""},
		{"keyed duplicates count", Options{Key: "id"}, []string{`[{"id":1}]`}, []string{`[{"id":1},{"id":1}]`}, false, ""},
		{"unkeyed elements of keyed array are ordered", Options{Key: "id"}, []string{`[{"x":1},{"x":2}]`}, []string{`[{"x":2},{"x":1}]`}, false, ""},
		{"set order and duplicates", Options{Key: "."}, []string{`["a","b","a"]`}, []string{`["b","a"]`}, true, ""},
		{"set members count", Options{Key: "."}, []string{`["a","b"]`}, []string{`["a"]`}, false, ""},
		{"nested keys", Options{Keys: map[string]string{"#.v": "sku"}}, []string{`[{"v":[{"sku":1},{"sku":2}]}]`},
			[]string{`[{"v":[{"sku":2},{"sku":1}]}]`}, true, ""},
		{"ignore", Options{Ignore: []string{"#.updated_at", "#.assets.#.download_count"}},
			[]string{`[{"id":1,"updated_at":"x","assets":[{"download_count":1,"n":1}]}]`},
			[]string{`[{"id":1,"updated_at":"y","assets":[{"download_count":9,"n":1}]}]`}, true, ""},
		{"ignore wildcard", Options{Ignore: []string{"*_at"}}, []string{`{"created_at":1,"a":1}`}, []string{`{"created_at":2,"a":1}`}, true, ""},
		{"ignore does not hide other fields", Options{Ignore: []string{"#.updated_at"}}, []string{`[{"a":1}]`}, []string{`[{"a":2}]`}, false, ""},
		{"ignore index", Options{Ignore: []string{"0"}}, []string{`[1,2]`}, []string{`[3,2]`}, true, ""},
		{"select", Options{Select: "items"}, []string{`{"n":1,"items":[1]}`}, []string{`{"n":2,"items":[1]}`}, true, "[1]"},
		{"select query", Options{Select: `items.#(id==2)`}, []string{`{"items":[{"id":1},{"id":2,"x":1}]}`}, []string{`{"items":[{"id":2,"x":1}]}`}, true, `{"id":2,"x":1}`},
		{"pages concatenated", Options{Select: "items", Key: "id"}, []string{`{"items":[{"id":1}]}`, `{"items":[{"id":2}]}`, `{"items":[]}`},
			[]string{`{"items":[{"id":2},{"id":1}]}`}, true, `[{"id":1},{"id":2}]`},
		{"pages with non-array values", Options{Select: "item"}, []string{`{"item":1}`, `{"item":[2,3]}`}, []string{`{"item":[1,2,3]}`}, true, `[1,2,3]`},
		{"whole body data trimmed", Options{}, []string{" {\"a\":1}\n"}, []string{`{"a":1}`}, true, `{"a":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustCompile(t, tt.opts)
			var pa, pb [][]byte
			for _, p := range tt.a {
				pa = append(pa, []byte(p))
			}
			for _, p := range tt.b {
				pb = append(pb, []byte(p))
			}
			va, vb := mustPrepare(t, d, JSON, pa...), mustPrepare(t, d, JSON, pb...)
			if (va.Sum == vb.Sum) != tt.sameSum {
				t.Errorf("sums equal = %v, want %v", va.Sum == vb.Sum, tt.sameSum)
			}
			if tt.wantData != "" && string(va.Data) != tt.wantData {
				t.Errorf("Data = %s, want %s", va.Data, tt.wantData)
			}
		})
	}
}

func TestDiffer_Diff(t *testing.T) {
	t.Parallel()
	rel := func(id int, tag, name string) string {
		return `{"id":` + itoa(id) + `,"tag_name":"` + tag + `","name":"` + name + `","prerelease":false}`
	}
	tests := []struct {
		name string
		opts Options
		old  string
		new  string
		want string // JSON array of changes
	}{
		{"canonical form is no change", Options{}, `{"a":1.0,"b":[1]}`, `{"b":[1e0],"a":1}`, `[]`},
		{"escapes and -0", Options{}, `{"s":"\u0041","z":-0}`, `{"z":0,"s":"A"}`, `[]`},
		{"object fields", Options{}, `{"a":1,"b":2,"c":{"d":true}}`, `{"a":2,"c":{"d":false},"e":[1]}`,
			`[{"op":"changed","path":"a","old":1,"new":2},{"op":"removed","path":"b","old":2},{"op":"changed","path":"c.d","old":true,"new":false},{"op":"added","path":"e","new":[1]}]`},
		{"type change", Options{}, `{"a":{"x":1}}`, `{"a":[1]}`, `[{"op":"changed","path":"a","old":{"x":1},"new":[1]}]`},
		{"root scalar", Options{}, `1`, `2`, `[{"op":"changed","path":"@this","old":1,"new":2}]`},
		{"root type", Options{}, `{}`, `[]`, `[{"op":"changed","path":"@this","old":{},"new":[]}]`},
		{"member names escaped", Options{}, `{"a.b":1,"*":1,"#":1,"@x":1,"":1}`, `{"a.b":2,"*":2,"#":2,"@x":2,"":2}`,
			`[{"op":"changed","path":"a\\.b","old":1,"new":2},{"op":"changed","path":"\\*","old":1,"new":2},{"op":"changed","path":"\\#","old":1,"new":2},{"op":"changed","path":"\\@x","old":1,"new":2},{"op":"changed","path":"","old":1,"new":2}]`},
		{"keyed release prepended", Options{Key: "id"}, `[` + rel(1, "v1", "one") + `]`, `[` + rel(2, "v2", "two") + `,` + rel(1, "v1", "one") + `]`,
			`[{"op":"added","path":"#(id==2)","key":"2","new":` + rel(2, "v2", "two") + `}]`},
		{"keyed reorder is no change", Options{Key: "id"}, `[{"id":1},{"id":2},{"id":3}]`, `[{"id":3},{"id":1},{"id":2}]`, `[]`},
		{"keyed field changes", Options{Key: "id"}, `[{"id":1,"name":"a","x":1},{"id":2}]`, `[{"id":2},{"id":1,"name":"a2","y":2}]`,
			`[{"op":"changed","path":"#(id==1).name","key":"1","old":"a","new":"a2"},{"op":"removed","path":"#(id==1).x","key":"1","old":1},{"op":"added","path":"#(id==1).y","key":"1","new":2}]`},
		{"keyed removed", Options{Key: "id"}, `[{"id":1},{"id":2},{"id":3}]`, `[{"id":1},{"id":3}]`,
			`[{"op":"removed","path":"#(id==2)","key":"2","old":{"id":2}}]`},
		{"string key quoted", Options{Key: "tag_name"}, `[` + rel(1, "v1.2.0", "a") + `]`, `[` + rel(1, "v1.2.0", "b") + `]`,
			`[{"op":"changed","path":"#(tag_name==\"v1.2.0\").name","key":"v1.2.0","old":"a","new":"b"}]`},
		{"numeric key canonical", Options{Key: "id"}, `[{"id":1.0,"v":1}]`, `[{"id":1,"v":2}]`,
			`[{"op":"changed","path":"#(id==1).v","key":"1","old":1,"new":2}]`},
		{"composite key", Options{Key: "region,sku"}, `[{"region":"eu","sku":"a","p":1},{"region":"us","sku":"a","p":1}]`,
			`[{"region":"us","sku":"a","p":1},{"region":"eu","sku":"a","p":2},{"region":"eu","sku":"b","p":3}]`,
			`[{"op":"changed","path":"#(region==\"eu\")#|#(sku==\"a\").p","key":"eu,a","old":1,"new":2},{"op":"added","path":"#(region==\"eu\")#|#(sku==\"b\")","key":"eu,b","new":{"region":"eu","sku":"b","p":3}}]`},
		{"nested keys", Options{Key: "id", Keys: map[string]string{"#.variants": "sku"}},
			`[{"id":1,"variants":[{"sku":"a","price":10},{"sku":"b","price":5}]}]`,
			`[{"id":1,"variants":[{"sku":"b","price":5},{"sku":"a","price":12},{"sku":"c","price":1}]}]`,
			`[{"op":"changed","path":"#(id==1).variants.#(sku==\"a\").price","key":"a","old":10,"new":12},{"op":"added","path":"#(id==1).variants.#(sku==\"c\")","key":"c","new":{"sku":"c","price":1}}]`},
		{"nested keys under unkeyed array", Options{Keys: map[string]string{"#.variants": "sku"}},
			`[{"variants":[{"sku":"a","price":10}]}]`, `[{"variants":[{"sku":"a","price":11}]}]`,
			`[{"op":"changed","path":"0.variants.#(sku==\"a\").price","key":"a","old":10,"new":11}]`},
		{"set", Options{Key: "id", Keys: map[string]string{"#.tags": "."}},
			`[{"id":1,"tags":["a","b","b"]}]`, `[{"id":1,"tags":["c","b"]}]`,
			`[{"op":"added","path":"#(id==1).tags.#(==\"c\")","key":"1","new":"c"},{"op":"removed","path":"#(id==1).tags.#(==\"a\")","key":"1","old":"a"}]`},
		{"set reorder and duplicates", Options{Key: "."}, `[3,1,2,2]`, `[1,2,3]`, `[]`},
		{"top-level set", Options{Key: "."}, `[1,"x"]`, `[1,2]`,
			`[{"op":"removed","path":"#(==\"x\")","key":"x","old":"x"},{"op":"added","path":"#(==2)","key":"2","new":2}]`},
		{"elements lacking the key are positional", Options{Key: "id"}, `[{"id":1},{"x":1},{"x":2}]`, `[{"x":1},{"id":1},{"x":3}]`,
			`[{"op":"changed","path":"2.x","old":2,"new":3}]`},
		{"duplicate keys match in order", Options{Key: "id"}, `[{"id":1,"v":1},{"id":1,"v":2}]`, `[{"id":1,"v":1},{"id":1,"v":3}]`,
			`[{"op":"changed","path":"1.v","key":"1","old":2,"new":3}]`},
		{"string key equal to a number key", Options{Key: "id"}, `[{"id":3,"v":1},{"id":"3","v":1}]`, `[{"id":3,"v":1},{"id":"3","v":2}]`,
			`[{"op":"changed","path":"1.v","key":"3","old":1,"new":2}]`},
		{"unkeyed insert at front", Options{}, `[{"a":1},{"a":2},{"a":3}]`, `[{"a":0},{"a":1},{"a":2},{"a":3}]`,
			`[{"op":"added","path":"0","new":{"a":0}}]`},
		{"unkeyed remove in middle", Options{}, `[1,2,3,4]`, `[1,2,4]`, `[{"op":"removed","path":"2","old":3}]`},
		{"unkeyed gap paired by position", Options{}, `[{"a":1},"x",{"b":1}]`, `[{"a":2},"x",{"b":2},{"c":1}]`,
			`[{"op":"changed","path":"0.a","old":1,"new":2},{"op":"changed","path":"2.b","old":1,"new":2},{"op":"added","path":"3","new":{"c":1}}]`},
		{"unkeyed removed field uses old index", Options{}, `[1,2,{"a":1,"b":1}]`, `[2,{"a":1}]`,
			`[{"op":"removed","path":"0","old":1},{"op":"removed","path":"2.b","old":1}]`},
		{"unkeyed gap pairs different kinds", Options{}, `[9,{"a":1}]`, `[{"b":1}]`,
			`[{"op":"changed","path":"0","old":9,"new":{"b":1}},{"op":"removed","path":"1","old":{"a":1}}]`},
		{"ignored fields never change", Options{Key: "id", Ignore: []string{"#.updated_at", "#.assets.#.download_count"}},
			`[{"id":1,"updated_at":"a","assets":[{"id":5,"download_count":1}]}]`,
			`[{"id":1,"updated_at":"b","assets":[{"id":5,"download_count":7}]}]`, `[]`},
		{"ignored field kept in values", Options{Key: "id", Ignore: []string{"#.updated_at"}},
			`[{"id":1,"updated_at":"a","n":1}]`, `[{"id":1,"updated_at":"b","n":2}]`,
			`[{"op":"changed","path":"#(id==1).n","key":"1","old":1,"new":2}]`},
		{"on added only", Options{Key: "id", On: []Op{Added}}, `[{"id":1,"n":1},{"id":2}]`, `[{"id":1,"n":2},{"id":3}]`,
			`[{"op":"added","path":"#(id==3)","key":"3","new":{"id":3}}]`},
		{"when on element", Options{Key: "id", When: "price<100"},
			`[{"id":1,"price":50},{"id":2,"price":500},{"id":3,"price":5}]`,
			`[{"id":1,"price":60},{"id":2,"price":600},{"id":4,"price":7},{"id":5,"price":700}]`,
			`[{"op":"changed","path":"#(id==1).price","key":"1","old":50,"new":60},{"op":"removed","path":"#(id==3)","key":"3","old":{"id":3,"price":5}},{"op":"added","path":"#(id==4)","key":"4","new":{"id":4,"price":7}}]`},
		{"when uses the new version", Options{Key: "id", When: "prerelease==false"},
			`[{"id":1,"prerelease":true,"name":"a"}]`, `[{"id":1,"prerelease":false,"name":"b"}]`,
			`[{"op":"changed","path":"#(id==1).prerelease","key":"1","old":true,"new":false},{"op":"changed","path":"#(id==1).name","key":"1","old":"a","new":"b"}]`},
		{"when on outer keyed element", Options{Key: "id", When: "prerelease==false"},
			`[{"id":1,"prerelease":false,"assets":[{"n":1}]},{"id":2,"prerelease":true,"assets":[]}]`,
			`[{"id":1,"prerelease":false,"assets":[{"n":2}]},{"id":2,"prerelease":true,"assets":[{"n":1}]}]`,
			`[{"op":"changed","path":"#(id==1).assets.0.n","key":"1","old":1,"new":2}]`},
		{"when on whole value", Options{Select: "", When: "status==\"down\""}, `{"status":"up","n":1}`, `{"status":"down","n":1}`,
			`[{"op":"changed","path":"status","old":"up","new":"down"}]`},
		{"when on unkeyed element", Options{When: "a>1"}, `[{"a":1},{"a":2}]`, `[{"a":1,"b":1},{"a":2,"b":1}]`,
			`[{"op":"added","path":"1.b","new":1}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := diffJSON(t, tt.opts, tt.old, tt.new)
			if got, want := changesJSON(t, r.Changes), compactJSON(t, tt.want); got != want {
				t.Errorf("changes\n got %s\nwant %s", got, want)
			}
			var c Counts
			for _, ch := range r.Changes {
				switch ch.Op {
				case Added:
					c.Added++
				case Removed:
					c.Removed++
				case Changed:
					c.Changed++
				}
			}
			if c != r.Counts || r.Truncated {
				t.Errorf("counts %+v truncated %v, changes count %+v", r.Counts, r.Truncated, c)
			}
		})
	}
}

func itoa(n int) string {
	return strings.TrimSpace(strings.Repeat(" ", 0) + string(rune('0'+n%10)))
}

// TestOptions_Equal: options that differ in any one field are not equal,
// so that watches with different settings never share a compiled Differ
// (config does). It walks Options' fields, so a field added later and
// left out of Equal fails here.
func TestOptions_Equal(t *testing.T) {
	var zero Options
	if !zero.Equal(&Options{Ignore: []string{}, Keys: map[string]string{}}) {
		t.Error("no settings and empty lists and maps differ")
	}
	typ := reflect.TypeOf(zero)
	for i := range typ.NumField() {
		f := typ.Field(i)
		var o Options
		v := reflect.ValueOf(&o).Elem().Field(i)
		switch f.Type.Kind() {
		case reflect.String:
			v.SetString("x")
		case reflect.Int:
			v.SetInt(1)
		case reflect.Slice:
			v.Set(reflect.Append(reflect.MakeSlice(f.Type, 0, 1), reflect.New(f.Type.Elem()).Elem()))
		case reflect.Map:
			v.Set(reflect.MakeMap(f.Type))
			v.SetMapIndex(reflect.New(f.Type.Key()).Elem(), reflect.New(f.Type.Elem()).Elem())
		default:
			t.Fatalf("field %s: kind %s: teach this test (and Equal) about it", f.Name, f.Type.Kind())
		}
		same := o
		if zero.Equal(&o) || o.Equal(&zero) {
			t.Errorf("options with %s set equal the zero options", f.Name)
		}
		if !o.Equal(&same) {
			t.Errorf("options with %s set differ from a copy", f.Name)
		}
	}
}
