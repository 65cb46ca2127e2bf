package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Delivery states.
const (
	StatePending   = "pending"   // queued, being tried
	StateDelivered = "delivered" // a 2xx came back
	StateFailed    = "failed"    // every attempt failed: a dead letter, kept
)

// Delivery is one event on its way to one target.
type Delivery struct {
	EventID    string    `json:"event_id"`
	Watch      string    `json:"watch"`
	Target     string    `json:"target"`
	Seq        uint64    `json:"seq"`
	State      string    `json:"state"`
	Attempts   int       `json:"attempts"`
	Created    time.Time `json:"created"`
	NextAt     time.Time `json:"next_at,omitzero"`
	Done       time.Time `json:"done,omitzero"`
	LastStatus int       `json:"last_status,omitempty"`
	LastError  string    `json:"last_error,omitempty"`
}

// Attempt is one try at a delivery.
type Attempt struct {
	At      time.Time     `json:"at"`
	Status  int           `json:"status,omitempty"`
	Latency time.Duration `json:"latency"`
	// Body is the start of the response body (at most MaxAttemptBody).
	Body  string `json:"body,omitempty"`
	Error string `json:"error,omitempty"`
}

// MaxAttemptBody is how much of a response body an attempt keeps.
const MaxAttemptBody = 1024

// maxAttemptsKept bounds the attempt log of one delivery.
const maxAttemptsKept = 50

func deliveryKey(eventID, target string) []byte {
	k := make([]byte, 0, len(eventID)+1+len(target))
	k = append(k, eventID...)
	k = append(k, 0)
	return append(k, target...)
}

func putDelivery(tx *bolt.Tx, d *Delivery) error {
	return putRecord(tx.Bucket(bucketDeliveries), deliveryKey(d.EventID, d.Target), d)
}

// Queue names one ordered stream of deliveries: one watch's events to one
// target. Deliveries in a queue go strictly in seq order.
type Queue struct {
	Target string
	Watch  string
}

