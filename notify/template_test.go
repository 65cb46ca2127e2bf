package notify

import (
	"net/http"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/event"
)

// parseTemplate parses a target template with the functions config gives
// it, without config's check that it renders (these tests render it).
func parseTemplate(t *testing.T, src string) *template.Template {
	t.Helper()
	tmpl, err := template.New("t").Funcs(event.Funcs()).Option("missingkey=error").Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// A template replaces the body only: the kind still decides method, URL and
// auth headers.
func TestRender_templateKeepsTheRoute(t *testing.T) {
	t.Parallel()
	targets := map[string]*config.Target{}
	for _, tg := range testTargets() {
		targets[tg.Kind] = tg
	}
	tests := []struct {
		kind        string
		contentType string
		wantMethod  string
		wantURL     string
		wantHeader  [2]string
	}{
		{config.KindTelegram, "", http.MethodPost, "https://api.telegram.org/bot" + testTelegramToken + "/sendMessage",
			[2]string{"Content-Type", "application/json"}},
		{config.KindMatrix, "", http.MethodPut,
			"https://matrix.example.org/_matrix/client/v3/rooms/%21abc123:example.org/send/m.room.message/msg_01JNE3Q4Z8N5V7W9Y1A3C5E7G9",
			[2]string{"Authorization", "Bearer " + testMatrixToken}},
		{config.KindGotify, "application/json; charset=utf-8", http.MethodPost, "https://gotify.example.com/message",
			[2]string{"X-Gotify-Key", testGotifyToken}},
		{config.KindNtfy, "text/plain", http.MethodPost, "https://ntfy.sh",
			[2]string{"Content-Type", "text/plain"}},
		{config.KindDiscord, "", http.MethodPost,
			"https://discord.com/api/webhooks/123456789012345678/" + testDiscordSecret + "?thread_id=42&wait=true",
			[2]string{"Content-Type", "application/json"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			tg := *targets[tt.kind]
			tg.Template = parseTemplate(t, `{"text": {{json (title .)}}}`)
			tg.ContentType = tt.contentType
			m, err := Render(&tg, goldenEvent(), testNow, "test")
			if err != nil {
				t.Fatal(err)
			}
			if string(m.Body) != `{"text": "releases changed: 1 added, 1 removed, 1 changed"}` {
				t.Errorf("body = %s", m.Body)
			}
			if m.Method != tt.wantMethod || m.URL != tt.wantURL {
				t.Errorf("got %s %s, want %s %s", m.Method, m.URL, tt.wantMethod, tt.wantURL)
			}
			if got := m.Header.Get(tt.wantHeader[0]); got != tt.wantHeader[1] {
				t.Errorf("%s = %q, want %q", tt.wantHeader[0], got, tt.wantHeader[1])
			}
			if tt.contentType != "" && m.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", m.Header.Get("Content-Type"), tt.contentType)
			}
		})
	}
}

func TestRender_templateError(t *testing.T) {
	t.Parallel()
	tg := *testTargets()[0]
	tg.Template = parseTemplate(t, `{{.Data.Nope}}`)
	if _, err := Render(&tg, goldenEvent(), testNow, "test"); err == nil || !strings.Contains(err.Error(), "template") {
		t.Fatalf("err = %v, want a template error", err)
	}
}

func TestRender_templateOnFailingEvent(t *testing.T) {
	t.Parallel()
	since := testNow.Add(-time.Hour)
	ev := &event.Event{ID: "msg_x", Type: event.TypeFailing, Timestamp: testNow,
		Data: event.Data{Watch: "w", Error: "boom", Failures: 2, Since: &since, Format: diff.JSON}}
	tg := &config.Target{Kind: config.KindNtfy, URL: "https://ntfy.sh", Topic: "t",
		Template: parseTemplate(t, `{{title .}}: {{join (lines .) "; "}}`)}
	m, err := Render(tg, ev, testNow, "test")
	if err != nil {
		t.Fatal(err)
	}
	want := "w is failing (2 polls in a row): Error: boom; Failing since 2026-03-01 11:00:00 UTC"
	if string(m.Body) != want {
		t.Errorf("body = %q, want %q", m.Body, want)
	}
}
