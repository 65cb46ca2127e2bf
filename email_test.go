package main_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// TestBinary_Email: the real binary polls a changing API and delivers the
// change through the outbox to an email target (Mailpit) and a webhook
// target: one message, whose Message-ID is the webhook's webhook-id, and
// `pollhook deliveries` shows the SMTP reply.
func TestBinary_Email(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t)
	m := testkit.StartMailpit(t, testkit.MailpitOptions{})
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	hooks := testkit.NewReceiver(0)
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()
	dir := t.TempDir()
	cfg := testkit.WriteConfig(t, dir, apiSrv.URL, hookSrv.URL)
	src, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src = []byte(strings.Replace(string(src), `notify = ["hook"]`, `notify = ["hook", "mail"]`, 1) + fmt.Sprintf(`
[[target]]
name = "mail"
kind = "email"
smtp = "smtp://%s"
starttls = false
from = "pollhook <pollhook@example.com>"
to = ["ops@example.com"]
`, m.SMTP))
	testkit.WriteFile(t, cfg, string(src))
	pollhook := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append(args, "--config", cfg)...).CombinedOutput()
		if err != nil {
			t.Fatalf("pollhook %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	pollhook("once")
	api.Set(testkit.ReleasesV2)
	pollhook("once")

	if len(hooks.Hooks()) != 1 {
		t.Fatalf("%d webhooks, want 1", len(hooks.Hooks()))
	}
	id, _ := testkit.CheckChangeHook(t, hooks.Hooks()[0])
	msgs := m.WaitMessages(t, 1)
	if len(msgs) != 1 || msgs[0].MessageID != id+"@pollhook" || msgs[0].Subject != "releases changed: 1 added, 1 removed, 1 changed" {
		t.Fatalf("mailpit holds %+v, want one message of event %s", msgs, id)
	}
	got := m.Message(t, msgs[0].ID)
	for _, want := range []string{"+ 3 ", "- 2 ", "~ 1 name: \"a\" → \"a2\"", apiSrv.URL} {
		if !strings.Contains(got.Text, want) || !strings.Contains(got.HTML, want) {
			t.Errorf("the message lacks %q:\n%s\n%s", want, got.Text, got.HTML)
		}
	}
	out := pollhook("deliveries")
	if !strings.Contains(out, "mail") || !strings.Contains(out, "SMTP 250") {
		t.Errorf("deliveries:\n%s", out)
	}
	out = pollhook("delivery", id)
	if !strings.Contains(out, "SMTP 250") || !strings.Contains(out, "body: 250 2.0.0 Ok: queued as "+msgs[0].ID) {
		t.Errorf("delivery %s:\n%s", id, out)
	}
}
