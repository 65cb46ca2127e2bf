package demo

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/notify"
)

func TestVerify(t *testing.T) {
	key := []byte("0123456789abcdef0123")
	now := time.Unix(1764600000, 0)
	body := []byte(`{"id":"msg_1"}`)
	signed := func(ts time.Time, keys ...[]byte) http.Header {
		h := http.Header{}
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
		h.Set("webhook-signature", notify.Sign(keys, "msg_1", strconv.FormatInt(ts.Unix(), 10), body))
		return h
	}
	other := []byte("another secret, rotated")
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		err    string
	}{
		{"valid", signed(now, key), body, ""},
		{"one of several signatures", signed(now, other, key), body, ""},
		{"wrong secret", signed(now, other), body, "no valid signature"},
		{"body changed", signed(now, key), []byte(`{"id":"msg_2"}`), "no valid signature"},
		{"too old", signed(now.Add(-6*time.Minute), key), body, "outside tolerance"},
		{"from the future", signed(now.Add(6*time.Minute), key), body, "outside tolerance"},
		{"no headers", http.Header{}, body, "missing webhook headers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify([][]byte{key}, tt.header, tt.body, now)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("Verify = %v, want %q", err, tt.err)
			}
		})
	}
}

// TestDemo_API: the API serves its releases and changes them on its
// script, one step per interval.
func TestDemo_API(t *testing.T) {
	d, err := Start(Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !strings.HasPrefix(d.Secret, "whsec_") {
		t.Errorf("secret %q", d.Secret)
	}
	if _, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(d.Secret, "whsec_")); err != nil {
		t.Errorf("secret is not base64: %v", err)
	}
	if cfg := d.Config("x.db"); !strings.Contains(cfg, d.Base+"/v1/releases") || !strings.Contains(cfg, `listen = ""`) {
		t.Errorf("config:\n%s", cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	steps := make(chan string, 4)
	go d.Mutate(ctx, 10*time.Millisecond, func(what string) { steps <- what })
	for _, want := range []string{"published a draft v1.3.0", "edited v1.3.0", "touched every updated_at", "deleted v1.2.0"} {
		if got := <-steps; !strings.HasPrefix(got, want) {
			t.Errorf("step %q, want %q", got, want)
		}
	}
	cancel()
	resp, err := http.Get(d.Base + "/v1/releases")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("GET /v1/releases: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
