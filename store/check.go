package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// CheckReport is what Check found: the problems (none: the database is
// sound), and what the database holds.
type CheckReport struct {
	Path string `json:"path"`
	// Size is the bytes the last commit uses (pages × page size).
	Size       int64    `json:"size"`
	Problems   []string `json:"problems"`
	Watches    int      `json:"watches"`
	Events     int      `json:"events"`
	Deliveries int      `json:"deliveries"`
}

// maxProblems bounds the problems a check lists.
const maxProblems = 100

// Check checks the whole database: bbolt's structure page by page (walk,
// then bbolt's own Tx.Check: every page reachable or free, none used
// twice, keys in order), then pollhook's records (the buckets and schema
// version, every record decodes, every queued delivery and its event
// exist). It reads every page. The pages are checked holding the write
// lock, since bbolt's check is exact only when nothing commits meanwhile
// (a daemon's polls and deliveries wait: about half a second for 350 MiB);
// the records, if the pages are sound, in a read transaction of their own,
// while writes go on. What it finds is in the report; the error is for a
// check that could not run.
func (db *DB) Check(ctx context.Context) (CheckReport, error) {
	rep := CheckReport{Path: db.path, Problems: []string{}}
	if err := ctxErr(ctx); err != nil {
		return rep, err
	}
	problems, err := db.CheckPages()
	if err == nil && len(problems) == 0 {
		err = db.view(func(tx *bolt.Tx) error {
			problems, err = checkRecords(ctx, tx, &rep)
			return err
		})
	}
	if err != nil {
		return rep, fmt.Errorf("check %s: %w", db.path, err)
	}
	rep.Problems = append(rep.Problems, problems...)
	err = db.view(func(tx *bolt.Tx) error {
		rep.Size = tx.Size()
		return nil
	})
	return rep, err
}

// CheckPages checks bbolt's structure of the file (Check's first half),
// holding the write lock.
func (db *DB) CheckPages() ([]string, error) {
	var problems []string
	run := func(tx *bolt.Tx) (err error) {
		problems, err = db.checkPages(tx)
		return err
	}
	if db.readOnly {
		return problems, db.view(run) // a shared file lock: nobody writes
	}
	err := db.guard("check", func() error {
		tx, err := db.bolt.Begin(true)
		if err != nil {
			return err
		}
		defer tx.Rollback() // writes nothing
		return run(tx)
	})
	return problems, err
}

// checkPages walks the pages of tx's file, then runs bbolt's check when the
// walk found nothing wrong.
func (db *DB) checkPages(tx *bolt.Tx) ([]string, error) {
	f := db.file
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	m, err := readMeta(f, info.Size())
	if err != nil {
		return []string{err.Error()}, nil
	}
	// A write transaction's id is the last commit's plus one.
	want := uint64(tx.ID())
	if tx.Writable() {
		want--
	}
	if m.txid != want {
		return nil, fmt.Errorf("the file's last commit is transaction %d, not %d", m.txid, want)
	}
	if err := checkMeta(f, info.Size(), m); err != nil {
		return []string{err.Error()}, nil
	}
	if problems := walk(f, m, maxProblems); len(problems) > 0 {
		return problems, nil
	}
	var problems []string
	more := 0
	for err := range tx.Check() { // drained to the end: bbolt's goroutine sends until done
		if len(problems) < maxProblems {
			problems = append(problems, err.Error())
		} else {
			more++
		}
	}
	if more > 0 {
		problems = append(problems, fmt.Sprintf("and %d more", more))
	}
	return problems, nil
}

