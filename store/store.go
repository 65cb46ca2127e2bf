// Package store keeps pollhook's state in one bbolt file: each watch's last
// snapshot and poll state, the change events, and the outbox of deliveries.
// A detected change is committed in one transaction with the new snapshot,
// the event and one delivery per target, so nothing is ever "sent, then
// saved" or "saved, then maybe sent". Changes committed at the same time
// share a transaction, each complete in it.
package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
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

	allBuckets = [][]byte{bucketMeta, bucketWatches, bucketSnapshots, bucketEvents,
		bucketHistory, bucketDeliveries, bucketQueue, bucketAttempts, bucketTargets, bucketFailed}
	// laterBuckets came with later versions: a file written before them
	// gets them at its first read-write open, and is sound without them.
	laterBuckets = [][]byte{bucketApps, bucketEndpoints}
)

// ErrLocked means another process holds the database open.
var ErrLocked = errors.New("database is in use by another process (is another pollhook running on it?)")

// ErrNotFound means no record has the id asked for.
var ErrNotFound = errors.New("not found")

// DB is pollhook's state.
type DB struct {
	bolt     *bolt.DB
	file     *os.File // bbolt's, read by Check
	path     string
	readOnly bool
	// broken is set when a transaction found the file damaged: writes
	// are refused from then on.
	broken atomic.Pointer[DamagedError]
	// group coalesces concurrent commits and records (batch).
	group group
	// verify, when set, is the check of Options.VerifyAtFirstWrite,
	// made once, before the first write.
	verify func() error
	// endpoints are the subscription endpoints as the last write
	// transaction read them, nil once a write has changed them (see
	// subscribers).
	endpoints atomic.Pointer[[]Endpoint]
}

// Options tune Open.
type Options struct {
	// LockTimeout bounds the wait for another process's lock on the file.
	LockTimeout time.Duration
	// ReadOnly opens the file for reading only (tests inspect a database
	// a killed daemon left; pollhook db check and db backup), with a
	// shared lock.
	ReadOnly bool
	// Verify checks every page before anything is written (the first half
	// of Check: about half a second for 350 MiB). Every command that may
	// write does (run, once, demo, redeliver, target enable), and db
	// backup on its copy, so that pollhook never writes to a damaged file
	// nor calls a damaged copy a backup; the commands that only read rely
	// on the cheap checks every Open makes.
	Verify bool
	// VerifyAtFirstWrite, with Verify, checks the pages just before the
	// first write instead of in Open: for a command that often writes
	// nothing (once, when nothing changed), which then reads only the
	// pages it needs. A damaged file fails that write, and every later one.
	VerifyAtFirstWrite bool
}

// DefaultLockTimeout is how long Open waits for another process's lock.
const DefaultLockTimeout = 2 * time.Second

// Open opens (creating if needed) the database file at path, mode 0600.
// A file that is not a sound bbolt database (cut short, empty, another
// kind of file) is a *DamagedError, and is left as it is.
func Open(path string, opts Options) (*DB, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	// The file is opened and locked first, then checked, then handed to
	// bbolt: the checks read it as no one else is writing it.
	f, created, err := openFile(path, opts.ReadOnly, opts.LockTimeout)
	if errors.Is(err, ErrLocked) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if !created {
		if err := checkFile(f, path); err != nil {
			f.Close()
			return nil, err
		}
	}
	b, err := openBolt(f, &bolt.Options{Timeout: opts.LockTimeout, ReadOnly: opts.ReadOnly})
	var damaged *DamagedError
	if errors.As(err, &damaged) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{bolt: b, file: f, path: path, readOnly: opts.ReadOnly,
		group: group{company: groupCompany, linger: groupLinger}}
	if opts.Verify && opts.VerifyAtFirstWrite {
		db.verify = sync.OnceValue(db.verifyPages)
	} else if opts.Verify {
		if err := db.verifyPages(); err != nil {
			b.Close()
			return nil, err
		}
	}
	// A file that has every bucket and this schema is not written to on
	// open: the inspection commands open it read-write, and a damaged
	// page Open cannot see must not be followed by a commit.
	var ready bool
	err = db.view(func(tx *bolt.Tx) error {
		ready = initialized(tx)
		return checkSchema(tx.Bucket(bucketMeta))
	})
	if err == nil && !ready && !opts.ReadOnly {
		err = db.update(db.init)
	}
	if errors.As(err, &damaged) {
		b.Close()
		return nil, err
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// verifyPages checks every page (CheckPages): a damaged file is a
// *DamagedError, and refuses writes from then on.
func (db *DB) verifyPages() error {
	problems, err := db.CheckPages()
	if err == nil && len(problems) > 0 {
		err = db.damaged(summary(problems))
	}
	return err
}

// summary is the first of problems, and how many more there are.
func summary(problems []string) string {
	if len(problems) == 1 {
		return problems[0]
	}
	return fmt.Sprintf("%s, and %d more problems (pollhook db check lists them)", problems[0], len(problems)-1)
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

// initialized reports whether tx has every bucket and this schema version.
func initialized(tx *bolt.Tx) bool {
	for _, name := range slices.Concat(allBuckets, laterBuckets) {
		if tx.Bucket(name) == nil {
			return false
		}
	}
	return bytes.Equal(tx.Bucket(bucketMeta).Get(keySchema), u64(SchemaVersion))
}

func (db *DB) init(tx *bolt.Tx) error {
	for _, name := range slices.Concat(allBuckets, laterBuckets) {
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
	if err := decodeRecord(data, v); err != nil {
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

// Ping checks that the database can be read, and has not been found
// damaged.
func (db *DB) Ping(ctx context.Context) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := db.damage(); err != nil {
		return err
	}
	return db.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return errors.New("meta bucket missing")
		}
		return nil
	})
}