// Queues lists the queues that hold undelivered deliveries.
func (db *DB) Queues(ctx context.Context) ([]Queue, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []Queue
	err := db.view(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketQueue)
		return root.ForEachBucket(func(target []byte) error {
			tb := root.Bucket(target)
			return tb.ForEachBucket(func(watch []byte) error {
				if k, _ := tb.Bucket(watch).Cursor().First(); k != nil {
					out = append(out, Queue{Target: string(target), Watch: string(watch)})
				}
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	return out, nil
}

// Pending returns up to limit undelivered deliveries of a queue in seq
// order, each with its event's payload.
func (db *DB) Pending(ctx context.Context, q Queue, limit int) ([]Pending, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []Pending
	err := db.view(func(tx *bolt.Tx) error {
		qb, err := nested(tx.Bucket(bucketQueue), false, q.Target, q.Watch)
		if err != nil || qb == nil {
			return err
		}
		c := qb.Cursor()
		for k, id := c.First(); k != nil && len(out) < limit; k, id = c.Next() {
			var d Delivery
			found, err := getJSON(tx.Bucket(bucketDeliveries), deliveryKey(string(id), q.Target), &d)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("queue %s/%s seq %d: delivery of %s missing", q.Target, q.Watch, binary.BigEndian.Uint64(k), id)
			}
			payload := tx.Bucket(bucketEvents).Get(id)
			if payload == nil {
				return fmt.Errorf("queue %s/%s: event %s missing", q.Target, q.Watch, id)
			}
			out = append(out, Pending{Delivery: d, Payload: bytes.Clone(payload)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read queue %s/%s: %w", q.Target, q.Watch, err)
	}
	return out, nil
}

// Pending is a delivery with the event it carries.
type Pending struct {
	Delivery
	Payload []byte
}

// Result is the outcome of one attempt, to be recorded.
type Result struct {
	EventID string
	Target  string
	Attempt Attempt
	// State is the delivery's state after the attempt; NextAt its next
	// attempt when still pending.
	State  string
	NextAt time.Time
}

// Record stores attempt results. Concurrent calls (and commits) share
// transactions, so many fast deliveries cost few fsyncs.
func (db *DB) Record(ctx context.Context, results ...Result) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	err := db.batch(func(tx *bolt.Tx) error {
		for _, r := range results {
			if err := record(tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	return nil
}

// record applies one result. batch may run it twice, so it must be
// idempotent: it is keyed by the attempt time.
func record(tx *bolt.Tx, r Result) error {
	key := deliveryKey(r.EventID, r.Target)
	var d Delivery
	found, err := getJSON(tx.Bucket(bucketDeliveries), key, &d)
	if err != nil {
		return err
	}
	if !found {
		return nil // pruned meanwhile; nothing to record
	}
	ab := tx.Bucket(bucketAttempts)
	var attempts attemptLog
	if _, err := getJSON(ab, key, &attempts); err != nil {
		return err
	}
	if n := len(attempts); n > 0 && attempts[n-1].At.Equal(r.Attempt.At) {
		return nil // already recorded (batch ran this function again)
	}
	attempts = append(attempts, r.Attempt)
	if len(attempts) > maxAttemptsKept {
		attempts = append(attempts[:1], attempts[len(attempts)-maxAttemptsKept+1:]...)
	}
	if err := putRecord(ab, key, attempts); err != nil {
		return err
	}
	if IsEndpoint(r.Target) {
		if err := endpointResult(tx, r); err != nil {
			return err
		}
	}
	d.Attempts++
	d.State = r.State
	d.NextAt = r.NextAt
	d.LastStatus = r.Attempt.Status
	d.LastError = r.Attempt.Error
	if d.State != StatePending {
		d.Done = r.Attempt.At
		d.NextAt = time.Time{}
		if err := unqueue(tx, &d); err != nil {
			return err
		}
	}
	if d.State == StateFailed {
		if err := tx.Bucket(bucketFailed).Put(key, nil); err != nil {
			return err
		}
	}
	return putDelivery(tx, &d)
}

// unqueue takes a delivery out of its queue, and removes the queue's
// bucket with its last entry: listing the queues at start, and counting
// them for every metrics scrape, then reads the queues that have work
// only, not one bucket for every (target, watch) that ever had some.
// Appends are write transactions too, and bbolt runs one at a time, so
// none comes between the delete and the check that the queue is empty.
func unqueue(tx *bolt.Tx, d *Delivery) error {
	tb := tx.Bucket(bucketQueue).Bucket([]byte(d.Target))
	if tb == nil {
		return nil
	}
	qb := tb.Bucket([]byte(d.Watch))
	if qb == nil {
		return nil
	}
	if err := qb.Delete(u64(d.Seq)); err != nil {
		return err
	}
	if k, _ := qb.Cursor().First(); k != nil {
		return nil
	}
	return tb.DeleteBucket([]byte(d.Watch))
}

// dropEmptyQueues removes the queue buckets that hold nothing, as
// pollhook kept them before unqueue removed them, and returns how many.
func dropEmptyQueues(tx *bolt.Tx) (int, error) {
	root := tx.Bucket(bucketQueue)
	var empty []Queue
	err := root.ForEachBucket(func(target []byte) error {
		tb := root.Bucket(target)
		return tb.ForEachBucket(func(watch []byte) error {
			if k, _ := tb.Bucket(watch).Cursor().First(); k == nil {
				empty = append(empty, Queue{Target: string(target), Watch: string(watch)})
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	for _, q := range empty {
		if err := root.Bucket([]byte(q.Target)).DeleteBucket([]byte(q.Watch)); err != nil {
			return 0, err
		}
	}
	return len(empty), nil
}

// Delivery returns one delivery and its attempts.
func (db *DB) Delivery(ctx context.Context, eventID, target string) (Delivery, []Attempt, error) {
	if err := ctxErr(ctx); err != nil {
		return Delivery{}, nil, err
	}
	var (
		d        Delivery
		attempts []Attempt
	)
	err := db.view(func(tx *bolt.Tx) error {
		key := deliveryKey(eventID, target)
		found, err := getJSON(tx.Bucket(bucketDeliveries), key, &d)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		_, err = getJSON(tx.Bucket(bucketAttempts), key, &attempts)
		return err
	})
	if err != nil {
		return Delivery{}, nil, fmt.Errorf("delivery %s to %s: %w", eventID, target, err)
	}
	return d, attempts, nil
}

// Filter selects deliveries; empty fields match everything.
type Filter struct {
	State   string
	Target  string
	Watch   string
	EventID string
	// Targets, when not nil, admits only deliveries to these targets.
	Targets map[string]bool
	// Limit caps the rows returned (newest first); 0 means no cap.
	Limit int
	// Since and Until, when not zero, admit only deliveries of events
	// made at or after Since and before Until.
	Since, Until time.Time
}

func (f Filter) match(d *Delivery) bool {
	return (f.State == "" || f.State == d.State) && (f.Target == "" || f.Target == d.Target) &&
		(f.Watch == "" || f.Watch == d.Watch) && (f.EventID == "" || f.EventID == d.EventID) &&
		(f.Targets == nil || f.Targets[d.Target]) &&
		(f.Since.IsZero() || !d.Created.Before(f.Since)) && (f.Until.IsZero() || d.Created.Before(f.Until))
}

// Deliveries lists deliveries matching f, newest event first.
func (db *DB) Deliveries(ctx context.Context, f Filter) ([]Delivery, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []Delivery
	err := db.view(func(tx *bolt.Tx) error {
		var err error
		out, err = matching(tx, f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return out, nil
}

// matching returns the deliveries f selects, newest event first, reading
// the smallest index that holds them: an event's own keys for an event
// id, the failed index for dead letters, the queues for pending ones, a
// watch's history for a watch, else every delivery.
func matching(tx *bolt.Tx, f Filter) ([]Delivery, error) {
	var out []Delivery
	deliveries := tx.Bucket(bucketDeliveries)
	add := func(k, v []byte) (bool, error) {
		if v == nil {
			return false, nil // in the failed index, pruned meanwhile
		}
		var d Delivery
		if err := decodeRecord(v, &d); err != nil {
			return false, fmt.Errorf("decode delivery %q: %w", k, err)
		}
		if f.match(&d) {
			out = append(out, d)
		}
		return f.Limit > 0 && len(out) >= f.Limit, nil
	}
	switch {
	case f.EventID != "":
		prefix := append([]byte(f.EventID), 0)
		c := deliveries.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if done, err := add(k, v); done || err != nil {
				return out, err
			}
		}
	case f.State == StateFailed:
		c := tx.Bucket(bucketFailed).Cursor()
		for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
			if done, err := add(k, deliveries.Get(k)); done || err != nil {
				return out, err
			}
		}
	case f.State == StatePending || f.Watch != "":
		var keys [][]byte
		if f.State == StatePending {
			keys = queuedKeys(tx, f)
		} else {
			keys = watchKeys(tx, f.Watch)
		}
		// Newest event first, as the keys of every delivery go.
		slices.SortFunc(keys, func(a, b []byte) int { return bytes.Compare(b, a) })
		for _, k := range keys {
			if done, err := add(k, deliveries.Get(k)); done || err != nil {
				return out, err
			}
		}
	default:
		c := deliveries.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if done, err := add(k, v); done || err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// queuedKeys returns the keys of the deliveries queued (the pending ones),
// to f's target and of f's watch when they are set.
func queuedKeys(tx *bolt.Tx, f Filter) [][]byte {
	var keys [][]byte
	root := tx.Bucket(bucketQueue)
	targets := root.Cursor()
	for target, v := targets.First(); target != nil; target, v = targets.Next() {
		if v != nil || f.Target != "" && f.Target != string(target) || f.Targets != nil && !f.Targets[string(target)] {
			continue
		}
		tb := root.Bucket(target)
		watches := tb.Cursor()
		first, _ := watches.First()
		if f.Watch != "" {
			first, _ = watches.Seek([]byte(f.Watch))
		}
		for watch := first; watch != nil; watch, _ = watches.Next() {
			if f.Watch != "" && string(watch) != f.Watch {
				break
			}
			qb := tb.Bucket(watch)
			if qb == nil {
				continue
			}
			queue := qb.Cursor()
			for seq, id := queue.First(); seq != nil; seq, id = queue.Next() {
				keys = append(keys, deliveryKey(string(id), string(target)))
			}
		}
	}
	return keys
}

// watchKeys returns the keys of the deliveries of watch's events, found
// through its history.
func watchKeys(tx *bolt.Tx, watch string) [][]byte {
	hb := tx.Bucket(bucketHistory).Bucket([]byte(watch))
	if hb == nil {
		return nil
	}
	var keys [][]byte
	deliveries := tx.Bucket(bucketDeliveries).Cursor()
	events := hb.Cursor()
	for seq, id := events.First(); seq != nil; seq, id = events.Next() {
		prefix := append(bytes.Clone(id), 0)
		for k, _ := deliveries.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = deliveries.Next() {
			keys = append(keys, bytes.Clone(k))
		}
	}
	return keys
}

// Redeliver queues deliveries again: the same event and webhook-id, a new
// round of attempts. It returns the deliveries queued.
func (db *DB) Redeliver(ctx context.Context, f Filter, now time.Time) ([]Delivery, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []Delivery
	err := db.update(func(tx *bolt.Tx) error {
		out = out[:0]
		all := f
		all.Limit = 0
		ds, err := matching(tx, all)
		if err != nil {
			return err
		}
		for i := range ds {
			d := &ds[i]
			if tx.Bucket(bucketEvents).Get([]byte(d.EventID)) == nil {
				continue
			}
			d.State, d.NextAt, d.Done, d.Attempts = StatePending, now, time.Time{}, 0
			if err := putDelivery(tx, d); err != nil {
				return err
			}
			if err := tx.Bucket(bucketFailed).Delete(deliveryKey(d.EventID, d.Target)); err != nil {
				return err
			}
			q, err := nested(tx.Bucket(bucketQueue), true, d.Target, d.Watch)
			if err != nil {
				return err
			}
			if err := q.Put(u64(d.Seq), []byte(d.EventID)); err != nil {
				return err
			}
			out = append(out, *d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redeliver: %w", err)
	}
	return out, nil
}

// Event returns the payload of an event.
func (db *DB) Event(ctx context.Context, id string) ([]byte, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []byte
	err := db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketEvents).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		out = bytes.Clone(v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("event %s: %w", id, err)
	}
	return out, nil
}

// History returns a watch's events, newest first, at most limit (0: all).
func (db *DB) History(ctx context.Context, watch string, limit int) ([][]byte, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out [][]byte
	err := db.view(func(tx *bolt.Tx) error {
		hb, err := nested(tx.Bucket(bucketHistory), false, watch)
		if err != nil || hb == nil {
			return err
		}
		events := tx.Bucket(bucketEvents)
		c := hb.Cursor()
		for k, id := c.Last(); k != nil; k, id = c.Prev() {
			if v := events.Get(id); v != nil {
				out = append(out, bytes.Clone(v))
			}
			if limit > 0 && len(out) >= limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", watch, err)
	}
	return out, nil
}

// PendingByWatch counts, per watch, the deliveries still queued, to any
// target. Like OutboxCounts it reads the queue index only.
func (db *DB) PendingByWatch(ctx context.Context) (map[string]int, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := map[string]int{}
	err := db.view(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketQueue)
		return root.ForEachBucket(func(target []byte) error {
			tb := root.Bucket(target)
			return tb.ForEachBucket(func(watch []byte) error {
				if n := tb.Bucket(watch).Stats().KeyN; n > 0 {
					out[string(watch)] += n
				}
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("count pending deliveries: %w", err)
	}
	return out, nil
}

// OutboxCounts counts, per target, the deliveries still queued and the
// dead letters. It reads indexes, not the deliveries themselves, so it is
// cheap enough for every metrics scrape.
func (db *DB) OutboxCounts(ctx context.Context) (map[string]OutboxCount, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := map[string]OutboxCount{}
	err := db.view(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketQueue)
		err := root.ForEachBucket(func(target []byte) error {
			tb := root.Bucket(target)
			c := out[string(target)]
			err := tb.ForEachBucket(func(watch []byte) error {
				c.Pending += tb.Bucket(watch).Stats().KeyN
				return nil
			})
			out[string(target)] = c
			return err
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketFailed).ForEach(func(k, _ []byte) error {
			if i := bytes.IndexByte(k, 0); i >= 0 {
				c := out[string(k[i+1:])]
				c.Failed++
				out[string(k[i+1:])] = c
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	return out, nil
}

// OutboxCount is one target's share of the outbox.
type OutboxCount struct {
	Pending int
	Failed  int
}
