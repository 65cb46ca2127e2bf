package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// plainCases are runs of [[watch]] sections, and whether plainWatches
// decodes them itself (plain) or leaves them to BurntSushi/toml.
var plainCases = []struct {
	name  string
	src   string
	plain bool
}{
	{"as written by hand", `
# the API's releases
[[watch]]
name = "releases"
url = "https://api.example/releases?per_page=5"
schedule = "@every 5m"
key = "id"
notify = ["hook", 'chat']
errors_to = []

[[watch]]  # another
name	=	'literal \ no escape'
timeout = "10s"
max_changes = 50
split = true
conditional = false
alert_after = +3
confirm = 0
offset = -7
`, true},
	{"the bench's watches", string(benchConfig(3))[strings.Index(string(benchConfig(3)), "[[watch]]"):], true},
	{"CRLF", "[[watch]]\r\nname = \"a\"\r\nnotify = [\"x\",]\r\n", true},
	{"comments right after values", "[[watch]]\nname = \"a\"# c\nn = 5#c\nb = true#c\ne = []#c\n", true},
	{"text beyond ASCII", "[[watch]]\nname = \"café ☕\"\n# ünïcode\n", true},
	{"an empty table", "[[watch]]\n", true},

	{"nothing", "\n# no watch\n", false},
	{"a key before the header", "name = \"a\"\n[[watch]]\n", false},
	{"an escape", `[[watch]]` + "\n" + `name = "a\"b"` + "\n", false},
	{"a unicode escape", `[[watch]]` + "\n" + `name = "caf\u00e9"` + "\n", false},
	{"a multi-line string", "[[watch]]\nbody = \"\"\"\nx\n\"\"\"\n", false},
	{"a multi-line literal", "[[watch]]\nbody = '''x'''\n", false},
	{"a dotted key", "[[watch]]\nheaders.Accept = \"a\"\n", false},
	{"a quoted key", "[[watch]]\n\"name\" = \"a\"\n", false},
	{"a key set twice", "[[watch]]\nname = \"a\"\nname = \"b\"\n", false},
	{"a sub-table", "[[watch]]\nname = \"a\"\n[watch.paginate]\nnext = \"link\"\n", false},
	{"an inline table", "[[watch]]\nheaders = { Accept = \"a\" }\n", false},
	{"a float", "[[watch]]\nn = 1.5\n", false},
	{"a date", "[[watch]]\nd = 1979-05-27\n", false},
	{"a hex integer", "[[watch]]\nn = 0x10\n", false},
	{"an integer with underscores", "[[watch]]\nn = 1_000\n", false},
	{"a leading zero", "[[watch]]\nn = 01\n", false},
	{"an integer too large", "[[watch]]\nn = 9223372036854775808\n", false},
	{"a key without a value", "[[watch]]\nname =\n", false},
	{"a key without =", "[[watch]]\nname \"a\"\n", false},
	{"an array of integers", "[[watch]]\nn = [1, 2]\n", false},
	{"an array over lines", "[[watch]]\nnotify = [\n\"a\",\n]\n", false},
	{"an array left open", "[[watch]]\nnotify = [\"a\"\n", false},
	{"an array without commas", "[[watch]]\nnotify = [\"a\" \"b\"]\n", false},
	{"a control character", "[[watch]]\nname = \"a\x01b\"\n", false},
	{"a DEL", "[[watch]]\nname = \"a\x7fb\"\n", false},
	{"invalid UTF-8", "[[watch]]\nname = \"a\xffb\"\n", false},
	{"a control character in a comment", "[[watch]]\n# a\x00b\n", false},
	{"a CR alone", "[[watch]]\nname = \"a\"\rb = 1\n", false},
	{"a header with blanks", "[[ watch ]]\nname = \"a\"\n", false},
	{"something after the header", "[[watch]] x\n", false},
	{"something after the value", "[[watch]]\nb = truex\n", false},
	{"a string left open", "[[watch]]\nname = \"a\n", false},
}

// TestPlainWatches: plainWatches decodes what is written plainly, to the
// tables BurntSushi/toml makes of it, and leaves the rest to it.
func TestPlainWatches(t *testing.T) {
	for _, tc := range plainCases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := plainWatches(tc.src)
			if ok != tc.plain {
				t.Fatalf("decoded plainly: %v, want %v", ok, tc.plain)
			}
			if ok {
				samePlain(t, tc.src, got)
			}
		})
	}
}

// FuzzPlainWatches: whatever plainWatches decodes, BurntSushi/toml decodes
// too, to the same tables.
func FuzzPlainWatches(f *testing.F) {
	for _, tc := range plainCases {
		f.Add(tc.src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if got, ok := plainWatches(src); ok {
			samePlain(t, src, got)
		}
	})
}

// samePlain fails t unless BurntSushi/toml decodes src to the [[watch]]
// tables plainWatches made of it.
func samePlain(t *testing.T, src string, got []map[string]any) {
	t.Helper()
	var tree map[string]any
	if _, err := toml.Decode(src, &tree); err != nil {
		t.Fatalf("decoded plainly, but BurntSushi/toml says: %v", err)
	}
	if want := map[string]any{"watch": got}; !reflect.DeepEqual(tree, want) {
		t.Fatalf("decoded plainly as\n%#v\nBurntSushi/toml:\n%#v", want, tree)
	}
}
