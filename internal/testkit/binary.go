package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// binDir is where the binary is built: one folder per test process,
// removed by RemoveBinary.
var binDir = filepath.Join(os.TempDir(), fmt.Sprintf("pollhook-test-bin-%d", os.Getpid()))

// build builds the command in pkg (relative to the module's folder) into
// binDir/name, without the race detector whatever the tests run with.
func build(name, pkg string) (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("cannot find the module's folder")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(binDir, name)
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	return bin, nil
}

// buildBinary builds pollhook once per test process.
var buildBinary = sync.OnceValues(func() (string, error) { return build("pollhook", ".") })

// buildFill builds filloutbox once per test process.
var buildFill = sync.OnceValues(func() (string, error) { return build("filloutbox", "./internal/testkit/filloutbox") })

// FillOutbox fills the database at path (closed, created if needed) with
// n change events spread over watches (watch-000, ...), each queued for
// targets, as the poller commits them. It runs the filloutbox command,
// built without the race detector: the fixture is not what the tests
// check, and it takes most of a minute to write under -race.
func FillOutbox(t testing.TB, path string, n, watches int, targets ...string) {
	t.Helper()
	bin, err := buildFill()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-db", path, "-n", strconv.Itoa(n), "-watches", strconv.Itoa(watches),
		"-targets", strings.Join(targets, ",")).CombinedOutput()
	if err != nil {
		t.Fatalf("filloutbox: %v\n%s", err, out)
	}
}

// Binary returns the pollhook binary, built once, for a test of the real
// process (signals, kill -9, file locks); -short skips such tests.
func Binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// RemoveBinary removes what Binary and FillOutbox built; call it from
// TestMain after the tests ran.
func RemoveBinary() { os.RemoveAll(binDir) }

// StartBinary starts the binary with args, its stderr in the returned
// buffer; the test's cleanup kills it if it still runs.
func StartBinary(t testing.TB, bin string, args ...string) (*exec.Cmd, *SyncBuffer) {
	t.Helper()
	return StartBinaryIn(t, "", bin, args...)
}

// StartBinaryIn is StartBinary in the working folder dir ("": the test's).
func StartBinaryIn(t testing.TB, dir, bin string, args ...string) (*exec.Cmd, *SyncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var stderr SyncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, &stderr
}
