package store

import (
	"context"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// Backup is a consistent copy of the database as one read transaction sees
// it (pollhook db backup): a daemon goes on polling and delivering while
// it is written. Close it when done: while it is open, a commit that must
// grow the file waits for it, since bbolt then maps the file anew.
type Backup struct {
	db *DB
	tx *bolt.Tx
}

// Backup starts a backup.
func (db *DB) Backup(ctx context.Context) (*Backup, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var tx *bolt.Tx
	err := db.guard("read", func() (err error) {
		tx, err = db.bolt.Begin(false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("back up %s: %w", db.path, err)
	}
	return &Backup{db: db, tx: tx}, nil
}

// Size is the size of the copy in bytes.
func (b *Backup) Size() int64 { return b.tx.Size() }

// WriteTo writes the copy to w: a bbolt file of Size bytes, its pages read
// from the file (not the memory map) as of the transaction.
func (b *Backup) WriteTo(w io.Writer) (n int64, err error) {
	err = b.db.guard("backup", func() (err error) {
		n, err = b.tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up %s: %w", b.db.path, err)
	}
	return n, nil
}

// Close ends the backup's transaction.
func (b *Backup) Close() error { return b.tx.Rollback() }
