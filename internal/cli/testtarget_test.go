package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTestTarget(t *testing.T) {
	t.Parallel()
	var status int
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		got = append(got, body)
		w.WriteHeader(status)
		if status == http.StatusNotFound {
			fmt.Fprint(w, "no_service")
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "pollhook.toml")
	src := fmt.Sprintf("[[target]]\nname = \"team\"\nkind = \"slack\"\nurl = %q\n\n[[watch]]\nname = \"releases\"\nurl = \"https://api.example/r\"\nnotify = [\"team\"]\n", srv.URL+"/services/T0/B0/secretpart")
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}

	status = http.StatusOK
	out := mustCLI(t, "test-target", "team", "--config", cfg)
	for _, want := range []string{"POST ", "HTTP 200", "ok: target team accepted the sample event msg_"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "secretpart") {
		t.Errorf("the webhook URL's secret part was printed:\n%s", out)
	}
	if len(got) != 1 || got[0]["blocks"] == nil || !strings.Contains(fmt.Sprint(got[0]["text"]), "pollhook test message") {
		t.Errorf("the receiver got %v, want a Slack message", got)
	}

	status = http.StatusNotFound
	_, errOut, code := tryCLI(t, "test-target", "team", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "would disable the target") {
		t.Errorf("404 from Slack: exit %d, %q", code, errOut)
	}
	if _, _, code := tryCLI(t, "test-target", "nope", "--config", cfg); code != 1 {
		t.Errorf("unknown target: exit %d", code)
	}
}

// TestTestTarget_event: --event sends a sample of another type; the
// change sample of a target of a split watch is one element's event.
func TestTestTarget_event(t *testing.T) {
	t.Parallel()
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		got = append(got, body)
	}))
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "pollhook.toml")
	src := fmt.Sprintf("[[target]]\nname = \"hook\"\nurl = %q\n\n[[watch]]\nname = \"releases\"\nurl = \"https://api.example/r\"\nkey = \"id\"\nsplit = true\nnotify = [\"hook\"]\n", srv.URL)
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ typ, key string }{{"watch.truncated", ""}, {"watch.changed", "v1.3.0"}, {"watch.failing", ""}} {
		mustCLI(t, "test-target", "--event", tt.typ, "hook", "--config", cfg)
		last := got[len(got)-1]
		data, _ := last["data"].(map[string]any)
		if last["type"] != tt.typ || data["watch"] != "releases" || tt.key != "" && data["key"] != tt.key {
			t.Errorf("--event %s sent %v", tt.typ, last)
		}
	}
	if _, errOut, code := tryCLI(t, "test-target", "hook", "--event", "watch.nope", "--config", cfg); code != 2 || !strings.Contains(errOut, "watch.truncated") {
		t.Errorf("an unknown type: exit %d, %q", code, errOut)
	}
}
