package store

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// TestDB_Release: the pages of the file that reading every snapshot
// mapped leave the process's resident memory, and every snapshot still
// reads as stored.
func TestDB_Release(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	const n = 500
	snapshot := func(i int) []byte { return bytes.Repeat([]byte(strconv.Itoa(i)), 1000) }
	for i := range n {
		if err := db.SaveState(ctx, fmt.Sprintf("w%d", i), WatchState{Baseline: true}, snapshot(i)); err != nil {
			t.Fatal(err)
		}
	}
	readAll := func() {
		t.Helper()
		for i := range n {
			got, err := db.AppendSnapshot(ctx, nil, fmt.Sprintf("w%d", i))
			if err != nil || !bytes.Equal(got, snapshot(i)) {
				t.Fatalf("w%d: snapshot of %d bytes, %v; want what was stored", i, len(got), err)
			}
		}
	}
	readAll()
	before := testkit.MappedKiB(t, db.Path())
	if before < 1000 {
		t.Fatalf("reading %d snapshots of ~2 KB mapped %d KiB of the file: the test measures nothing", n, before)
	}
	if err := db.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if after := testkit.MappedKiB(t, db.Path()); after > before/4 {
		t.Errorf("resident pages of the file: %d KiB before Release, %d KiB after", before, after)
	}
	readAll()
}
