package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// TestCheck_Warnings: check counts in words that agree with the number,
// and prints warnings on stderr without failing.
func TestCheck_Warnings(t *testing.T) {
	t.Parallel()
	const hook = "[[target]]\nname = \"hook\"\nurl = \"https://h.example/\"\n"
	tests := []struct {
		name, src      string
		stdout, stderr string
	}{
		{"one of each", hook + "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nnotify = [\"hook\"]\n",
			"FILE: ok (1 watch, 1 target)\n", ""},
		{"two watches, two targets, one unused", hook + "\n[[target]]\nname = \"old\"\nurl = \"https://o.example/\"\n" +
			"\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nnotify = [\"hook\"]\n" +
			"\n[[watch]]\nname = \"b\"\nurl = \"https://x.example/\"\nnotify = [\"hook\"]\n",
			"FILE: ok (2 watches, 2 targets; 1 warning)\n",
			"warning: FILE:5: target \"old\": no watch sends to it (in notify or errors_to)\n"},
		{"nothing", "db = \"x.db\"\n", "FILE: ok (0 watches, 0 targets; 1 warning)\n",
			"warning: FILE: no [[watch]]: there is nothing to poll\n"},
		{"a watch that notifies nobody", hook + "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\n",
			"FILE: ok (1 watch, 1 target; 2 warnings)\n",
			"warning: FILE:1: target \"hook\": no watch sends to it (in notify or errors_to)\n" +
				"warning: FILE:5: watch \"a\": notify: none, and no errors_to: its changes and failures go to no target\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := testkit.WriteFile(t, filepath.Join(t.TempDir(), "pollhook.toml"), tt.src)
			out, errOut, code := tryCLI(t, "check", "--config", path)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			if want := replaceFile(tt.stdout, path); out != want {
				t.Errorf("stdout %q, want %q", out, want)
			}
			if want := replaceFile(tt.stderr, path); errOut != want {
				t.Errorf("stderr %q, want %q", errOut, want)
			}
		})
	}
}

func replaceFile(s, path string) string {
	return strings.ReplaceAll(s, "FILE", path)
}
