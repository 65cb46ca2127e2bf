package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fillTest writes a database of n events of one watch, each queued for two
// targets, half of them delivered to one, and returns its path.
func fillTest(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	var cs []Commit
	for seq := uint64(1); seq <= uint64(n); seq++ {
		id := fmt.Sprintf("msg_%04d", seq)
		cs = append(cs, Commit{Watch: "w", State: WatchState{Baseline: true, Seq: seq}, Snapshot: []byte(`[1]`),
			EventID: id, Payload: []byte(fmt.Sprintf(`{"id":%q,"pad":%q}`, id, strings.Repeat("x", 400))),
			Time: now, Targets: []string{"a", "b"}})
	}
	if err := db.CommitEvents(ctx, cs...); err != nil {
		t.Fatal(err)
	}
	var delivered []Result
	for seq := 1; seq <= n; seq += 2 {
		delivered = append(delivered, Result{EventID: fmt.Sprintf("msg_%04d", seq), Target: "a", State: StateDelivered, Attempt: Attempt{At: now, Status: 200}})
	}
	if err := db.Record(ctx, delivered...); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// fileMeta reads the meta page bbolt uses, for the tests that damage
// chosen pages.
func fileMeta(t *testing.T, path string) meta {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, _ := f.Stat()
	m, err := readMeta(f, info.Size())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func truncateTo(fraction float64) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, int64(float64(info.Size())*fraction)); err != nil {
			t.Fatal(err)
		}
	}
}

func truncateBytes(n int64) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		if err := os.Truncate(path, n); err != nil {
			t.Fatal(err)
		}
	}
}

// overwrite writes data over the file at offset off.
func overwrite(t *testing.T, path string, off int64, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(data, off); err != nil {
		t.Fatal(err)
	}
}

// zeroPages zeroes every data page but the ones keep names.
func zeroPages(keep func(m meta) []uint64) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		m := fileMeta(t, path)
		kept := map[uint64]bool{0: true, 1: true}
		for _, id := range keep(m) {
			kept[id] = true
		}
		zero := make([]byte, m.pageSize)
		for id := uint64(2); id < m.hwm; id++ {
			if !kept[id] {
				overwrite(t, path, int64(id*m.pageSize), zero)
			}
		}
	}
}

// pointBucketsBeyond makes every top-level bucket in the root page point
// at a page far past the end of the file: bbolt reads it through its map,
// unchecked, and faults (SIGSEGV).
func pointBucketsBeyond(t *testing.T, path string) {
	m := fileMeta(t, path)
	page := make([]byte, m.pageSize)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.ReadAt(page, int64(m.root*m.pageSize))
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	h := parseHeader(page)
	if h.flags != flagLeaf {
		t.Fatalf("root page of type %#x", h.flags)
	}
	n := 0
	for i := 0; i < int(h.count); i++ {
		off := pageHeaderSize + i*16
		e := page[off:]
		flags, pos, ksize := order.Uint32(e[0:]), int(order.Uint32(e[4:])), int(order.Uint32(e[8:]))
		v := page[off+pos+ksize:]
		if flags&flagBucket != 0 && order.Uint64(v) != 0 {
			order.PutUint64(v, m.hwm+1<<24)
			n++
		}
	}
	if n == 0 {
		t.Fatal("no bucket with a page of its own")
	}
	overwrite(t, path, int64(m.root*m.pageSize), page)
}

