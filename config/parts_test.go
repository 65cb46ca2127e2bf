package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// partsCases are files whose reading in parts must give what reading them
// whole gives: the configuration, or the same errors at the same lines.
// Each has several [[watch]] sections, so that parts of one byte cut it
// at every watch the scanner finds.
var partsCases = []struct {
	name string
	src  string
	// cut: the scanner cuts the file; inParts: and its parts are read,
	// none of them saying something the whole might not.
	cut, inParts bool
}{
	{"plain", string(benchConfig(4)), true, true},
	{"tables between and after", `log_level = "warn"
[[target]]
name = "hook"
url = "https://hooks.example/a"

` + plainWatch("a") + `notify = ["hook"]
[watch.paginate]
next = "link"

[defaults]
schedule = "@every 5m"

` + plainWatch("b") + `errors_to = []

[[target]]
name = "other"
url = "https://hooks.example/b"

` + plainWatch("c") + `notify = ["other", "hook"]
`, true, true},
	{"strings that hold headers", plainWatch("a") + `method = "POST"
body = """
[[watch]]
name = "not a watch"
[defaults]
"""
errors_to = []

` + plainWatch("b") + `method = "POST"
body = '''
[[watch]]
'''
errors_to = []

[[watch]]
name = "c # [[watch]]"
url = "https://api.example/c?q=[x]"
errors_to = [] # [[watch]]
# [[watch]]
`, true, true},
	{"escapes and quotes at a string's end", `[[watch]]
name = "a \" [[watch]]"
url = "https://api.example/a"
method = "POST"
body = """x \""" [[watch]]
[defaults]
 """"
errors_to = []

[[watch]]
name = 'b\'
url = "https://api.example/b"
method = "POST"
body = '''y''''
errors_to = []
`, true, true},
	{"arrays over lines", plainWatch("a") + `ignore = [
  "x",
  "y", # ]
]
errors_to = []

` + plainWatch("b") + `extra = [
[1],
[[2]],
]
errors_to = []
`, true, true},
	{"a string open in an array", `[defaults]
x = ["""
[[watch]]
url = "https://api.example/a"
[other]
"""]

` + plainWatch("b") + `
` + plainWatch("c"), true, true},
	{"quoted and spaced headers", `[["watch"]]
name = "a"
url = "https://api.example/a"
[ watch . paginate ]
next = "link"

[[ watch ]] # the second
name = "b"
url = "https://api.example/b"
['watch'.paginate]
next = "link"

` + plainWatch("c"), true, true},
	{"CRLF", strings.ReplaceAll(string(benchConfig(3)), "\n", "\r\n"), true, true},
	{"a watch's table after another table", plainWatch("a") + `
[[target]]
name = "hook"
url = "https://hooks.example/a"

[watch.paginate]
next = "link"

` + plainWatch("b"), false, false},
	{"watch as a table", `[watch]
name = "a"

` + plainWatch("b") + `
` + plainWatch("c"), true, false},
	{"watch as a key", `watch = 1

` + plainWatch("b") + `
` + plainWatch("c"), true, false},
	{"a string left open", plainWatch("a") + `
[[watch]]
name = "b"
url = "https://api.example/b
`, false, false},
	{"a syntax error in a watch the scanner reads", plainWatch("a") + `
[[watch]]
name = "b"
url = "https://api.example/b" x
`, true, false},
	{"a key twice in a watch", plainWatch("a") + `
[[watch]]
name = "b"
name = "c"
url = "https://api.example/b"
`, true, false},
	{"a table twice across watches", `[defaults]
schedule = "@every 5m"

` + plainWatch("a") + `
[defaults]
timeout = "5s"

` + plainWatch("b"), true, false},
	{"errors placed in later watches", plainWatch("a") + `
[[watch]]
name = "b"
url = "ftp://api.example/b"
schedul = "@every 1m"

[[watch]]
name = "a"
url = "https://api.example/c"
notify = ["nobody"]
`, true, true},
	{"an inline table over lines", plainWatch("a") + `headers = {
  "X-A" = "[[watch]]",
}

` + plainWatch("b"), true, true},
}

// plainWatch is a [[watch]] table of a name and a URL.
func plainWatch(name string) string {
	return "[[watch]]\nname = \"" + name + "\"\nurl = \"https://api.example/" + name + "\"\n"
}

// readBoth reads src whole and in parts of size bytes, in mode.
func readBoth(t testing.TB, src string, mode readMode, size int) (whole, parts *Config, wholeErr, partsErr error) {
	t.Helper()
	whole, wholeErr = readIn("/etc/p.toml", []byte(src), env(nil), mode, len(src)+1)
	parts, partsErr = readIn("/etc/p.toml", []byte(src), env(nil), mode, size)
	return whole, parts, wholeErr, partsErr
}

