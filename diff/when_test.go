package diff

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/pollhook/pollhook/internal/testkit"
)

// whenCase is one element of a keyed array (key "id"), its versions
// before and after a poll ("" for none), and whether its change fires.
type whenCase struct {
	name     string
	old, new string
	fires    bool
}

// whenForms says what each when condition means, by cases. Every
// condition the when section of docs/configuration.md shows must be here.
var whenForms = map[string][]whenCase{
	"prerelease==false": {
		{"kept release", `{"id":1,"prerelease":false,"n":1}`, `{"id":1,"prerelease":false,"n":2}`, true},
		{"kept prerelease", `{"id":1,"prerelease":true,"n":1}`, `{"id":1,"prerelease":true,"n":2}`, false},
		{"prerelease becomes a release", `{"id":1,"prerelease":true}`, `{"id":1,"prerelease":false}`, true},
		{"release becomes a prerelease", `{"id":1,"prerelease":false}`, `{"id":1,"prerelease":true}`, false},
		{"added release", "", `{"id":1,"prerelease":false}`, true},
		{"added prerelease", "", `{"id":1,"prerelease":true}`, false},
		{"added, no such member", "", `{"id":1}`, false},
		{"removed release: its old version", `{"id":1,"prerelease":false}`, "", true},
		{"removed prerelease", `{"id":1,"prerelease":true}`, "", false},
	},
	"price<100": {
		{"cheap, price changed", `{"id":1,"price":50}`, `{"id":1,"price":60}`, true},
		{"expensive, price changed", `{"id":1,"price":500}`, `{"id":1,"price":600}`, false},
		{"drops below", `{"id":1,"price":150}`, `{"id":1,"price":90}`, true},
		{"rises above", `{"id":1,"price":90}`, `{"id":1,"price":150}`, false},
		{"decimal", `{"id":1,"price":99.5,"n":1}`, `{"id":1,"price":99.5,"n":2}`, true},
		{"added cheap", "", `{"id":1,"price":5}`, true},
		{"removed expensive", `{"id":1,"price":500}`, "", false},
	},
	`status!="operational"`: {
		{"goes down", `{"id":1,"status":"operational"}`, `{"id":1,"status":"major_outage"}`, true},
		{"comes back", `{"id":1,"status":"major_outage"}`, `{"id":1,"status":"operational"}`, false},
		{"stays up, renamed", `{"id":1,"status":"operational","name":"a"}`, `{"id":1,"status":"operational","name":"b"}`, false},
		{"added, no status: a missing member matches no comparison", "", `{"id":1}`, false},
	},
	"old.price >= 100 && new.price < 100": {
		{"crosses below", `{"id":1,"price":150}`, `{"id":1,"price":99.99}`, true},
		{"from exactly 100", `{"id":1,"price":100}`, `{"id":1,"price":99}`, true},
		{"already below", `{"id":1,"price":90}`, `{"id":1,"price":80}`, false},
		{"stays above", `{"id":1,"price":150}`, `{"id":1,"price":120}`, false},
		{"crosses above", `{"id":1,"price":90}`, `{"id":1,"price":150}`, false},
		{"other member changes, price low", `{"id":1,"price":90,"n":1}`, `{"id":1,"price":90,"n":2}`, false},
		{"added: old is nil, a run-time error", "", `{"id":1,"price":90}`, false},
		{"removed: new is nil", `{"id":1,"price":150}`, "", false},
		{"price a string", `{"id":1,"price":"150"}`, `{"id":1,"price":"90"}`, false},
	},
	"new.price <= old.price * 0.9": {
		{"drops by 10%", `{"id":1,"price":100}`, `{"id":1,"price":90}`, true},
		{"drops by 50%", `{"id":1,"price":100}`, `{"id":1,"price":50}`, true},
		{"drops by 5%", `{"id":1,"price":100}`, `{"id":1,"price":95}`, false},
		{"rises", `{"id":1,"price":100}`, `{"id":1,"price":150}`, false},
		{"price missing in the new version", `{"id":1,"price":100}`, `{"id":1}`, false},
	},
	"old.status != 'outage' && new.status == 'outage'": {
		{"goes down", `{"id":1,"status":"operational"}`, `{"id":1,"status":"outage"}`, true},
		{"had no status", `{"id":1}`, `{"id":1,"status":"outage"}`, true},
		{"stays down", `{"id":1,"status":"outage","n":1}`, `{"id":1,"status":"outage","n":2}`, false},
		{"comes back", `{"id":1,"status":"outage"}`, `{"id":1,"status":"operational"}`, false},
		{"added down: old is nil", "", `{"id":1,"status":"outage"}`, false},
	},
	`op == "added" && new.price < 100 || op == "changed" && old.price >= 100 && new.price < 100`: {
		{"added cheap", "", `{"id":1,"price":90}`, true},
		{"added dear", "", `{"id":1,"price":190}`, false},
		{"crosses below", `{"id":1,"price":150}`, `{"id":1,"price":90}`, true},
		{"removed", `{"id":1,"price":90}`, "", false},
	},
	"old?.status != new?.status": {
		{"status changes", `{"id":1,"status":"a"}`, `{"id":1,"status":"b"}`, true},
		{"something else changes", `{"id":1,"status":"a","n":1}`, `{"id":1,"status":"a","n":2}`, false},
		{"added", "", `{"id":1,"status":"a"}`, true},
		{"removed", `{"id":1,"status":"a"}`, "", true},
	},
	`\new==true`: { // a gjson condition on a member called new
		{"new member true", `{"id":1,"new":true,"n":1}`, `{"id":1,"new":true,"n":2}`, true},
		{"new member false", `{"id":1,"new":false,"n":1}`, `{"id":1,"new":false,"n":2}`, false},
		{"added", "", `{"id":1,"new":true}`, true},
	},
	`name%"*Fire"`: {
		{"matches", `{"id":1,"name":"Campfire","v":1}`, `{"id":1,"name":"CampFire","v":2}`, true},
		{"does not match", `{"id":1,"name":"Water","v":1}`, `{"id":1,"name":"Water","v":2}`, false},
		{"added match", "", `{"id":1,"name":"Wildfire Fire"}`, true},
	},
}

