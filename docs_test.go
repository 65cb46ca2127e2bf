package main_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// markdownLink is a link of a Markdown file: ](target).
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocs_links: every link of README.md and docs/ to a file of the
// repository reaches a file that exists, and every #anchor a heading of
// the file it names, as GitHub renders them; and the README links every
// reference in docs/. A section moved between files breaks this test, not
// the reader's click.
func TestDocs_links(t *testing.T) {
	t.Parallel()
	docs, err := filepath.Glob(filepath.Join("docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no references in docs/")
	}
	files := append([]string{"README.md", "BENCHMARKS.md"}, docs...)
	anchors := map[string]map[string]bool{}
	read := func(name string) string {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	for _, f := range files {
		anchors[filepath.Clean(f)] = headingAnchors(read(f))
	}
	for _, f := range files {
		text := withoutCode(read(f))
		for _, m := range markdownLink.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(target, "#")
			dest := filepath.Clean(f)
			if path != "" {
				dest = filepath.Clean(filepath.Join(filepath.Dir(f), path))
				if _, err := os.Stat(dest); err != nil {
					t.Errorf("%s: link %q: %v", f, target, err)
					continue
				}
			}
			if anchor == "" {
				continue
			}
			known, ok := anchors[dest]
			if !ok {
				known = headingAnchors(read(dest))
			}
			if !known[anchor] {
				t.Errorf("%s: link %q: %s has no heading #%s", f, target, dest, anchor)
			}
		}
	}
	readme := read("README.md")
	for _, d := range docs {
		if !strings.Contains(readme, "]("+filepath.ToSlash(d)+")") {
			t.Errorf("README.md does not link %s", d)
		}
	}
}

// codeSpan is inline code: `…`.
var codeSpan = regexp.MustCompile("`[^`\n]*`")

// withoutCode drops fenced code blocks and inline code, whose brackets are
// not links.
func withoutCode(text string) string {
	var b strings.Builder
	fence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
			continue
		}
		if !fence {
			b.WriteString(codeSpan.ReplaceAllString(line, "``"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// headingAnchors are the anchors GitHub gives a Markdown file's headings:
// lower case, punctuation dropped, spaces as hyphens, -1, -2… for repeats.
func headingAnchors(text string) map[string]bool {
	drop := regexp.MustCompile(`[^\p{L}\p{N}_\- ]`)
	seen := map[string]int{}
	out := map[string]bool{}
	fence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			fence = !fence
		}
		if fence {
			continue
		}
		hashes := len(line) - len(strings.TrimLeft(line, "#"))
		if hashes == 0 || hashes > 6 || !strings.HasPrefix(line[hashes:], " ") {
			continue
		}
		slug := strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(strings.TrimSpace(line[hashes:])), ""), " ", "-")
		if n, ok := seen[slug]; ok {
			seen[slug] = n + 1
			slug += "-" + strconv.Itoa(n+1)
		} else {
			seen[slug] = 0
		}
		out[slug] = true
	}
	return out
}