// TestRead_PartsAsWhole: each of partsCases, read in parts cut at every
// watch, gives what reading it whole gives, in every read mode; the
// files the scanner cannot follow, or whose parts might say something
// the whole does not, are read whole.
func TestRead_PartsAsWhole(t *testing.T) {
	for _, tc := range partsCases {
		t.Run(tc.name, func(t *testing.T) {
			p := cutParts(tc.src, 1)
			if got := p != nil; got != tc.cut {
				t.Fatalf("cut: %v, want %v", got, tc.cut)
			}
			r := newReader("/etc/p.toml", []byte(tc.src), env(nil), readAll)
			if got := r.readParts(p) != nil; got != tc.inParts {
				t.Fatalf("read in parts: %v, want %v", got, tc.inParts)
			}
			for _, mode := range []readMode{readAll, readPartial, readNames} {
				whole, parts, werr, perr := readBoth(t, tc.src, mode, 1)
				if fmt.Sprint(werr) != fmt.Sprint(perr) {
					t.Errorf("mode %d: errors in parts:\n%v\nwhole:\n%v", mode, perr, werr)
				}
				if !reflect.DeepEqual(whole, parts) {
					t.Errorf("mode %d: the configuration read in parts differs from the whole's", mode)
				}
			}
		})
	}
}

// TestCutParts: a large file is cut into parts of about partSize bytes of
// watches, the rest of the file decoded first; a small one is not cut.
func TestCutParts(t *testing.T) {
	src := string(benchConfig(10_000))
	p := cutParts(src, partSize)
	if p == nil {
		t.Fatal("a file of 10,000 watches is not cut")
	}
	if p.count != 10_000 {
		t.Errorf("count %d, want 10000", p.count)
	}
	if n := len(src) / partSize; len(p.watches) < n || len(p.watches) > n+1 {
		t.Errorf("%d parts of %d bytes, want about %d", len(p.watches), len(src), n)
	}
	if !strings.HasPrefix(p.top, "db = ") || strings.Contains(p.top, "[[watch]]") {
		t.Errorf("top: %.80q", p.top)
	}
	if strings.Join(p.watches, "") != src[len(p.top):] {
		t.Error("the parts are not the file's watches, in order")
	}
	r := newReader("/etc/p.toml", []byte(src), env(nil), readAll)
	cfg := r.readParts(p)
	if cfg == nil || len(cfg.Watches) != 10_000 || cfg.Watches[9_999].Name != "w9999" {
		t.Fatal("the parts of a file of 10,000 watches are not read")
	}
	if small := string(benchConfig(10)); cutParts(small, partSize) != nil {
		t.Error("a small file is cut")
	}
	// Watches each between two targets: the runs of watches between
	// them are joined into parts of about partSize, not one part each.
	var b strings.Builder
	for i := range 5_000 {
		fmt.Fprintf(&b, "[[target]]\nname = \"t%d\"\nurl = \"https://hooks.example/%d\"\n\n[[watch]]\nname = \"w%d\"\nurl = \"https://api.example/%d\"\nnotify = [\"t%d\"]\n\n", i, i, i, i, i)
	}
	src = b.String()
	p = cutParts(src, partSize)
	if p == nil || len(p.watches) > len(src)/partSize {
		t.Fatalf("%d bytes of watches and targets: %v parts", len(src), p)
	}
	r = newReader("/etc/p.toml", []byte(src), env(nil), readAll)
	if cfg := r.readParts(p); cfg == nil || len(cfg.Watches) != 5_000 || len(cfg.Targets) != 5_000 || cfg.Watches[4_999].Notify[0] != "t4999" {
		t.Fatal("the parts of a file of watches between targets are not read")
	}
}

// TestRead_ErrorsInOneOrder: the problems of keys that share a line (an
// inline table's) come in the same order, with the same text, on every
// read of the file, as reading it in parts and whole must agree.
func TestRead_ErrorsInOneOrder(t *testing.T) {
	const watch = "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n"
	for _, src := range []string{
		watch + "query = {a = 1, b = 2, c = 3}\n",
		watch + "headers = {a = 1, b = 2, c = 3}\n",
		watch + "bearer = \"t\"\nheaders = {authorization = \"x\", Authorization = \"y\", AUTHORIZATION = \"z\"}\n",
		watch + "graphql = \"{x}\"\nvariables = {a = \"${A}\", b = \"${B}\", c = \"${C}\"}\n",
		watch + "schedul = 1\nmax_bodi = 2\n[watch.paginate]\nnext = \"link\"\nx = 1\ny = 2\n",
	} {
		_, first := Parse("/etc/p.toml", []byte(src), env(nil))
		if first == nil {
			t.Fatalf("%q: no error", src)
		}
		for range 30 {
			if _, err := Parse("/etc/p.toml", []byte(src), env(nil)); fmt.Sprint(err) != fmt.Sprint(first) {
				t.Fatalf("%q: errors\n%v\nthen\n%v", src, first, err)
			}
		}
	}
}

// FuzzRead_Parts: whatever the file, reading it in parts gives what
// reading it whole does.
func FuzzRead_Parts(f *testing.F) {
	for i, tc := range partsCases {
		f.Add(tc.src, uint8(i), uint8(i))
	}
	f.Fuzz(func(t *testing.T, src string, mode, size uint8) {
		// Every mode; parts of 1 to 64 bytes.
		whole, parts, werr, perr := readBoth(t, src, readMode(int(mode)%3), 1+int(size)%64)
		if fmt.Sprint(werr) != fmt.Sprint(perr) {
			t.Fatalf("errors in parts:\n%v\nwhole:\n%v", perr, werr)
		}
		if !reflect.DeepEqual(whole, parts) {
			t.Fatal("the configuration read in parts differs from the whole's")
		}
		if readMode(int(mode)%3) == readPartial {
			sameAsPartial(t, src, 1+int(size)%64)
		}
	})
}
