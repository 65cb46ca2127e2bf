package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// eventStampRE is the one form of an event's timestamp: RFC 3339 in UTC
// with exactly three fractional digits.
var eventStampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// TestEventTimestamps: the events of test-target and of once, printed and
// delivered, write their timestamp the same way.
func TestEventTimestamps(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc := testkit.NewReceiver(0)
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	cfg := testkit.WriteConfig(t, t.TempDir(), apiSrv.URL, rcSrv.URL)
	ctx := context.Background()

	check := func(what string, body []byte) {
		t.Helper()
		var ev struct {
			Timestamp string `json:"timestamp"`
		}
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Fatalf("%s: %v\n%s", what, err, body)
		}
		if !eventStampRE.MatchString(ev.Timestamp) {
			t.Errorf("%s: timestamp %q, want RFC 3339 UTC with milliseconds", what, ev.Timestamp)
		}
	}

	mustCLI(t, "test-target", "hook", "--config", cfg)
	hooks := rc.Hooks()
	if len(hooks) != 1 {
		t.Fatalf("test-target sent %d webhooks, want 1", len(hooks))
	}
	check("test-target's webhook", hooks[0].Body)

	var out, errOut bytes.Buffer
	if code := runCLI(ctx, []string{"once", "--config", cfg}, &out, &errOut); code != 0 {
		t.Fatalf("baseline once: exit %d\n%s", code, errOut.String())
	}
	api.Set(testkit.ReleasesV2)
	out.Reset()
	if code := runCLI(ctx, []string{"once", "--config", cfg}, &out, &errOut); code != 0 {
		t.Fatalf("once: exit %d\n%s", code, errOut.String())
	}
	check("once's printed event", []byte(strings.TrimSpace(out.String())))
	hooks = rc.Hooks()
	if len(hooks) != 2 {
		t.Fatalf("%d webhooks in all, want 2", len(hooks))
	}
	check("once's webhook", hooks[1].Body)
}
