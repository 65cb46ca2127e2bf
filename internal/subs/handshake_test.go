package subs

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/ssrf"
)

func TestHandshake(t *testing.T) {
	loop := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	tests := []struct {
		name     string
		status   int
		headers  map[string]string
		rate     int
		wantRate int
		wantErr  string
	}{
		{"origin granted", 200, map[string]string{"WebHook-Allowed-Origin": "hooks.example.org"}, 0, 0, ""},
		{"origin any case", 200, map[string]string{"WebHook-Allowed-Origin": "HOOKS.example.org"}, 0, 0, ""},
		{"star", 200, map[string]string{"WebHook-Allowed-Origin": "*"}, 0, 0, ""},
		{"rate capped", 200, map[string]string{"WebHook-Allowed-Origin": "*", "WebHook-Allowed-Rate": "30"}, 600, 30, ""},
		{"rate star", 200, map[string]string{"WebHook-Allowed-Origin": "*", "WebHook-Allowed-Rate": "*"}, 600, 0, ""},
		{"rate invalid", 200, map[string]string{"WebHook-Allowed-Origin": "*", "WebHook-Allowed-Rate": "fast"}, 0, 0, "positive number"},
		{"rate zero", 200, map[string]string{"WebHook-Allowed-Origin": "*", "WebHook-Allowed-Rate": "0"}, 0, 0, "positive number"},
		{"other origin", 200, map[string]string{"WebHook-Allowed-Origin": "someone-else.example"}, 0, 0, `does not grant origin "hooks.example.org"`},
		{"no header", 200, nil, 0, 0, "no WebHook-Allowed-Origin header"},
		{"not allowed", 405, map[string]string{"WebHook-Allowed-Origin": "*"}, 0, 0, "OPTIONS answered 405"},
		{"redirect not followed", 302, map[string]string{"Location": "/elsewhere"}, 0, 0, "OPTIONS answered 302"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan http.Header, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodOptions {
					t.Errorf("method %s, want OPTIONS", r.Method)
				}
				got <- r.Header.Clone()
				for k, v := range tt.headers {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte("internal secret body"))
			}))
			defer srv.Close()
			rate, err := Handshake(context.Background(), ssrf.NewClient(loop, 10*time.Second), srv.URL, "hooks.example.org", tt.rate)
			h := <-got
			if h.Get("WebHook-Request-Origin") != "hooks.example.org" {
				t.Errorf("WebHook-Request-Origin %q", h.Get("WebHook-Request-Origin"))
			}
			if tt.rate > 0 && h.Get("WebHook-Request-Rate") != "600" {
				t.Errorf("WebHook-Request-Rate %q, want 600", h.Get("WebHook-Request-Rate"))
			}
			if tt.wantErr == "" {
				if err != nil || rate != tt.wantRate {
					t.Fatalf("Handshake = %d, %v; want %d, nil", rate, err, tt.wantRate)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Handshake error %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "secret body") {
				t.Fatalf("error quotes the response body: %v", err)
			}
		})
	}
}

// The handshake goes through the guarded client: a loopback receiver is
// never asked without allow_cidrs.
func TestHandshake_Guarded(t *testing.T) {
	asked := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = true
		w.Header().Set("WebHook-Allowed-Origin", "*")
	}))
	defer srv.Close()
	_, err := Handshake(context.Background(), ssrf.NewClient(nil, 10*time.Second), srv.URL, "pollhook", 0)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1 is loopback") || asked {
		t.Fatalf("Handshake = %v (asked %v), want a loopback refusal", err, asked)
	}
}
