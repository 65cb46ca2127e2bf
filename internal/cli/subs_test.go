package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// TestSubsCommands: apps, endpoints and endpoint on the database itself
// (no daemon runs): the operator lists applications and endpoints, marks
// one verified, disables and enables it; what a consumer wrote is shown
// escaped.
func TestSubsCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := testkit.WriteFile(t, filepath.Join(dir, "pollhook.toml"), "db = \"state.db\"\nlisten = \""+testkit.FreeAddr(t)+"\"\n")
	ctx := context.Background()
	db, err := store.Open(filepath.Join(dir, "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	app, err := db.CreateApp(ctx, store.App{UID: "team-a", Name: "Team \x1b[31mA"})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := db.CreateEndpoint(ctx, store.Endpoint{App: app.ID, URL: "https://c.example/h\x1b]0;x\x07",
		Secrets: []store.EndpointSecret{{Key: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0"}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	out := mustCLI(t, "apps", "--config", cfg)
	if !strings.Contains(out, app.ID) || !strings.Contains(out, "team-a") || strings.Contains(out, "\x1b") {
		t.Errorf("apps printed:\n%q", out)
	}
	out = mustCLI(t, "endpoints", "team-a", "--config", cfg)
	if !strings.Contains(out, ep.ID) || !strings.Contains(out, " pending ") || strings.Contains(out, "\x1b") || strings.Contains(out, "whsec_") {
		t.Errorf("endpoints printed:\n%q", out)
	}
	if _, errOut, code := tryCLI(t, "endpoints", "app_nope", "--config", cfg); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("endpoints of an unknown app: exit %d, %q", code, errOut)
	}
	if out := mustCLI(t, "endpoint", "verify", ep.ID, "--config", cfg); !strings.Contains(out, "marked verified") {
		t.Errorf("endpoint verify printed %q", out)
	}
	mustCLI(t, "endpoint", "--config", cfg, "disable", ep.ID)
	var row inspect.Endpoint
	if err := json.Unmarshal([]byte(mustCLI(t, "endpoints", "--json", "--config", cfg)), &row); err != nil {
		t.Fatal(err)
	}
	if row.Status != store.EndpointActive || !row.Disabled || row.DisabledReason != "disabled by the operator" {
		t.Errorf("after verify and disable: %+v", row)
	}
	mustCLI(t, "endpoint", "enable", ep.ID, "--config", cfg)
	if out := mustCLI(t, "endpoints", "--config", cfg); !strings.Contains(out, " active ") {
		t.Errorf("after enable:\n%s", out)
	}
	if _, _, code := tryCLI(t, "endpoint", "explode", ep.ID, "--config", cfg); code != 2 {
		t.Errorf("endpoint explode: exit %d, want 2", code)
	}
}

// TestInspect_DaemonOfAnotherShard: an inspection command for shard 0/2
// does not show what the daemon of shard 1/2 on listen holds: it says
// which shard answers.
func TestInspect_DaemonOfAnotherShard(t *testing.T) {
	dir := t.TempDir()
	listen := testkit.FreeAddr(t)
	cfg := testkit.WriteFile(t, filepath.Join(dir, "pollhook.toml"), "db = \"state.db\"\nlisten = \""+listen+"\"\nshards = 2\n"+
		"[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nschedule = \"@every 1h\"\n")
	t.Setenv("POLLHOOK_SHARD", "1/2")
	testkit.StartDaemon(t, runCLI, cfg, listen, "")
	t.Setenv("POLLHOOK_SHARD", "")
	_, errOut, code := tryCLI(t, "watches", "--shard", "0/2", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, `is shard "1/2", not "0/2"`) {
		t.Errorf("watches --shard 0/2 against shard 1/2's daemon: exit %d, %q", code, errOut)
	}
	mustCLI(t, "watches", "--shard", "1/2", "--config", cfg)
}
