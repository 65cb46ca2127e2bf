package notify

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/config"
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

// TestDocs_EmailExample: docs/email.md's complete example loads, and the
// text part it shows is what pollhook writes for that watch's event.
func TestDocs_EmailExample(t *testing.T) {
	t.Parallel()
	section := testkit.DocSection(t, "docs/email.md", "## A complete example")
	src := between(t, section, "```toml\n", "```\n")
	dir := t.TempDir()
	testkit.WriteFile(t, filepath.Join(dir, "smtp-password"), "pa55\n")
	cfg, err := config.Parse(filepath.Join(dir, "pollhook.toml"), []byte(src), func(k string) (string, bool) {
		return dir, k == "CREDENTIALS_DIRECTORY"
	})
	if err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	e := cfg.Target("ops-mail").Email
	if e.Username != "pollhook@example.com" || e.Password != "pa55" || !e.StartTLS || len(e.To) != 2 {
		t.Errorf("the example's target: %+v", e)
	}

	message := testkit.DocSection(t, "docs/email.md", "## The message")
	want := between(t, message, "The text part of a release event:\n\n```\n", "```\n")
	ev := goldenLabeledEvent()
	ev.Data.Watch, ev.Data.URL = "hub-releases", cfg.Watches[0].URL
	if text, _ := emailBodies(newChatText(ev)); text != want {
		t.Errorf("docs/email.md shows the text part\n%s\npollhook writes\n%s", want, text)
	}
	if !strings.Contains(strings.Join(strings.Fields(message), " "), "`"+ev.Title()+"`") {
		t.Errorf("docs/email.md does not show the subject %q", ev.Title())
	}
}

// between is the text of s from after start to before the next end.
func between(t *testing.T, s, start, end string) string {
	t.Helper()
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		t.Fatalf("no %q in %q", start, s)
	}
	text, _, ok := strings.Cut(rest, end)
	if !ok {
		t.Fatalf("no %q after %q", end, start)
	}
	return text
}
