package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// Release takes the pages of the database file that reads have mapped
// out of the process's resident memory. They stay in the kernel's page
// cache, and a later read maps them again: nothing is read from disk
// for it. bbolt reads the file through a memory map, and a write reads
// the neighbours of what it changes: once the polls at start have stored
// every snapshot, nearly the whole file counts in the daemon's RSS,
// though it reads a snapshot only when an answer changed.
func (db *DB) Release(ctx context.Context) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	// A read transaction holds the map in place (bbolt remaps under a
	// lock that readers share).
	return db.bolt.View(func(tx *bolt.Tx) error {
		data := db.bolt.Info().Data
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, data, uintptr(tx.Size()), unix.MADV_DONTNEED); errno != 0 {
			return fmt.Errorf("release the mapped database: %w", errno)
		}
		return nil
	})
}
