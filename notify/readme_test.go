package notify

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadme_MatrixDeduplication: the README says what a Matrix
// transaction id does and does not prevent. Homeservers keep transaction
// ids in memory for 30-60 minutes (Synapse, Dendrite), so the room can
// show a message twice; the README once promised it never would.
func TestReadme_MatrixDeduplication(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n#### matrix\n")
	if !ok {
		t.Fatal("README.md has no matrix section")
	}
	section, _, _ = strings.Cut(section, "\n#### ")
	section = strings.Join(strings.Fields(section), " ")
	if m := regexp.MustCompile(`(?i)never (shows|posts|sends)[^.]*twice`).FindString(section); m != "" {
		t.Errorf("the matrix section promises %q", m)
	}
	for _, want := range []string{"30 to 60 minutes", "restarted", "at least once"} {
		if !strings.Contains(section, want) {
			t.Errorf("the matrix section does not say %q", want)
		}
	}
}
