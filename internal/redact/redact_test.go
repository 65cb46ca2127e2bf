package redact

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestSecrets_Replace(t *testing.T) {
	var s Secrets
	s.Add("abc") // too short to hide everywhere
	s.Add("tok/en 1")
	s.AddHeader("Bearer ghp_long")
	s.AddURL("https://bob:pa55w0rd@api.example/v1?api_key=K3Y-123&page=2")
	s.Add("ghp_longer_than_ghp_long")
	s.AddURL("https://chat.example/v1?key=K1&token=500")
	tests := []struct{ in, want string }{
		{"abc is fine", "abc is fine"},
		{"saw tok/en 1, tok%2Fen%201 and tok%2Fen+1", "saw REDACTED, REDACTED and REDACTED"},
		{"Authorization: Bearer ghp_long", "Authorization: REDACTED"},
		{"token ghp_long", "token REDACTED"},
		{"ghp_longer_than_ghp_long", "REDACTED"},
		{"pa55w0rd K3Y-123 page=2", "REDACTED REDACTED page=2"},
		{"HTTP 500: K1 is no secret worth garbling the text", "HTTP 500: K1 is no secret worth garbling the text"},
	}
	for _, tt := range tests {
		if got := s.Replace(tt.in); got != tt.want {
			t.Errorf("Replace(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var empty Secrets
	if got := empty.Replace("nothing"); got != "nothing" {
		t.Errorf("empty Replace = %q", got)
	}
}

// TestSecrets_Basic: an API or receiver that echoes its request headers
// shows basic credentials base64-encoded; they are hidden like the plain
// password.
func TestSecrets_Basic(t *testing.T) {
	var s Secrets
	s.AddBasic("bu", "SEKRIT-pw")
	s.AddURL("https://alice:hunter22@hooks.example/h")
	s.AddHeader("Basic " + base64.StdEncoding.EncodeToString([]byte("carol:0penSesame")))
	for _, in := range []string{
		"Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("bu:SEKRIT-pw")),
		"Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("alice:hunter22")),
		"echo bu:SEKRIT-pw and " + base64.RawURLEncoding.EncodeToString([]byte("bu:SEKRIT-pw")),
		"carol:0penSesame 0penSesame",
	} {
		got := s.Replace(in)
		for _, leak := range []string{"SEKRIT", "hunter22", "0penSesame", "YnU6U0VLUklU", "YWxpY2U6aHVudGVy", "Y2Fyb2w6"} {
			if strings.Contains(got, leak) {
				t.Errorf("Replace(%q) = %q still shows %q", in, got, leak)
			}
		}
	}
}

func TestURL(t *testing.T) {
	tests := map[string]string{
		"https://u:p@api.example/v1?api_key=k&page=2#frag": "https://api.example/v1?api_key=REDACTED&page=REDACTED",
		"http://127.0.0.1:8080/a":                          "http://127.0.0.1:8080/a",
		"://bad":                                           "(unparsable URL)",
	}
	for in, want := range tests {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskURL(t *testing.T) {
	tests := map[string]string{
		"https://chat.example/v1/spaces/S/messages?key=K1&token=T%3D1": "https://chat.example/v1/spaces/S/messages?key=REDACTED&token=REDACTED",
		"https://user:pa@example.com/hook":                             "https://user:REDACTED@example.com/hook",
		"https://discord.example/api/webhooks/42/x?wait=true&b=%20c":   "https://discord.example/api/webhooks/42/x?wait=true&b=%20c",
		"https://h.example/a?z=1&api_key=k&a=2":                        "https://h.example/a?z=1&api_key=REDACTED&a=2",
		"https://ntfy.sh":                                              "https://ntfy.sh",
	}
	for in, want := range tests {
		if got := MaskURL(in); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPublicURL(t *testing.T) {
	tests := map[string]string{
		"https://u:p@api.example/v1?api_key=k&page=2": "https://api.example/v1?api_key=REDACTED&page=2",
		"https://api.example/v1?page=2&per_page=10":   "https://api.example/v1?page=2&per_page=10",
		"://bad": "",
	}
	for in, want := range tests {
		if got := PublicURL(in); got != want {
			t.Errorf("PublicURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"api_key": true, "X-Api-Key": true, "Private-Token": true, "sig": true, "Cookie": true,
		"page": false, "per_page": false, "Accept": false,
	} {
		if got := IsSecretName(name); got != want {
			t.Errorf("IsSecretName(%q) = %v", name, got)
		}
	}
}

func TestShortURL(t *testing.T) {
	tests := map[string]string{
		"https://api.example/v1/releases":                  "https://api.example/v1/releases",
		"https://user:pw@api.example/v1?api_key=k&page=2":  "https://api.example/v1?…",
		"http://127.0.0.1:8080/a%20b":                      "http://127.0.0.1:8080/a%20b",
		"https://api.example/graphql?query=%7Bviewer%7D#x": "https://api.example/graphql?…",
	}
	for in, want := range tests {
		if got := ShortURL(in); got != want {
			t.Errorf("ShortURL(%q) = %q, want %q", in, got, want)
		}
	}
}