// TestWhen_forms checks what each when condition means.
func TestWhen_forms(t *testing.T) {
	for form, cases := range whenForms {
		for _, c := range cases {
			t.Run(form+"/"+c.name, func(t *testing.T) {
				r := diffJSON(t, Options{Key: "id", When: form}, "["+c.old+"]", "["+c.new+"]")
				if r.Found.Total() == 0 {
					t.Fatal("the case changes nothing")
				}
				if fired := r.Counts.Total() > 0; fired != c.fires {
					t.Errorf("fired %v (%d of %d changes), want %v", fired, r.Counts.Total(), r.Found.Total(), c.fires)
				}
				if r.Found.Total() != r.Counts.Total()+r.NotWhen {
					t.Errorf("found %d, fired %d, not when %d", r.Found.Total(), r.Counts.Total(), r.NotWhen)
				}
			})
		}
	}
}

// TestWhen_documented checks that every condition the documentation of
// when shows is one whenForms or wholeCases says the meaning of.
func TestWhen_documented(t *testing.T) {
	forms := documentedWhens(t)
	if len(forms) < 4 {
		t.Fatalf("found %d conditions in the when section: %q", len(forms), forms)
	}
	for _, f := range forms {
		_, ok := whenForms[f]
		for _, c := range wholeCases {
			ok = ok || c.opts.When == f
		}
		if !ok {
			t.Errorf("documented condition %q has no cases in whenForms or wholeCases", f)
		}
	}
}

// documentedWhens are the values of the `when = ...` lines in the TOML
// blocks of the when section of docs/configuration.md.
func documentedWhens(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(testkit.DocSection(t, "docs/configuration.md", "#### `when`"), "\n") {
		if !strings.HasPrefix(line, "when = ") {
			continue
		}
		var v struct{ When string }
		if _, err := toml.Decode(line, &v); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		out = append(out, v.When)
	}
	return out
}