// TestOpen_DamagedFile is the damaged-database table: every damage gives
// a *DamagedError that names the file and says how to recover, never a
// panic or a fault, and the file is left as it was.
func TestOpen_DamagedFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		damage func(*testing.T, string)
		// open is what Open says ("" when it opens: the damage is where
		// only reads find it).
		open string
	}{
		{"truncated to 50%", truncateTo(0.5), "it was cut short"},
		{"truncated to 25%", truncateTo(0.25), "it was cut short"},
		{"truncated to 10%", truncateTo(0.1), "it was cut short"},
		{"truncated to 8 KiB", truncateBytes(8 << 10), "it was cut short"},
		{"truncated to one page", truncateBytes(4096), "it was cut short"},
		{"truncated to 100 bytes", truncateBytes(100), "it was cut short"},
		{"truncated to 10 bytes", truncateBytes(10), "not a bbolt database"},
		{"empty", truncateBytes(0), "the file is empty"},
		{"random bytes", func(t *testing.T, path string) {
			data := make([]byte, 256<<10)
			r := rand.New(rand.NewPCG(1, 2))
			for i := range data {
				data[i] = byte(r.Uint32())
			}
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "not a bbolt database"},
		{"another kind of file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("db = \"state.db\"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "not a bbolt database"},
		{"both meta pages fail their checksum", func(t *testing.T, path string) {
			ps := int64(fileMeta(t, path).pageSize)
			overwrite(t, path, pageHeaderSize+40, []byte{0xff})
			overwrite(t, path, ps+pageHeaderSize+40, []byte{0xff})
		}, "meta page 0 fails its checksum"},
		{"root page zeroed", func(t *testing.T, path string) {
			m := fileMeta(t, path)
			overwrite(t, path, int64(m.root*m.pageSize), make([]byte, m.pageSize))
		}, "is not a b-tree page"},
		{"freelist page zeroed", func(t *testing.T, path string) {
			m := fileMeta(t, path)
			overwrite(t, path, int64(m.freelist*m.pageSize), make([]byte, m.pageSize))
		}, "is not a freelist page"},
		{"every data page zeroed", zeroPages(func(m meta) []uint64 { return []uint64{m.root, m.freelist} }), ""},
		{"buckets point past the end", pointBucketsBeyond, ""},
	}
	sound, err := os.ReadFile(fillTest(t, 300))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "state.db")
			if err := os.WriteFile(path, sound, 0o600); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
					t.Error("the damaged file was written to")
				}
			}()
			for _, opts := range []Options{{}, {ReadOnly: true}} {
				db, err := Open(path, opts)
				if tt.open != "" {
					checkDamaged(t, err, path, tt.open)
					if err == nil {
						db.Close()
					}
					continue
				}
				if err != nil {
					t.Fatalf("Open(%+v): %v, want it to open (only reads find this damage)", opts, err)
				}
				checkReads(t, db, path, opts.ReadOnly)
				db.Close()
			}
			if tt.open == "" {
				// pollhook run checks every page before it writes.
				_, err := Open(path, Options{Verify: true})
				checkDamaged(t, err, path, "")
				// once checks them before its first write: that fails,
				// and so does the next.
				db, err := Open(path, Options{Verify: true, VerifyAtFirstWrite: true})
				if err != nil {
					t.Fatalf("Open with the check at the first write: %v", err)
				}
				for range 2 {
					err = db.SaveState(context.Background(), "w", WatchState{Seq: 9}, []byte(`"x"`))
					checkDamaged(t, err, path, "")
				}
				db.Close()
			}
		})
	}
}

// checkDamaged checks that err is the DamagedError for path saying want.
func checkDamaged(t *testing.T, err error, path, want string) {
	t.Helper()
	var de *DamagedError
	if !errors.Is(err, ErrDamaged) || !errors.As(err, &de) {
		t.Fatalf("error %v, want a DamagedError", err)
	}
	msg := err.Error()
	for _, s := range []string{path, want, "restore a backup"} {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q lacks %q", msg, s)
		}
	}
}

// checkReads runs every read on a database whose damage only reads find:
// each succeeds or fails with a DamagedError, never panics; once the
// damage is found, writes are refused and Ping fails; Check lists it.
func checkReads(t *testing.T, db *DB, path string, readOnly bool) {
	t.Helper()
	ctx := context.Background()
	found := 0
	try := func(name string, err error) {
		t.Helper()
		switch {
		case err == nil:
		case errors.Is(err, ErrDamaged):
			found++
			if !strings.Contains(err.Error(), path) {
				t.Errorf("%s: %v does not name the file", name, err)
			}
		default:
			t.Errorf("%s: %v, want nil or a DamagedError", name, err)
		}
	}
	_, err := db.WatchStates(ctx)
	try("WatchStates", err)
	_, err = db.AppendSnapshot(ctx, nil, "w")
	try("Snapshot", err)
	_, err = db.History(ctx, "w", 0)
	try("History", err)
	_, err = db.Deliveries(ctx, Filter{})
	try("Deliveries", err)
	_, err = db.Deliveries(ctx, Filter{EventID: "msg_0002"})
	try("Deliveries of an event", err)
	_, _, err = db.Delivery(ctx, "msg_0002", "a")
	if !errors.Is(err, ErrNotFound) {
		try("Delivery", err)
	}
	_, err = db.Event(ctx, "msg_0002")
	if !errors.Is(err, ErrNotFound) {
		try("Event", err)
	}
	_, err = db.Queues(ctx)
	try("Queues", err)
	_, err = db.OutboxCounts(ctx)
	try("OutboxCounts", err)
	_, err = db.TargetStates(ctx)
	try("TargetStates", err)
	if !readOnly {
		try("Record", db.Record(ctx, Result{EventID: "msg_0002", Target: "a", State: StateDelivered, Attempt: Attempt{At: time.Now()}}))
	}
	if found == 0 {
		t.Fatal("no read found the damage")
	}
	if err := db.Ping(ctx); !errors.Is(err, ErrDamaged) {
		t.Errorf("Ping after damage was found: %v", err)
	}
	if !readOnly {
		if err := db.SaveState(ctx, "w", WatchState{}, nil); !errors.Is(err, ErrDamaged) {
			t.Errorf("a write after damage was found: %v, want it refused", err)
		}
	}
	rep, err := db.Check(ctx)
	if err != nil || len(rep.Problems) == 0 {
		t.Errorf("Check = %+v, %v; want problems", rep, err)
	}
}

