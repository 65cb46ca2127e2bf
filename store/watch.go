package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// WatchState is what pollhook remembers about a watch between polls. It is
// small, so the daemon keeps it in memory and never reads the snapshot on a
// poll that found no change.
type WatchState struct {
	// Baseline is set once the first successful poll stored a snapshot.
	Baseline bool `json:"baseline"`
	// Format is the watch's format, fixed by its first successful poll.
	Format string `json:"format,omitempty"`
	// Sum is the fingerprint of the snapshot.
	Sum uint64 `json:"sum"`
	// Identity fingerprints the options that shape the snapshot (select,
	// key, keys, ignore, format); when it changes, a new baseline is taken.
	Identity string `json:"identity,omitempty"`
	// Seq is the seq of the watch's last event.
	Seq uint64 `json:"seq"`

	// AnswerSum fingerprints, raw, an answer whose value was the
	// snapshot's (Sum), with the settings that read it: an answer with
	// the same AnswerSum is that value again, and is not prepared again.
	// 0: none known. ValueType and ValueLen are that value's type and
	// length (as diff.Shape has them), for saying what a poll that
	// prepared nothing found.
	AnswerSum uint64 `json:"answer_sum,omitempty"`
	ValueType string `json:"value_type,omitempty"`
	ValueLen  int    `json:"value_len,omitempty"`

	// Confirm: a candidate new state seen PendingCount polls in a row.
	PendingSum   uint64 `json:"pending_sum,omitempty"`
	PendingCount int    `json:"pending_count,omitempty"`

	// Conditional requests.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`

	// Health.
	Failures     int       `json:"failures,omitempty"`
	FailingSince time.Time `json:"failing_since,omitzero"`
	Alerted      bool      `json:"alerted,omitempty"`
	LastError    string    `json:"last_error,omitempty"`
	PausedUntil  time.Time `json:"paused_until,omitzero"`
	LastPoll     time.Time `json:"last_poll,omitzero"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	LastChange   time.Time `json:"last_change,omitzero"`
}

// WatchStates returns the state of every watch the database knows.
func (db *DB) WatchStates(ctx context.Context) (map[string]WatchState, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := map[string]WatchState{}
	err := db.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWatches)
		if b == nil {
			return nil
		}
		// Each state as the walk finds it, not looked up again by its key.
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				// A bucket, which pollhook never puts here: not a state
				// (db check reports it).
				return nil
			}
			var s WatchState
			if err := decodeRecord(v, &s); err != nil {
				return fmt.Errorf("decode %s: %w", k, err)
			}
			out[string(k)] = s
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read watch states: %w", err)
	}
	return out, nil
}

// WatchState returns the stored state of one watch, and false when there
// is none.
func (db *DB) WatchState(ctx context.Context, name string) (WatchState, bool, error) {
	var s WatchState
	if err := ctxErr(ctx); err != nil {
		return s, false, err
	}
	found := false
	err := db.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWatches)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(name))
		if v == nil {
			return nil
		}
		found = true
		return decodeRecord(v, &s)
	})
	if err != nil {
		return WatchState{}, false, fmt.Errorf("read watch state: %w", err)
	}
	return s, found, nil
}

// AppendSnapshot appends the stored selected value of a watch to dst and
// returns it: dst unchanged (nil for a nil dst) when there is none. A
// poll reads the value it diffs with into a buffer of its own, which the
// next one reuses.
func (db *DB) AppendSnapshot(ctx context.Context, dst []byte, watch string) ([]byte, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := dst
	err := db.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketSnapshots).Get([]byte(watch)); v != nil {
			out = append(out, v...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read snapshot of %s: %w", watch, err)
	}
	return out, nil
}

// SaveState stores a watch's state, and its snapshot when snapshot is not
// nil (a baseline), in one transaction.
func (db *DB) SaveState(ctx context.Context, watch string, s WatchState, snapshot []byte) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	err := db.update(func(tx *bolt.Tx) error {
		if snapshot != nil {
			if err := tx.Bucket(bucketSnapshots).Put([]byte(watch), snapshot); err != nil {
				return err
			}
		}
		return putRecord(tx.Bucket(bucketWatches), []byte(watch), &s)
	})
	if err != nil {
		return fmt.Errorf("save state of %s: %w", watch, err)
	}
	return nil
}

// Commit is one detected event, with everything that must be stored with
// it atomically.
type Commit struct {
	Watch string
	// State is the watch's new state; its Seq is the event's.
	State WatchState
	// Snapshot replaces the stored value when not nil.
	Snapshot []byte
	// EventID, Payload and Time describe the event. Payload is the JSON
	// event as targets receive it.
	EventID string
	Payload []byte
	Time    time.Time
	// Targets get one delivery each, queued in the outbox.
	Targets []string
	// Type is the event's type. When Subscribable (consumers may
	// subscribe to the watch), every endpoint that Admits the watch and
	// the type gets a delivery too, chosen in the commit's transaction.
	Type         string
	Subscribable bool
	// Endpoints is set by CommitEvents, for the caller to announce: the
	// endpoints the commit queued a delivery to.
	Endpoints []string
}

// CommitEvent stores an event in one transaction with the watch's new
// state and snapshot and one outbox delivery per target.
func (db *DB) CommitEvent(ctx context.Context, c Commit) error {
	return db.CommitEvents(ctx, c)
}

// CommitEvents stores several events in one transaction: all of them, or
// (on error) none, and sets each commit's Endpoints. Concurrent calls share transactions, each of them
// complete or absent in it, so that a storm of changes costs few fsyncs.
func (db *DB) CommitEvents(ctx context.Context, cs ...Commit) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	// The records are encoded before the transaction, which every other
	// write waits for: it only stores them.
	es := make([]encodedCommit, len(cs))
	for i := range cs {
		if err := es[i].encode(&cs[i]); err != nil {
			return fmt.Errorf("commit event of %s: %w", cs[i].Watch, err)
		}
	}
	// commit only puts: run twice (see batch), it writes the same.
	return db.batch(func(tx *bolt.Tx) error {
		for i := range es {
			if err := es[i].commit(db, tx); err != nil {
				return fmt.Errorf("commit event of %s: %w", cs[i].Watch, err)
			}
		}
		return nil
	})
}

// encodedCommit is a commit with its records encoded.
type encodedCommit struct {
	c          *Commit
	watch, id  []byte
	seq        []byte
	state      []byte
	deliveries [][]byte // one per target
}

func (e *encodedCommit) encode(c *Commit) error {
	if c.EventID == "" || c.State.Seq == 0 {
		return errors.New("missing id or seq")
	}
	e.c, e.watch, e.id, e.seq = c, []byte(c.Watch), []byte(c.EventID), u64(c.State.Seq)
	var err error
	if e.state, err = c.State.appendJSON(nil); err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	e.deliveries = make([][]byte, len(c.Targets))
	for i, t := range c.Targets {
		d := Delivery{
			EventID: c.EventID, Watch: c.Watch, Target: t, Seq: c.State.Seq,
			State: StatePending, Created: c.Time, NextAt: c.Time,
		}
		if e.deliveries[i], err = d.appendJSON(nil); err != nil {
			return fmt.Errorf("encode delivery to %s: %w", t, err)
		}
	}
	return nil
}

func (e *encodedCommit) commit(db *DB, tx *bolt.Tx) error {
	c := e.c
	if c.Snapshot != nil {
		if err := tx.Bucket(bucketSnapshots).Put(e.watch, c.Snapshot); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketWatches).Put(e.watch, e.state); err != nil {
		return err
	}
	if err := e.event(tx); err != nil {
		return err
	}
	c.Endpoints = nil
	if !c.Subscribable {
		return nil
	}
	eps, err := db.subscribers(tx, c.Watch, c.Type)
	if err != nil {
		return err
	}
	c.Endpoints = eps
	for _, ep := range eps {
		d := Delivery{
			EventID: c.EventID, Watch: c.Watch, Target: ep, Seq: c.State.Seq,
			State: StatePending, Created: c.Time, NextAt: c.Time,
		}
		data, err := d.appendJSON(nil)
		if err != nil {
			return fmt.Errorf("encode delivery to %s: %w", ep, err)
		}
		if err := e.enqueue(tx, ep, data); err != nil {
			return err
		}
	}
	return nil
}

// event stores the event, its place in the watch's history and its
// deliveries to the commit's targets.
func (e *encodedCommit) event(tx *bolt.Tx) error {
	c := e.c
	if err := tx.Bucket(bucketEvents).Put(e.id, c.Payload); err != nil {
		return err
	}
	hist, err := nested(tx.Bucket(bucketHistory), true, c.Watch)
	if err != nil {
		return err
	}
	if err := hist.Put(e.seq, e.id); err != nil {
		return err
	}
	for i, t := range c.Targets {
		if err := e.enqueue(tx, t, e.deliveries[i]); err != nil {
			return err
		}
	}
	return nil
}

// enqueue stores the event's delivery to target and queues it.
func (e *encodedCommit) enqueue(tx *bolt.Tx, target string, delivery []byte) error {
	if err := tx.Bucket(bucketDeliveries).Put(deliveryKey(e.c.EventID, target), delivery); err != nil {
		return err
	}
	q, err := nested(tx.Bucket(bucketQueue), true, target, e.c.Watch)
	if err != nil {
		return err
	}
	return q.Put(e.seq, e.id)
}
