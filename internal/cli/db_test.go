package cli

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// fillDB writes n events of the watch releases, queued for the target
// hook, to the database at path.
func fillDB(t *testing.T, path string, n int) {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var cs []store.Commit
	for seq := 1; seq <= n; seq++ {
		id := fmt.Sprintf("msg_%04d", seq)
		payload := fmt.Sprintf(`{"id":%q,"type":"watch.changed","timestamp":%q,"data":{"watch":"releases","seq":%d,"changes":[{"op":"added","path":"#(id==%d)","new":%q}]}}`,
			id, now.Format(time.RFC3339), seq, seq, strings.Repeat("x", 300))
		cs = append(cs, store.Commit{Watch: "releases", State: store.WatchState{Baseline: true, Seq: uint64(seq)},
			EventID: id, Payload: []byte(payload), Time: now, Targets: []string{"hook"}})
	}
	if err := db.CommitEvents(context.Background(), cs...); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedDB_CommandsSayWhatToDo: on a database cut short, of random
// bytes or empty, every command that opens it exits 1 with an error that
// names the file and says how to recover; none panics or faults.
func TestDamagedDB_CommandsSayWhatToDo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := writeInspectConfig(t, dir, "http://127.0.0.1:1/api", "http://127.0.0.1:1/hook", "", "")
	db := filepath.Join(dir, "state.db")
	fillDB(t, db, 500)
	sound, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, len(sound))
	r := rand.New(rand.NewPCG(3, 4))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	cases := []struct {
		name    string
		content []byte
		problem string
	}{
		{"cut to 50%", sound[:len(sound)/2], "it was cut short"},
		{"cut to 25%", sound[:len(sound)/4], "it was cut short"},
		{"cut to 10%", sound[:len(sound)/10], "it was cut short"},
		{"cut to 8 KiB", sound[:8<<10], "it was cut short"},
		{"random bytes", random, "it is not a bbolt database"},
		{"empty", nil, "the file is empty"},
	}
	commands := [][]string{
		{"deliveries"},
		{"history", "releases"},
		{"delivery", "msg_0001"},
		{"redeliver", "--failed"},
		{"once", "--dry-run"},
		{"run"},
		{"db", "check"},
		{"db", "backup", filepath.Join(dir, "backup.db")},
	}
	for _, tc := range cases {
		// One file, one case at a time: the commands share it.
		testkit.WriteFile(t, db, string(tc.content))
		for _, args := range commands {
			args := append(args, "--config", cfg)
			out, errOut, code := tryCLI(t, args...)
			want := "pollhook: database " + db + " is damaged: "
			if code != 1 || !strings.Contains(errOut, want) || !strings.Contains(errOut, tc.problem) ||
				!strings.Contains(errOut, "restore a backup (see pollhook db backup) or move the file away") {
				t.Errorf("%s: pollhook %s: exit %d\nstdout: %s\nstderr: %s\nwant exit 1 and %q ... %q", tc.name, strings.Join(args, " "), code, out, errOut, want, tc.problem)
			}
		}
		if got, _ := os.ReadFile(db); !bytes.Equal(got, tc.content) {
			t.Errorf("%s: the damaged file was written to", tc.name)
		}
		if _, err := os.Stat(filepath.Join(dir, "backup.db")); err == nil {
			t.Errorf("%s: db backup wrote a backup of a damaged file", tc.name)
		}
	}
}

