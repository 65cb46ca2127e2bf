// Package store keeps pollhook's state in one bbolt file: each watch's last
// snapshot and poll state, the change events, and the outbox of deliveries.
// A detected change is committed in one transaction with the new snapshot,
// the event and one delivery per target, so nothing is ever "sent, then
// saved" or "saved, then maybe sent".
package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout of the buckets below. Open refuses a file
// written by a newer pollhook.
const SchemaVersion = 1

// Buckets. Nested buckets are named per watch or target.
var (
	bucketMeta       = []byte("meta")
	bucketWatches    = []byte("watches")    // watch -> WatchState JSON
	bucketSnapshots  = []byte("snapshots")  // watch -> selected value
	bucketEvents     = []byte("events")     // event id -> event JSON
	bucketHistory    = []byte("history")    // watch / seq -> event id
	bucketDeliveries = []byte("deliveries") // event id \x00 target -> Delivery JSON
	bucketQueue      = []byte("queue")      // target / watch / seq -> event id (not yet delivered)
	bucketAttempts   = []byte("attempts")   // event id \x00 target -> []Attempt JSON
	bucketTargets    = []byte("targets")    // target -> TargetState JSON
	bucketFailed     = []byte("failed")     // event id \x00 target -> nothing: the dead letters
	keySchema        = []byte("schema")
)

// ErrLocked means another process holds the database open.
var ErrLocked = errors.New("database is in use by another process (is another pollhook running on it?)")

// ErrNotFound means no record has the id asked for.
var ErrNotFound = errors.New("not found")

// DB is pollhook's state.
type DB struct {
	bolt *bolt.DB
	path string
}

// Options tune Open.
type Options struct {
	// LockTimeout bounds the wait for another process's lock on the file.
	LockTimeout time.Duration
	// ReadOnly opens the file for reading only (tests inspect a database
	// a killed daemon left).
	ReadOnly bool
}

// DefaultLockTimeout is how long Open waits for another process's lock.
const DefaultLockTimeout = 2 * time.Second

// Open opens (creating if needed) the database file at path, mode 0600.
func Open(path string, opts Options) (*DB, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, ReadOnly: opts.ReadOnly})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{bolt: b, path: path}
	if opts.ReadOnly {
		err = b.View(func(tx *bolt.Tx) error { return checkSchema(tx.Bucket(bucketMeta)) })
	} else {
		err = b.Update(db.init)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

func checkSchema(meta *bolt.Bucket) error {
	if meta == nil {
		return nil // a new file, nothing written yet
	}
	v := meta.Get(keySchema)
	if v == nil {
		return nil
	}
	if n := binary.BigEndian.Uint64(v); n > SchemaVersion {
		return fmt.Errorf("schema version %d is newer than this pollhook understands (%d): upgrade pollhook", n, SchemaVersion)
	}
	return nil
}

func (db *DB) init(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketMeta, bucketWatches, bucketSnapshots, bucketEvents,
		bucketHistory, bucketDeliveries, bucketQueue, bucketAttempts, bucketTargets, bucketFailed} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	if err := checkSchema(meta); err != nil {
		return err
	}
	return meta.Put(keySchema, u64(SchemaVersion))
}

// Close closes the database file.
func (db *DB) Close() error { return db.bolt.Close() }

// Path is the database file.
func (db *DB) Path() string { return db.path }

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return b.Put(key, data)
}

func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decode %s: %w", key, err)
	}
	return true, nil
}

// nested returns bucket parent/name, creating it when create is set; nil
// when it does not exist and create is not set.
func nested(parent *bolt.Bucket, create bool, names ...string) (*bolt.Bucket, error) {
	b := parent
	for _, n := range names {
		next := b.Bucket([]byte(n))
		if next == nil {
			if !create {
				return nil, nil
			}
			var err error
			if next, err = b.CreateBucket([]byte(n)); err != nil {
				return nil, err
			}
		}
		b = next
	}
	return b, nil
}

// exists reports whether path names an existing file.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Exists reports whether a database file is at path; the inspection
// commands use it to avoid creating an empty one.
func Exists(path string) bool { return exists(path) }

func ctxErr(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	return ctx.Err()
}

// Ping checks that the database can be read.
func (db *DB) Ping(ctx context.Context) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	return db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return errors.New("meta bucket missing")
		}
		return nil
	})
}
