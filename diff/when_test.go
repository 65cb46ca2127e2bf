package diff

import (
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
// when shows is one whenForms says the meaning of.
func TestWhen_documented(t *testing.T) {
	forms := documentedWhens(t)
	if len(forms) < 4 {
		t.Fatalf("found %d conditions in the when section: %q", len(forms), forms)
	}
	for _, f := range forms {
		if _, ok := whenForms[f]; !ok {
			t.Errorf("documented condition %q has no cases in whenForms", f)
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