// TestWhen_env checks what an expression sees of a change: op, key,
// label and path, and old and new as decoded JSON.
func TestWhen_env(t *testing.T) {
	old := `[{"id":1,"tag":"v1","n":1,"tags":["a"]},{"id":2,"tag":"v2"}]`
	new := `[{"id":1,"tag":"v1","n":2,"tags":["a","b"]},{"id":3,"tag":"v3","x":{"y":[1,2.5,"z",true,null]}}]`
	tests := []struct {
		when string
		want string // the paths of the changes that fire
	}{
		{`op == "added" && new != nil`, "#(id==1).tags.1 #(id==3)"},
		{`op == "removed" && old.id == 2`, "#(id==2)"},
		{`key == "1" && new != nil`, "#(id==1).n #(id==1).tags.1"},
		{`label == "v3" && new != nil`, "#(id==3)"},
		{`path == "#(id==1).n" && new != nil`, "#(id==1).n"},
		{`path endsWith ".n" && new.n - old.n == 1`, "#(id==1).n"},
		{`new?.x?.y == [1, 2.5, "z", true, nil]`, "#(id==3)"},
		{`"b" in new?.tags`, "#(id==1).n #(id==1).tags.1"},
		{`len(new?.tags ?? []) > len(old?.tags ?? [])`, "#(id==1).n #(id==1).tags.1"},
		{`type(old) == "nil" || type(new) == "nil"`, "#(id==2) #(id==3)"},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			r := diffJSON(t, Options{Key: "id", Label: "tag", When: tt.when}, old, new)
			var got []string
			for _, c := range r.Changes {
				got = append(got, c.Path)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("fired %q, want %q", g, tt.want)
			}
			if r.WhenErrs != nil {
				t.Errorf("run-time error %v", r.WhenErrs)
			}
		})
	}
}

// TestWhen_runtimeErrors checks that a change on which an expression
// fails does not fire, and that the result says so once, for the caller
// to log.
func TestWhen_runtimeErrors(t *testing.T) {
	tests := []struct {
		name, when, old, new string
		fired, failed        int
		err                  string
		op                   Op
		key                  string
	}{
		{"old is nil for added elements", "old.price >= 100 && new.price < 100",
			`[{"id":1,"price":150}]`, `[{"id":1,"price":90},{"id":2,"price":1},{"id":3,"price":2}]`,
			1, 2, "when: cannot fetch price from <nil> (column 5)", Added, "2"},
		{"a missing member is nil", "new.price < 100",
			`[{"id":1,"price":150}]`, `[{"id":1}]`, 0, 1, "when: invalid operation: <nil> < int (column 11)", Removed, "1"},
		{"wrong type", "new.price < 100",
			`[{"id":1,"price":150}]`, `[{"id":1,"price":"90"}]`, 0, 1, "when: invalid operation: string < int (column 11)", Changed, "1"},
		{"not a boolean", "new.on",
			`[{"id":1,"on":true}]`, `[{"id":1,"on":"yes"}]`, 0, 1, "when: invalid operation: bool(string) (column 1)", Changed, "1"},
		{"bounded", "len(repeat(new.s, 2000000)) > 0",
			`[{"id":1,"s":"a"}]`, `[{"id":1,"s":"b"}]`, 0, 1, "when: memory budget exceeded (column 5)", Changed, "1"},
		{"none", "new.price < 100", `[{"id":1,"price":150}]`, `[{"id":1,"price":90}]`, 1, 0, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := diffJSON(t, Options{Key: "id", When: tt.when}, tt.old, tt.new)
			if tt.err != "" && len(r.WhenErrs) != 1 {
				t.Errorf("%d distinct failures %v, want 1", len(r.WhenErrs), r.WhenErrs)
			}
			if r.Counts.Total() != tt.fired || r.WhenFailed != tt.failed {
				t.Errorf("fired %d, failed %d; want %d, %d", r.Counts.Total(), r.WhenFailed, tt.fired, tt.failed)
			}
			if r.Found.Total() != r.Counts.Total()+r.NotWhen || r.NotWhen < r.WhenFailed {
				t.Errorf("found %d, fired %d, not when %d, failed %d", r.Found.Total(), r.Counts.Total(), r.NotWhen, r.WhenFailed)
			}
			if tt.err == "" {
				if r.WhenErrs != nil {
					t.Errorf("errors %v", r.WhenErrs)
				}
				return
			}
			if e := r.WhenErrs[0]; e.Error() != tt.err || e.Op != tt.op || e.Key != tt.key {
				t.Errorf("error %#v, want %q on %s %s", e, tt.err, tt.op, tt.key)
			}
		})
	}
}

