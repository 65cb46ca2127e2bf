package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// readmeWalkthrough is the README section whose console block the test
// replays.
const readmeWalkthrough = "## Your first real watch"

// TestInit_readme: the walk-through in README.md is what pollhook prints.
// Each command of the section's console block is run in order, against
// the recorded GitHub releases served in place of api.github.com, with
// the configuration in a folder of the test's, and what it prints, stdout
// and stderr together as a terminal shows them, must be the lines under
// the command. On a difference the test prints the block as it should be.
func TestInit_readme(t *testing.T) {
	t.Parallel()
	block, err := consoleBlock(testkit.DocSection(t, "README.md", readmeWalkthrough), readmeWalkthrough)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testkit.NewAPI(readAPI(t, "github_releases_github-hub_2019-10-03.json")))
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "pollhook.toml")
	shown := strings.NewReplacer(srv.URL, "https://api.github.com", cfg, "pollhook.toml").Replace

	var got strings.Builder
	commands := 0
	for _, line := range strings.SplitAfter(block, "\n") {
		cmd, ok := strings.CutPrefix(line, "$ ")
		if !ok {
			continue
		}
		commands++
		args, err := shellWords(strings.TrimSpace(cmd))
		if err != nil || len(args) == 0 || args[0] != "pollhook" {
			t.Fatalf("README.md: %q is not a pollhook command: %v", cmd, err)
		}
		for i, a := range args {
			args[i] = strings.ReplaceAll(a, "https://api.github.com", srv.URL)
		}
		var out bytes.Buffer
		if code := runCLI(context.Background(), append(args[1:], "--config", cfg), &out, &out); code != 0 {
			t.Errorf("%s: exit %d", cmd, code)
		}
		got.WriteString(line)
		for _, l := range strings.SplitAfter(shown(out.String()), "\n") {
			// Log lines carry the time of the run: the README leaves
			// them out.
			if !strings.HasPrefix(l, "time=") {
				got.WriteString(l)
			}
		}
		if args[1] == "init" {
			quiet(t, cfg)
		}
	}
	if commands < 3 {
		t.Fatalf("README.md's %q shows %d commands, want init, check and once at least", readmeWalkthrough, commands)
	}
	if got.String() != block {
		t.Errorf("README.md's %q does not show what pollhook prints; it prints:\n%s", readmeWalkthrough, got.String())
	}
}

// quiet turns the local API of the configuration init created off, so
// that the commands after it neither depend on nor collide at the default
// port: its first line, a comment, becomes listen = "", and the lines
// the commands name keep their numbers.
func quiet(t *testing.T, cfg string) {
	t.Helper()
	src, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	first, rest, _ := strings.Cut(string(src), "\n")
	if !strings.HasPrefix(first, "#") {
		t.Fatalf("the configuration init created starts with %q, not a comment", first)
	}
	testkit.WriteFile(t, cfg, "listen = \"\"\n"+rest)
}

// consoleBlock is the text of the first ```console block of the section
// under heading.
func consoleBlock(section, heading string) (string, error) {
	_, block, ok := strings.Cut(section, "```console\n")
	if !ok {
		return "", fmt.Errorf("README.md: %q has no console block", heading)
	}
	block, _, ok = strings.Cut(block, "```\n")
	if !ok {
		return "", fmt.Errorf("README.md: the console block of %q does not end", heading)
	}
	return block, nil
}

// shellWords splits a command line as a POSIX shell does for words in
// single or double quotes and plain words; no expansions.
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case ' ', '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case '\'', '"':
			j := strings.IndexByte(s[i+1:], ch)
			if j < 0 {
				return nil, fmt.Errorf("unterminated quote in %s", s)
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		default:
			w.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}
