package testkit

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// DocSection is the text of one of the project's Markdown files (file,
// from the root: "README.md", "docs/metrics.md") under heading (a whole
// line, like "## Metrics"), up to the next heading of its level or higher.
// Lines in fenced code blocks are not headings.
func DocSection(t testing.TB, file, heading string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(Root(t), filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(src), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no heading %q", file, heading)
	}
	level := len(heading) - len(strings.TrimLeft(heading, "#"))
	lines := strings.Split(rest, "\n")
	fenced := false
	for i, line := range lines {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		if n := len(line) - len(strings.TrimLeft(line, "#")); !fenced && n > 0 && n <= level && strings.HasPrefix(line[n:], " ") {
			return strings.Join(lines[:i], "\n")
		}
	}
	return rest
}

// Root is the project's root folder: the one above the test's with go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// Recording is a recorded real API answer of testdata/api (its README says
// where each comes from).
func Recording(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Root(t), "testdata", "api", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Mutate decodes a recorded answer, lets f edit it and encodes it again,
// indented (which also reorders every object's members: that alone is no
// change).
func Mutate(t testing.TB, raw []byte, f func(v any) any) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(f(v), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