// TestWhen_distinctErrors: a diff keeps the first change of each distinct
// failure, in the order met, and at most MaxWhenErrs of them, however
// many changes fail.
func TestWhen_distinctErrors(t *testing.T) {
	old := `[{"id":1,"price":150},{"id":2,"price":150}]`
	r := diffJSON(t, Options{Key: "id", When: "old.price >= 100 && new.price < 100"}, old,
		`[{"id":1,"price":"90"},{"id":2,"price":"80"},{"id":3,"price":1},{"id":4,"price":2}]`)
	var got []string
	for _, e := range r.WhenErrs {
		got = append(got, fmt.Sprintf("%s %s: %v", e.Op, e.Key, e))
	}
	want := []string{"changed 1: when: invalid operation: string < int (column 31)",
		"added 3: when: cannot fetch price from <nil> (column 5)"}
	if r.WhenFailed != 4 || !slices.Equal(got, want) {
		t.Errorf("failed %d, errors %q; want 4, %q", r.WhenFailed, got, want)
	}

	var many strings.Builder
	many.WriteString("[")
	for i := range 3 * MaxWhenErrs {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `{"id":%d,"s":"x%d"}`, i, i)
	}
	many.WriteString("]")
	r = diffJSON(t, Options{Key: "id", When: "int(new.s) > 0"}, `[]`, many.String())
	if r.WhenFailed != 3*MaxWhenErrs || len(r.WhenErrs) != MaxWhenErrs || r.WhenErrs[1].Key != "1" {
		t.Errorf("failed %d, errors %v; want %d, the first %d", r.WhenFailed, r.WhenErrs, 3*MaxWhenErrs, MaxWhenErrs)
	}
}

// wholeCases are expressions where old and new are the whole selected
// values: an unkeyed scalar, the root object, a text watch.
var wholeCases = []struct {
	name     string
	opts     Options
	format   Format
	old, new string
	fired    Counts
}{
	{"selected count rises", Options{Select: "count", When: "new > old"}, JSON, `{"count":3}`, `{"count":4}`, Counts{Changed: 1}},
	{"selected count falls", Options{Select: "count", When: "new > old"}, JSON, `{"count":3}`, `{"count":2}`, Counts{}},
	{"root object", Options{When: "new.count > old.count"}, JSON, `{"count":3,"x":1}`, `{"x":2,"count":4}`, Counts{Changed: 2}},
	{"root object, count falls", Options{When: "new.count > old.count"}, JSON, `{"count":3,"x":1}`, `{"x":2,"count":2}`, Counts{}},
	{"unkeyed elements", Options{When: "new.n > old.n"}, JSON, `[{"n":1},{"n":5}]`, `[{"n":2},{"n":4}]`, Counts{Changed: 1}},
	{"text appears", Options{Format: Text, When: `new contains "SOLD OUT" && !(old contains "SOLD OUT")`}, Text,
		"Widget\nin stock\n", "Widget\nSOLD OUT\n", Counts{Added: 1, Removed: 1}},
	{"text stays", Options{Format: Text, When: `new contains "SOLD OUT" && !(old contains "SOLD OUT")`}, Text,
		"SOLD OUT\nx\n", "SOLD OUT\ny\n", Counts{}},
	{"text price drops", Options{Format: Text, Select: `Price: (\d+)`, When: "float(new) <= float(old) * 0.9"}, Text,
		"<b>Price: 100</b>", "<b>Price: 85</b>", Counts{Added: 1, Removed: 1}},
	{"text by line", Options{Format: Text, When: `op == "added" && path == "2" && new != old`}, Text,
		"a\nb\n", "a\nc\nd\n", Counts{Added: 1}},
}

// TestWhen_wholeValues checks expressions where old and new are the whole
// selected values: an unkeyed scalar, the root object, a text watch.
func TestWhen_wholeValues(t *testing.T) {
	for _, tt := range wholeCases {
		t.Run(tt.name, func(t *testing.T) {
			d := mustCompile(t, tt.opts)
			vo, vn := mustPrepare(t, d, tt.format, []byte(tt.old)), mustPrepare(t, d, tt.format, []byte(tt.new))
			r, err := d.Diff(tt.format, vo.Data, vn.Data)
			if err != nil {
				t.Fatal(err)
			}
			if r.Counts != tt.fired || r.WhenErrs != nil {
				t.Errorf("fired %+v (found %+v, error %v), want %+v", r.Counts, r.Found, r.WhenErrs, tt.fired)
			}
		})
	}
}

