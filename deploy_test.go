package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// TestSystemdUnit checks the shipped unit has what the service needs, and
// that systemd itself accepts it when systemd-analyze is installed.
func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("deploy", "pollhook.service"))
	if err != nil {
		t.Fatal(err)
	}
	unit := string(data)
	for _, want := range []string{
		"Type=notify", "WatchdogSec=", "DynamicUser=yes", "StateDirectory=pollhook",
		"ConfigurationDirectory=pollhook", "ExecReload=/bin/kill -HUP $MAINPID", "LoadCredential=",
		"ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service",
		"pollhook run --config ${CONFIGURATION_DIRECTORY}/pollhook.toml",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("deploy/pollhook.service lacks %q", want)
		}
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: the unit's syntax is not verified by systemd")
		return
	}
	bin := testkit.Binary(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "pollhook.service")
	local := strings.ReplaceAll(unit, "/usr/local/bin/pollhook", bin)
	if err := os.WriteFile(path, []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
