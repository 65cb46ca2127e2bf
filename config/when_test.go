package config

import (
	"strings"
	"testing"

	"github.com/pollhook/pollhook/diff"
)

// TestParse_WhenErrors checks that a when condition that does not compile
// is an error at its line, whichever form it has.
func TestParse_WhenErrors(t *testing.T) {
	const head = "[[watch]]\nname = \"ok\"\nurl = \"https://x.example/\"\nkey = \"id\"\nwhen = \"old.price >= 100 && new.price < 100\"\n\n"
	tests := []struct {
		name, src string
		want      []string
	}{
		{"expression syntax", head + "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nwhen = \"old.price >=\"\n",
			[]string{`c.toml:10: watch "a": when: "old.price >=": unexpected token EOF (column 12)`}},
		{"unknown name", head + "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\n\nwhen = 'new.price < 100 && stock > 0'\n",
			[]string{`c.toml:11: watch "a": when: "new.price < 100 && stock > 0": unknown name stock (column 20)`}},
		{"not a boolean", head + "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nwhen = 'new != nil ? \"x\" : \"y\"'\n",
			[]string{`c.toml:10: watch "a": when:`, "expected bool, but got string"}},
		{"arithmetic", head + "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nwhen = \"new.price + 1\"\n",
			[]string{`c.toml:10: watch "a": when: "new.price + 1": expected bool, but "+" gives a number, a string or a list`}},
		{"multi-line expression", head + "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nwhen = '''\nold.price >= 100 &&\n  new.price < \n'''\n",
			[]string{`c.toml:10: watch "a": when:`, "unexpected token EOF (line 2, column 15)"}},
		{"gjson query", head + "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nwhen = \"price<\"\n",
			[]string{`c.toml:10: watch "a": when: query "price<": missing value`}},
		{"gjson query on text", head + "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nformat = \"text\"\nwhen = \"price<100\"\n",
			[]string{`c.toml:11: watch "a": when: a gjson condition is not supported for text watches`}},
		{"two watches", head + "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nwhen = \"new.\"\n\n[[watch]]\nname = \"b\"\nurl = \"https://x.example/\"\nwhen = \"old ==\"\n",
			[]string{`c.toml:10: watch "a": when: "new.":`, `c.toml:15: watch "b": when: "old ==":`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(tt.src), env(nil))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nwant %q in it", err, w)
				}
			}
			if strings.Contains(err.Error(), `watch "ok"`) {
				t.Errorf("the good watch is reported: %v", err)
			}
		})
	}
}

// TestParse_WhenExpression checks that a watch's expression is compiled
// with the configuration: its Differ fires on a crossing only.
func TestParse_WhenExpression(t *testing.T) {
	src := "[[watch]]\nname = \"shop\"\nurl = \"https://x.example/\"\nkey = \"id\"\nwhen = \"old.price >= 100 && new.price < 100\"\n"
	cfg, err := Parse("c.toml", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Watch("shop").Differ
	for _, c := range []struct {
		old, new string
		fired    int
	}{
		{`[{"id":1,"price":120}]`, `[{"id":1,"price":95}]`, 1},
		{`[{"id":1,"price":95}]`, `[{"id":1,"price":90}]`, 0},
	} {
		r, err := d.Diff(diff.JSON, []byte(c.old), []byte(c.new))
		if err != nil {
			t.Fatal(err)
		}
		if r.Counts.Total() != c.fired {
			t.Errorf("%s → %s: fired %d, want %d", c.old, c.new, r.Counts.Total(), c.fired)
		}
	}
}