// TestDB_CheckAndBackup: without a daemon, db check and db backup read the
// file (read-only); the backup is a database that opens, and restoring it
// is replacing the file.
func TestDB_CheckAndBackup(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc, rcSrv := maintenanceReceiver()
	defer rcSrv.Close()
	dir := t.TempDir()
	cfg := writeInspectConfig(t, dir, apiSrv.URL, rcSrv.URL, "", "")
	id := inspectScenario(t, cfg, api)
	db := filepath.Join(dir, "state.db")

	if out := mustCLI(t, "db", "check", "--config", cfg); !strings.Contains(out, db+": ok (") || !strings.Contains(out, "1 watch, 1 event, 1 delivery") {
		t.Errorf("db check = %q", out)
	}
	backup := filepath.Join(t.TempDir(), "pollhook-backup.db")
	// Flags before the subcommand and after the file.
	if out := mustCLI(t, "db", "--config", cfg, "backup", backup); !strings.Contains(out, "wrote "+backup) {
		t.Errorf("db backup = %q", out)
	}
	info, err := os.Stat(backup)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("backup mode %v, want 0600", perm)
	}
	if _, err := os.Stat(backup + ".tmp"); err == nil {
		t.Error("the temporary file is left")
	}
	if _, errOut, code := tryCLI(t, "db", "backup", backup, "--config", cfg); code != 1 || !strings.Contains(errOut, "exists: pass --force") {
		t.Errorf("backup over an existing file: exit %d %q, want 1 and a refusal", code, errOut)
	}
	mustCLI(t, "db", "backup", backup, "--force", "--config", cfg)
	if _, errOut, code := tryCLI(t, "db", "backup", db, "--force", "--config", cfg); code != 1 || !strings.Contains(errOut, "is the database itself") {
		t.Errorf("backup over the database: exit %d %q", code, errOut)
	}
	if out := mustCLI(t, "db", "check", backup); !strings.Contains(out, backup+": ok (") {
		t.Errorf("db check of the backup = %q", out)
	}

	// Restore: replace the file (the daemon stopped), and the outbox is
	// back as it was.
	mustCLI(t, "redeliver", id, "--config", cfg)
	rc.SetStatus(200)
	mustCLI(t, "once", "--config", cfg)
	if out := mustCLI(t, "deliveries", "--state", "delivered", "--config", cfg); !strings.Contains(out, id) {
		t.Fatalf("not delivered after once:\n%s", out)
	}
	data, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, db, string(data))
	if out := mustCLI(t, "deliveries", "--state", "pending", "--config", cfg); !strings.Contains(out, id) {
		t.Errorf("after the restore the delivery is not pending again:\n%s", out)
	}

	// Damage inside the file, which only a full check sees: every problem
	// is listed, and the command fails.
	damagePages(t, db)
	_, errOut, code := tryCLI(t, "db", "check", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, db+`: bucket "`) || !strings.Contains(errOut, "problem(s), listed above") ||
		!strings.Contains(errOut, "restore a backup") {
		t.Errorf("db check of a damaged file: exit %d\n%s", code, errOut)
	}
	// The inspection commands say so instead of panicking.
	_, errOut, code = tryCLI(t, "history", "releases", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "database "+db+" is damaged: bbolt failed in a read") {
		t.Errorf("history on a damaged file: exit %d\n%s", code, errOut)
	}
	// And the daemon refuses to start on it.
	_, errOut, code = tryCLI(t, "run", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "database "+db+" is damaged: ") {
		t.Errorf("run on a damaged file: exit %d\n%s", code, errOut)
	}
	// Nor does any other command write to it, and a backup of it is no
	// backup.
	damaged, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"once"}, {"redeliver", "--failed"}, {"target", "enable", "hook"}} {
		_, errOut, code := tryCLI(t, append(args, "--config", cfg)...)
		if code != 1 || !strings.Contains(errOut, "database "+db+" is damaged: ") {
			t.Errorf("%s on a damaged file: exit %d\n%s", args[0], code, errOut)
		}
	}
	if got, _ := os.ReadFile(db); !bytes.Equal(got, damaged) {
		t.Error("a command wrote to the damaged file")
	}
	bad := filepath.Join(t.TempDir(), "bad.db")
	_, errOut, code = tryCLI(t, "db", "backup", bad, "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "the copy is not sound, so "+bad+" was not written") {
		t.Errorf("db backup of a damaged file: exit %d\n%s", code, errOut)
	}
	for _, f := range []string{bad, bad + ".tmp"} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("db backup of a damaged file left %s", f)
		}
	}
}

// damagePages zeroes every page of the file but the meta pages, the root
// page and the freelist page (as the newer meta page names them), so that
// only reads find the damage.
func damagePages(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// bbolt's meta page: a 16-byte page header, then magic, version, page
	// size (u32 each), flags, the root page (u64) at 32, the freelist at
	// 48, the txid at 64.
	order := binary.NativeEndian
	ps := int(order.Uint32(data[24:]))
	m := data
	if order.Uint64(data[ps+64:]) > order.Uint64(data[64:]) {
		m = data[ps:]
	}
	keep := map[int]bool{0: true, 1: true, int(order.Uint64(m[32:])): true, int(order.Uint64(m[48:])): true}
	for id := 2; (id+1)*ps <= len(data); id++ {
		if !keep[id] {
			clear(data[id*ps : (id+1)*ps])
		}
	}
	testkit.WriteFile(t, path, string(data))
}

// TestDB_ThroughRunningDaemon: while a daemon holds the database, db check
// and db backup ask it, with the auth_token.
func TestDB_ThroughRunningDaemon(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	_, rcSrv := maintenanceReceiver()
	defer rcSrv.Close()
	dir := t.TempDir()
	listen := testkit.FreeAddr(t)
	cfg := writeInspectConfig(t, dir, apiSrv.URL, rcSrv.URL, listen, `auth_token = "s3cret-token"`)
	inspectScenario(t, cfg, api)
	d := testkit.StartDaemon(t, runCLI, cfg, listen, "s3cret-token")

	db := filepath.Join(dir, "state.db")
	if out := mustCLI(t, "db", "check", "--config", cfg); !strings.Contains(out, db+": ok (") {
		t.Errorf("db check through the daemon = %q", out)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if out := mustCLI(t, "db", "backup", backup, "--config", cfg); !strings.Contains(out, "from the running daemon") {
		t.Errorf("db backup through the daemon = %q", out)
	}
	// The file itself is the daemon's: checking it directly says so.
	if _, errOut, code := tryCLI(t, "db", "check", db); code != 1 || !strings.Contains(errOut, "name its configuration") {
		t.Errorf("db check of the daemon's file: exit %d %q", code, errOut)
	}
	if status, _ := d.Get(t, "/api/db/backup", ""); status != 401 {
		t.Errorf("GET /api/db/backup without the token: %d, want 401", status)
	}
	d.Stop()
	copyDB, err := store.Open(backup, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer copyDB.Close()
	rep, err := copyDB.Check(context.Background())
	if err != nil || len(rep.Problems) > 0 || rep.Events != 1 || rep.Deliveries != 1 {
		t.Errorf("Check of the backup = %+v, %v", rep, err)
	}
}

func TestDB_Usage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"db"},
		{"db", "nope"},
		{"db", "backup"},
		{"db", "backup", "a", "b"},
		{"db", "check", "a", "b"},
		{"db", "check", "--force"},
	} {
		if _, errOut, code := tryCLI(t, args...); code != 2 || !strings.Contains(errOut, "Usage:") {
			t.Errorf("pollhook %s: exit %d, want 2 with the usage\n%s", strings.Join(args, " "), code, errOut)
		}
	}
}
