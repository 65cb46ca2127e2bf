package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParse_Warnings: a configuration that loads but is likely not what
// was meant comes with warnings, each placed like an error, in the order
// of the file.
func TestParse_Warnings(t *testing.T) {
	const hook = "[[target]]\nname = \"hook\"\nurl = \"https://h.example/\"\n"
	tests := []struct {
		name string
		src  string
		want []string // exactly these, in this order
	}{
		{"none", hook + "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nnotify = [\"hook\"]\n", nil},
		{"no watches", "db = \"x.db\"\n",
			[]string{`c.toml: no [[watch]]: there is nothing to poll`}},
		{"no watches, a target", hook,
			[]string{`c.toml: no [[watch]]: there is nothing to poll`,
				`c.toml:1: target "hook": no watch sends to it (in notify or errors_to)`}},
		{"a watch that notifies nobody", hook + "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nerrors_to = [\"hook\"]\n\n[[watch]]\nname = \"b\"\nurl = \"https://x.example/\"\n",
			[]string{`c.toml:10: watch "b": notify: none, and no errors_to: its changes and failures go to no target`}},
		{"notify = [] says the same, at its line", hook + "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nnotify = []\nerrors_to = [\"hook\"]\n\n[[watch]]\nname = \"b\"\nurl = \"https://x.example/\"\nnotify = []\n",
			[]string{`c.toml:14: watch "b": notify: none, and no errors_to: its changes and failures go to no target`}},
		{"errors_to in defaults counts", "[defaults]\nerrors_to = [\"hook\"]\n\n" + hook + "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\n", nil},
		{"errors_to = [] in a watch does not", "[defaults]\nerrors_to = [\"hook\"]\n\n" + hook + "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nerrors_to = []\n",
			[]string{`c.toml:4: target "hook": no watch sends to it (in notify or errors_to)`,
				`c.toml:8: watch "a": notify: none, and no errors_to: its changes and failures go to no target`}},
		{"an unreferenced target, disabled or not", hook + "\n[[target]]\nname = \"old\"\nurl = \"https://o.example/\"\ndisabled = true\n\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nnotify = [\"hook\"]\n",
			[]string{`c.toml:5: target "old": no watch sends to it (in notify or errors_to)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("c.toml", []byte(tt.src), env(nil))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := make([]string, len(cfg.Warnings))
			for i, w := range cfg.Warnings {
				got[i] = w.Error()
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestLoadPartial_NoWarnings: the partial load (pollhook once) gathers no
// warnings, which nothing it serves shows, and still finds the errors and
// reads every watch; Load gathers them.
func TestLoadPartial_NoWarnings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	src := "[[target]]\nname = \"old\"\nurl = \"https://o.example/\"\n\n" +
		"[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\n\n" +
		"[[watch]]\nname = \"b\"\nurl = \"https://x.example/\"\ntimeout = \"soon\"\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	full, err := Parse(path, []byte(strings.Replace(src, `"soon"`, `"5s"`, 1)), env(nil))
	if err != nil || len(full.Warnings) != 3 {
		t.Fatalf("Parse: %v, warnings %v; want 3 warnings", err, full.Warnings)
	}
	cfg, err := LoadPartial(path)
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 || !strings.Contains(errs[0].Error(), "timeout") {
		t.Errorf("LoadPartial: %v, want the timeout's error alone", err)
	}
	if cfg == nil || len(cfg.Watches) != 2 || len(cfg.Warnings) != 0 {
		t.Fatalf("LoadPartial gave %+v; want both watches and no warnings", cfg)
	}
}

// TestParse_ErrorsInFileOrder: every problem is listed in the order of
// the file's lines, whichever step of the validation found it.
func TestParse_ErrorsInFileOrder(t *testing.T) {
	src := "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nnotify = [\"nobody\"]\nschedul = 1\n\n" +
		"[[target]]\nname = \"hook\"\nurl = \"ftp://h.example/\"\n\n" +
		"[[watch]]\nname = \"a\"\nurl = \"https://y.example/\"\ntimeout = \"soon\"\n"
	_, err := Parse("c.toml", []byte(src), env(nil))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse = %v, want Errors", err)
	}
	want := []string{
		`c.toml:4: watch "a": notify: no target named "nobody"`,
		`c.toml:5: watch "a": schedul: unknown key`,
		`c.toml:9: target "hook": url: bad URL: scheme "ftp", want http:// or https://`,
		`c.toml:12: watch "a": name: duplicate name: another watch is already called "a"`,
		`c.toml:14: watch "a": timeout: bad duration "soon" (want e.g. "10s", "5m", "2h", "30d")`,
	}
	if errs.Error() != strings.Join(want, "\n") {
		t.Errorf("errors:\n%v\nwant:\n%s", errs, strings.Join(want, "\n"))
	}
}

// TestParse_NumbersForDurations: a duration written as a number says
// what to write instead.
func TestParse_NumbersForDurations(t *testing.T) {
	tests := []struct{ src, want string }{
		{"[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\ntimeout = 10\n",
			`c.toml:4: watch "a": timeout: want a duration string like "10s", got the number 10`},
		{"[defaults]\njitter = 30\n", `c.toml:2: defaults: jitter: want a duration string like "30s", got the number 30`},
		{"retention = 2.5\n", `c.toml:1: retention: want a duration string like "2.5s", got the number 2.5`},
		{"[[target]]\nname = \"h\"\nurl = \"https://x.example/\"\ntimeout = 5\n",
			`c.toml:4: target "h": timeout: want a duration string like "5s", got the number 5`},
	}
	for _, tt := range tests {
		_, err := Parse("c.toml", []byte(tt.src), env(nil))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) = %v, want %s", tt.src, err, tt.want)
		}
	}
}

// TestParse_URLWithoutScheme: a URL written without http:// says so,
// without repeating the URL (it may be a secret).
func TestParse_URLWithoutScheme(t *testing.T) {
	for _, u := range []string{"api.example.com/v1/releases", "localhost:8080/x", "127.0.0.1:8080", "//api.example.com/x", ""} {
		src := "[[watch]]\nname = \"a\"\nurl = \"" + u + "\"\n"
		_, err := Parse("c.toml", []byte(src), env(nil))
		want := `c.toml:3: watch "a": url: bad URL: no scheme, want http:// or https://`
		if u == "" {
			want = `c.toml:3: watch "a": url: empty, want an http:// or https:// URL`
		}
		if err == nil || err.Error() != want {
			t.Errorf("url = %q: %v, want %s", u, err, want)
		}
	}
}

// TestParse_LinesPastMultiLineStrings: what a multi-line string holds (a
// line that looks like a header, or like a key) is neither, for the lines
// problems point at.
func TestParse_LinesPastMultiLineStrings(t *testing.T) {
	src := "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nmethod = \"POST\"\n" +
		"body = \"\"\"\n[[watch]]\ntimeout = \"later\"\n\"\"\"\ntimeout = \"soon\"\n\n" +
		"[[watch]]\nname = \"b\"\nurl = \"https://y.example/\"\nbody = '''\nschedul = 1\n'''\nschedul = 2\n"
	_, err := Parse("c.toml", []byte(src), env(nil))
	want := []string{
		`c.toml:9: watch "a": timeout: bad duration "soon" (want e.g. "10s", "5m", "2h", "30d")`,
		`c.toml:17: watch "b": schedul: unknown key`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("errors:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}