// TestWhen_bothWays checks that expressions see the same changes however
// objects and arrays are compared, a path read from a wide object too.
func TestWhen_bothWays(t *testing.T) {
	runBothWays(t, []bothWaysCase{
		{"path of object members", Options{When: `path endsWith "b" || new?.a == 2`},
			`{"a":1,"b":1,"ab":1,"c":{"b":1}}`, `{"a":2,"ab":2,"c":{"b":2},"d":1}`},
		{"keyed elements", Options{Key: "id", When: `op != "changed" || new.v > old.v`, MaxChanges: 2},
			`[{"id":1,"v":1},{"id":2,"v":2},{"id":3,"v":3}]`, `[{"id":1,"v":2},{"id":2,"v":1},{"id":4,"v":5},{"id":5,"v":0}]`},
		{"unkeyed elements", Options{When: `new?.a > old?.a || path == "2"`}, `[{"a":1},{"a":2},{"a":3}]`, `[{"a":2,"b":1},{"a":2,"b":1},{"a":4}]`},
		{"run-time errors", Options{Key: "id", When: `new.v > old.v`}, `[{"id":1,"v":1},{"id":2}]`, `[{"id":1,"v":"x"},{"id":3}]`},
	})
}

// TestIsExpression pins the rule that tells the two forms apart: a
// condition naming old or new is an expression.
func TestIsExpression(t *testing.T) {
	tests := []struct {
		when string
		want bool
	}{
		{"prerelease==false", false},
		{"price<100", false},
		{`status!="operational"`, false},
		{`name%"*Fire"`, false},
		{`name=="old"`, false},
		{`name=="say \"new\""`, false},
		{"item.new==1", false},
		{"\\new==true", false},
		{"\\new.price<3", false},
		{"old_price<100", false},
		{"renewal>3", false},
		{`op=="added"`, false},
		{`key=="PROJ-1"`, false},
		{"new.price < 100", true},
		{"new==true", true},
		{"old.price >= 100 && new.price < 100", true},
		{"op == 'added' || new.n>old.n", true},
		{`'x' in new.tags`, true},
		{"(new)", true},
		{"items.#(new==true)", true},
	}
	for _, tt := range tests {
		if got := isExpression(tt.when); got != tt.want {
			t.Errorf("isExpression(%q) = %v, want %v", tt.when, got, tt.want)
		}
	}
}

// TestCompile_when checks the errors Compile gives for a when condition.
func TestCompile_when(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		err  string // "" for none
	}{
		{"expression", Options{When: "new.price < old.price"}, ""},
		{"expression on text", Options{Format: Text, When: "new != old"}, ""},
		{"gjson query on text", Options{Format: Text, When: "price<100"},
			"when: a gjson condition is not supported for text watches: write an expression naming old or new"},
		{"syntax", Options{When: "old.price >="}, `when: "old.price >=": unexpected token EOF (column 12)`},
		{"unknown name", Options{When: "new.price < 100 && price > 3"},
			`when: "new.price < 100 && price > 3": unknown name price (column 20) (an expression reads the element's members through old and new: "new.price")`},
		{"gjson on a member called new", Options{When: "items.#(new==true)"},
			`when: "items.#(new==true)": expected name (column 8) (a gjson condition on a member called old or new writes it \old or \new)`},
		{"arithmetic is not a boolean", Options{When: `new.n + 1`}, `when: "new.n + 1": expected bool, but "+" gives a number, a string or a list`},
		{"a sign is not a boolean", Options{When: `-new.n`}, `when: "-new.n": expected bool, but a sign ("-") gives a number`},
		{"a default that is not a boolean", Options{When: `new.n ?? 0`}, `when: "new.n ?? 0": expected bool, but got int`},
		{"a branch that is not a boolean", Options{When: `new.a ? new.b : old.n * 2`}, `when: "new.a ? new.b : old.n * 2": expected bool, but "*" gives a number`},
		{"a member may be a boolean", Options{When: `new.draft`}, ""},
		{"a default that may be a boolean", Options{When: `new.draft ?? false`}, ""},
		{"arithmetic compared", Options{When: `new.n + 1 > old.n`}, ""},
		{"a string is not a boolean", Options{When: `new != nil ? "x" : "y"`}, "expected bool, but got string"},
		{"no clock", Options{When: "new.t > now()"}, `when: "new.t > now()": unknown name now (column 9) (a condition does not read the clock)`},
		{"too long", Options{When: "new.a" + strings.Repeat(" + new.a", 600) + " > 0"}, "expression exceeds maximum allowed nodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.opts)
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("error %v, want %q", err, tt.err)
			}
		})
	}
}

