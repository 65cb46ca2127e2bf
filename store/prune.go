package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PruneStats counts what Prune removed.
type PruneStats struct {
	Events     int
	Deliveries int
	// Queues counts empty queue buckets an older pollhook left.
	Queues int
}

// Prune removes events older than retention, and the oldest events beyond
// keep per watch, with their deliveries and attempts. An event with a
// pending or failed delivery is never removed: the outbox and its dead
// letters are kept until delivered or redelivered. Queue buckets left
// empty (by versions that kept them after their last delivery) go too.
func (db *DB) Prune(ctx context.Context, now time.Time, retention time.Duration, keep int) (PruneStats, error) {
	var stats PruneStats
	if err := ctxErr(ctx); err != nil {
		return stats, err
	}
	cutoff := now.Add(-retention)
	err := db.update(func(tx *bolt.Tx) error {
		hist := tx.Bucket(bucketHistory)
		var watches [][]byte
		if err := hist.ForEachBucket(func(k []byte) error {
			watches = append(watches, bytes.Clone(k))
			return nil
		}); err != nil {
			return err
		}
		for _, w := range watches {
			hb := hist.Bucket(w)
			total := hb.Stats().KeyN
			var drop [][2][]byte // seq key, event id
			c := hb.Cursor()
			remaining := total
			for k, id := c.First(); k != nil; k, id = c.Next() {
				old, err := eventBefore(tx, id, cutoff)
				if err != nil {
					return err
				}
				if !old && remaining <= keep {
					break // newer events follow; nothing more to prune here
				}
				settled, err := settled(tx, id)
				if err != nil {
					return err
				}
				if settled {
					drop = append(drop, [2][]byte{bytes.Clone(k), bytes.Clone(id)})
					remaining--
				}
			}
			for _, d := range drop {
				n, err := deleteEvent(tx, d[1])
				if err != nil {
					return err
				}
				if err := hb.Delete(d[0]); err != nil {
					return err
				}
				stats.Events++
				stats.Deliveries += n
			}
		}
		var err error
		stats.Queues, err = dropEmptyQueues(tx)
		return err
	})
	if err != nil {
		return PruneStats{}, fmt.Errorf("prune: %w", err)
	}
	return stats, nil
}

func eventBefore(tx *bolt.Tx, id []byte, cutoff time.Time) (bool, error) {
	v := tx.Bucket(bucketEvents).Get(id)
	if v == nil {
		return true, nil
	}
	var head struct {
		Timestamp time.Time `json:"timestamp"`
	}
	if err := json.Unmarshal(v, &head); err != nil {
		return false, fmt.Errorf("decode event %s: %w", id, err)
	}
	return head.Timestamp.Before(cutoff), nil
}

// settled reports whether every delivery of the event was delivered.
func settled(tx *bolt.Tx, id []byte) (bool, error) {
	prefix := append(bytes.Clone(id), 0)
	c := tx.Bucket(bucketDeliveries).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var d Delivery
		if err := decodeRecord(v, &d); err != nil {
			return false, fmt.Errorf("decode delivery %q: %w", k, err)
		}
		if d.State != StateDelivered {
			return false, nil
		}
	}
	return true, nil
}

// deleteEvent removes an event with its deliveries and attempts.
func deleteEvent(tx *bolt.Tx, id []byte) (int, error) {
	prefix := append(bytes.Clone(id), 0)
	var keys [][]byte
	c := tx.Bucket(bucketDeliveries).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := tx.Bucket(bucketDeliveries).Delete(k); err != nil {
			return 0, err
		}
		if err := tx.Bucket(bucketAttempts).Delete(k); err != nil {
			return 0, err
		}
		if err := tx.Bucket(bucketFailed).Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), tx.Bucket(bucketEvents).Delete(id)
}