// checkRecords checks pollhook's buckets and records, counting them in rep.
func checkRecords(ctx context.Context, tx *bolt.Tx, rep *CheckReport) ([]string, error) {
	var problems []string
	more := 0
	problem := func(format string, args ...any) {
		if len(problems) < maxProblems {
			problems = append(problems, fmt.Sprintf(format, args...))
		} else {
			more++
		}
	}
	for _, name := range allBuckets {
		if tx.Bucket(name) == nil {
			problem("bucket %q is missing", name)
		}
	}
	if len(problems) > 0 {
		return problems, nil
	}
	switch v := tx.Bucket(bucketMeta).Get(keySchema); {
	case len(v) != 8:
		problem("meta: the schema version is %d bytes, not 8", len(v))
	case binary.BigEndian.Uint64(v) > SchemaVersion:
		problem("meta: schema version %d is newer than this pollhook understands (%d)", binary.BigEndian.Uint64(v), SchemaVersion)
	}
	decode := func(bucket []byte, what string, v func() any, count *int) {
		_ = tx.Bucket(bucket).ForEach(func(k, data []byte) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if data == nil {
				problem("%s: %q is a bucket, not a record", bucket, k)
				return nil
			}
			var err error
			if v == nil {
				if !json.Valid(data) {
					err = errors.New("not valid JSON")
				}
			} else {
				err = json.Unmarshal(data, v())
			}
			switch {
			case err != nil:
				problem("%s %q: %v", what, k, err)
			case count != nil:
				*count++
			}
			return nil
		})
	}
	decode(bucketWatches, "the state of watch", func() any { return new(WatchState) }, &rep.Watches)
	decode(bucketTargets, "the state of target", func() any { return new(TargetState) }, nil)
	decode(bucketEvents, "event", nil, &rep.Events)
	decode(bucketAttempts, "the attempts of", nil, nil)
	// Buckets of later versions, absent from a file no later version
	// has opened for writing.
	if tx.Bucket(bucketApps) != nil {
		decode(bucketApps, "application", func() any { return new(App) }, nil)
	}
	if tx.Bucket(bucketEndpoints) != nil {
		decode(bucketEndpoints, "endpoint", func() any { return new(Endpoint) }, nil)
	}
	// Deliveries are many: only the fields the outbox's indexes rely on
	// are decoded (a full decode of 400,000 takes seconds).
	type head struct {
		EventID string `json:"event_id"`
		Watch   string `json:"watch"`
		Target  string `json:"target"`
		Seq     uint64 `json:"seq"`
		State   string `json:"state"`
	}
	deliveries := tx.Bucket(bucketDeliveries)
	_ = deliveries.ForEach(func(k, data []byte) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var d head
		switch err := json.Unmarshal(data, &d); {
		case data == nil:
			problem("deliveries: %q is a bucket, not a record", k)
		case err != nil:
			problem("delivery %q: %v", k, err)
		case !bytes.Equal(k, deliveryKey(d.EventID, d.Target)):
			problem("delivery %q is filed under the wrong key (it is of event %s to %s)", k, d.EventID, d.Target)
		default:
			rep.Deliveries++
		}
		return nil
	})
	// Every queued delivery exists, is pending, and has its event: the
	// dispatcher stops at one that does not.
	events, queue := tx.Bucket(bucketEvents), tx.Bucket(bucketQueue)
	_ = queue.ForEachBucket(func(target []byte) error {
		tb := queue.Bucket(target)
		return tb.ForEachBucket(func(watch []byte) error {
			name := fmt.Sprintf("queue %s/%s", target, watch)
			return tb.Bucket(watch).ForEach(func(k, id []byte) error {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if len(k) != 8 {
					problem("%s: key %x is not a seq", name, k)
					return nil
				}
				seq := binary.BigEndian.Uint64(k)
				var d head
				data := deliveries.Get(deliveryKey(string(id), string(target)))
				switch {
				case data == nil:
					problem("%s: seq %d: the delivery of event %s is missing", name, seq, id)
				case json.Unmarshal(data, &d) != nil:
					// reported with the deliveries
				case d.State != StatePending || d.Seq != seq || d.Watch != string(watch):
					problem("%s: seq %d: event %s is queued, but its delivery is %s, seq %d of watch %s", name, seq, id, d.State, d.Seq, d.Watch)
				}
				if events.Get(id) == nil {
					problem("%s: seq %d: event %s is missing", name, seq, id)
				}
				return nil
			})
		})
	})
	if more > 0 {
		problems = append(problems, fmt.Sprintf("and %d more", more))
	}
	return problems, ctx.Err()
}