// TestWhen_concurrent shares a Differ with an expression between
// goroutines (run with -race): each Diff runs it on a VM of its own.
func TestWhen_concurrent(t *testing.T) {
	t.Parallel()
	d := mustCompile(t, Options{Key: "id", When: "op == 'added' || new.n > old.n"})
	old, new := []byte(`[{"id":1,"n":1},{"id":2,"n":2}]`), []byte(`[{"id":2,"n":1},{"id":1,"n":3},{"id":3}]`)
	errs := make(chan string, 4)
	for range 4 {
		go func() {
			msg := ""
			for range 200 {
				r, err := d.Diff(JSON, old, new)
				if err != nil || r.Counts != (Counts{Added: 1, Changed: 1}) || r.WhenErrs != nil {
					msg = fmt.Sprintf("%+v %v", r, err)
					break
				}
			}
			errs <- msg
		}()
	}
	for range 4 {
		if msg := <-errs; msg != "" {
			t.Error(msg)
		}
	}
}

// TestWhen_members checks that decoding only the members an expression
// reads gives the results of decoding the whole versions.
func TestWhen_members(t *testing.T) {
	old := `[{"id":1,"p":1,"p":2,"a":{"b":[1]}},{"id":2,"p":"x"},{"id":3,"p":[1]},{"id":4,"q":1},` +
		`{"id":6,"a.b":1,"*":1,"@this":1,"#":1,"0":1,"\u00e9":1,"":1},[{"p":1}]]`
	new := `[{"id":1,"p":3,"a":{"b":[2]}},{"id":2,"p":"y"},{"id":3,"p":[2]},{"id":4,"q":2},{"id":5},` +
		`{"id":6,"a.b":2,"*":2,"@this":2,"#":2,"0":2,"é":2,"":2},[{"p":2}]]`
	for _, when := range []string{
		"new.p > old.p",
		`new?.a?.b?.[0] > old?.a?.b?.[0]`,
		`old["p"] != new["p"]`,
		"old?.q == nil",
		`new.p == "y" || old.p == 2`,
		`new["a.b"] > old["a.b"]`,
		`new["*"] > old["*"] || new["@this"] > old["@this"]`,
		`new["#"] > old["#"] && new["0"] > old["0"]`,
		`new["é"] > old["é"]`,
	} {
		t.Run(when, func(t *testing.T) {
			pruned := mustCompile(t, Options{Key: "id", When: when})
			if pruned.expr.members == nil {
				t.Fatal("reads the versions whole")
			}
			if r, err := pruned.Diff(JSON, []byte(old), []byte(new)); err != nil || r.Counts.Total() == 0 {
				t.Errorf("nothing fires: %+v %v", r, err)
			}
			whole := mustCompile(t, Options{Key: "id", When: when})
			whole.expr = &whenExpr{prog: whole.expr.prog, old: true, new: true, whole: true}
			a, err := pruned.Diff(JSON, []byte(old), []byte(new))
			if err != nil {
				t.Fatal(err)
			}
			b, err := whole.Diff(JSON, []byte(old), []byte(new))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v", a) != fmt.Sprintf("%+v", b) {
				t.Errorf("members only:\n%+v\nwhole:\n%+v", a, b)
			}
		})
	}
}

// TestWhen_emptyName checks that a member called "" is read, by decoding
// the versions whole (gjson has no path to it).
func TestWhen_emptyName(t *testing.T) {
	d := mustCompile(t, Options{Key: "id", When: `new[""] > old[""]`})
	if d.expr.members != nil {
		t.Errorf("members %v", d.expr.members)
	}
	r, err := d.Diff(JSON, []byte(`[{"id":1,"":1}]`), []byte(`[{"id":1,"":2}]`))
	if err != nil || r.Counts.Changed != 1 {
		t.Errorf("%+v %v", r, err)
	}
}
