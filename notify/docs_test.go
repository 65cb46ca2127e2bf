package notify

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// TestDocs_MatrixDeduplication: the chat reference says what a Matrix
// transaction id does and does not prevent. Homeservers keep transaction
// ids in memory for 30-60 minutes (Synapse, Dendrite), so the room can
// show a message twice; the README once promised it never would.
func TestDocs_MatrixDeduplication(t *testing.T) {
	t.Parallel()
	section := strings.Join(strings.Fields(testkit.DocSection(t, "docs/chat.md", "### matrix")), " ")
	if m := regexp.MustCompile(`(?i)never (shows|posts|sends)[^.]*twice`).FindString(section); m != "" {
		t.Errorf("the matrix section promises %q", m)
	}
	for _, want := range []string{"30 to 60 minutes", "restarted", "at least once"} {
		if !strings.Contains(section, want) {
			t.Errorf("the matrix section does not say %q", want)
		}
	}
}