// TestCheck_SoundDatabases: the checks find nothing wrong in sound
// databases, small (every bucket inline) or large (branch pages, overflow
// pages), nor where bbolt falls back to the older meta page.
func TestCheck_SoundDatabases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		events int
		damage func(*testing.T, string)
	}{
		{"new", 0, nil},
		{"one event", 1, nil},
		{"300 events", 300, nil},
		{"3000 events", 3000, nil},
		{"newer meta page damaged", 300, func(t *testing.T, path string) {
			m := fileMeta(t, path)
			off := int64(0)
			if m.txid%2 == 1 {
				off = int64(m.pageSize)
			}
			overwrite(t, path, off+pageHeaderSize+40, []byte{0xff})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "state.db")
			if tt.events > 0 {
				path = fillTest(t, tt.events)
			}
			if tt.damage != nil {
				tt.damage(t, path)
			}
			db, err := Open(path, Options{Verify: true})
			if err != nil {
				t.Fatal(err)
			}
			// A big snapshot: overflow pages.
			if err := db.SaveState(context.Background(), "big", WatchState{}, bytes.Repeat([]byte("y"), 100<<10)); err != nil {
				t.Fatal(err)
			}
			rep, err := db.Check(context.Background())
			if err != nil || len(rep.Problems) > 0 {
				t.Fatalf("Check = %+v, %v", rep, err)
			}
			if tt.damage == nil && (rep.Events != tt.events || rep.Deliveries != 2*tt.events) {
				t.Errorf("Check counted %d events, %d deliveries; want %d, %d", rep.Events, rep.Deliveries, tt.events, 2*tt.events)
			}
			db.Close()
			ro, err := Open(path, Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer ro.Close()
			if rep, err := ro.Check(context.Background()); err != nil || len(rep.Problems) > 0 {
				t.Fatalf("read-only Check = %+v, %v", rep, err)
			}
		})
	}
}

// TestCheck_FindsInconsistencies: what the page walk cannot see, bbolt's
// check and the record checks do.
func TestCheck_FindsInconsistencies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	if err := db.CommitEvent(ctx, Commit{Watch: "w", State: WatchState{Seq: 1}, EventID: "msg_1",
		Payload: []byte(`{}`), Time: time.Now(), Targets: []string{"t"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketEvents).Delete([]byte("msg_1")); err != nil {
			return err
		}
		return tx.Bucket(bucketWatches).Put([]byte("w"), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	rep, err := db.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(rep.Problems, "\n")
	for _, want := range []string{`the state of watch "w"`, "queue t/w: seq 1: event msg_1 is missing"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}

// TestBackup_IsConsistentAndOpens: a backup taken while writes go on opens
// as a sound database holding what was committed when it began.
func TestBackup_IsConsistentAndOpens(t *testing.T) {
	t.Parallel()
	path := fillTest(t, 300)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	b, err := db.Backup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A commit after the backup began is not in it.
	if err := db.CommitEvent(ctx, Commit{Watch: "w", State: WatchState{Seq: 301}, EventID: "msg_0301",
		Payload: []byte(`{}`), Time: time.Now(), Targets: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := b.WriteTo(&buf)
	if err != nil || n != b.Size() || int64(buf.Len()) != n {
		t.Fatalf("WriteTo = %d, %v; size %d, wrote %d", n, err, b.Size(), buf.Len())
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(copyPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cp, err := Open(copyPath, Options{Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	rep, err := cp.Check(ctx)
	if err != nil || len(rep.Problems) > 0 || rep.Events != 300 {
		t.Fatalf("Check of the copy = %+v, %v", rep, err)
	}
}
