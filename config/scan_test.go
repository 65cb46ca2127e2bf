package config

import (
	"strconv"
	"strings"
	"testing"
)

// TestParse_LinesAfterMultiLineStrings: an error is placed at its line
// whatever multi-line strings come before it, their lines included: one
// whose first line ends in an escaped quote, one in an array, one whose
// lines look like headers and keys.
func TestParse_LinesAfterMultiLineStrings(t *testing.T) {
	for _, tc := range []struct {
		name, before string
	}{
		{"an escaped quote on the first line", "method = \"POST\"\nbody = \"\"\"{\"q\": \"\\\"\"\"\n[[watch]]\nschedul = 1\n\"\"\"\n"},
		{"in an array", "ignore = [\n\"\"\"\n[[watch]]\nschedul = 1\n\"\"\",\n]\n"},
		{"literal, with header lines", "method = \"POST\"\nbody = '''\n[defaults]\nschedul = 1\n'''\n"},
		{"after a header's comment", "[watch.paginate] # \"\"\"\nnext = \"link\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "[[watch]]\nname = \"a\"\nurl = \"https://api.example/a\"\n" + tc.before + "\n[[watch]]\nname = \"b\"\nurl = \"https://api.example/b\"\nschedul = \"@every 1m\"\n"
			line := strings.Count(src, "\n") // the last line's
			_, err := Parse("c.toml", []byte(src), env(nil))
			want := "c.toml:" + strconv.Itoa(line) + `: watch "b": schedul: unknown key`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("errors:\n%v\nwant %s", err, want)
			}
		})
	}
}

// TestParse_UnknownTablesPlaced: a table nothing reads is placed at its
// first header, whether it is an array of tables or defined only by a
// sub-table.
func TestParse_UnknownTablesPlaced(t *testing.T) {
	src := "db = \"x.db\"\n\n[[targt]]\nname = \"a\"\n\n[bar.baz]\nx = 1\n\n[[watch]]\nname = \"w\"\nurl = \"https://api.example/\"\nerrors_to = []\n"
	_, err := Parse("c.toml", []byte(src), env(nil))
	for _, want := range []string{"c.toml:3: targt: unknown key", "c.toml:6: bar: unknown key"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("errors:\n%v\nwant %s", err, want)
		}
	}
}

// TestParse_SyntaxErrorNamesItsWatch: a syntax error in a watch names
// the watch by its name, in a file of CRLF lines too (the name's line
// read without its CR).
func TestParse_SyntaxErrorNamesItsWatch(t *testing.T) {
	for _, eol := range []string{"\n", "\r\n"} {
		src := strings.ReplaceAll("[[watch]]\nname = \"a\"\nurl = \"https://api.example/a\"\nlabel = \"unterminated\n", "\n", eol)
		_, err := Parse("c.toml", []byte(src), env(nil))
		if want := `c.toml:4: watch "a": label: `; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q lines: errors\n%v\nwant %s", eol, err, want)
		}
	}
}
