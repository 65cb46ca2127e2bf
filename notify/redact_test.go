package notify

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/config"
)

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target config.Target
		url    string
		want   string
	}{
		{"telegram token in path",
			config.Target{Kind: config.KindTelegram, Token: "123:abc-DEF"},
			"https://api.telegram.org/bot123:abc-DEF/sendMessage",
			"https://api.telegram.org/botREDACTED/sendMessage"},
		{"telegram token path-escaped",
			config.Target{Kind: config.KindTelegram, Token: "12 3/x"},
			"https://api.telegram.org/bot12%203%2Fx/sendMessage",
			"https://api.telegram.org/botREDACTED/sendMessage"},
		{"slack hook secret",
			config.Target{Kind: config.KindSlack, URL: "https://hooks.slack.com/services/T1/B2/s3cr3t"},
			"https://hooks.slack.com/services/T1/B2/s3cr3t",
			"https://hooks.slack.com/services/T1/B2/REDACTED"},
		{"discord token, wait added",
			config.Target{Kind: config.KindDiscord, URL: "https://discord.com/api/webhooks/42/tok-en"},
			"https://discord.com/api/webhooks/42/tok-en?wait=true",
			"https://discord.com/api/webhooks/42/REDACTED?wait=true"},
		{"mattermost key",
			config.Target{Kind: config.KindMattermost, URL: "https://mm.example.com/hooks/abc123"},
			"https://mm.example.com/hooks/abc123",
			"https://mm.example.com/hooks/REDACTED"},
		{"google chat key and token",
			config.Target{Kind: config.KindGoogleChat, URL: "https://chat.googleapis.com/v1/spaces/S/messages?key=K1&token=T%3D1"},
			"https://chat.googleapis.com/v1/spaces/S/messages?key=K1&token=T%3D1",
			"https://chat.googleapis.com/v1/spaces/S/messages?key=REDACTED&token=REDACTED"},
		{"password in URL",
			config.Target{Kind: config.KindWebhook, URL: "https://user:pa55@example.com/hook"},
			"https://user:pa55@example.com/hook",
			"https://user:REDACTED@example.com/hook"},
		{"nothing secret",
			config.Target{Kind: config.KindNtfy, URL: "https://ntfy.sh"},
			"https://ntfy.sh",
			"https://ntfy.sh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedactURL(&tt.target, tt.url); got != tt.want {
				t.Errorf("RedactURL() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRedact_BasicUserinfo: a receiver that echoes its request headers
// shows a URL's userinfo as a Basic Authorization header; test-target and
// the stored attempts must not print or keep it.
func TestRedact_BasicUserinfo(t *testing.T) {
	t.Parallel()
	tg := &config.Target{Kind: config.KindWebhook, URL: "https://hook-user:Hook-Pa55@hooks.example/h"}
	echo := "401 Unauthorized: Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("hook-user:Hook-Pa55"))
	if got := Redact(tg, echo); strings.Contains(got, "aG9vay11c2VyOkhvb2stUGE1NQ") || strings.Contains(got, "Hook-Pa55") {
		t.Errorf("Redact = %q", got)
	}
}
