package store

import (
	"bytes"
	"context"
	"fmt"

	"github.com/tidwall/gjson"
	bolt "go.etcd.io/bbolt"
)

// RecentOptions select the newest events of all watches (Recent).
type RecentOptions struct {
	// Limit caps the events returned; 0 means no cap.
	Limit int
	// Watch, when not nil, admits only the events of the watches it
	// accepts (the configured ones).
	Watch func(name string) bool
	// Scan, when not 0, bounds how many events are read to find them:
	// a page that shows the newest few must not read a whole history
	// when the newest events belong to watches Watch refuses.
	Scan int
}

// Recent returns the payloads of the newest events of all watches,
// newest first. It reads the event records themselves, from the end:
// event ids begin with their creation time in milliseconds (event.NewID),
// so the events bucket is already a global index by time, kept in the
// transaction of every commit and pruned with the events. Nothing is
// written for it, and a database of any age has it. Within one
// millisecond the order is the ids'.
func (db *DB) Recent(ctx context.Context, o RecentOptions) ([][]byte, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out [][]byte
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketEvents).Cursor()
		read := 0
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if o.Scan > 0 && read == o.Scan || o.Limit > 0 && len(out) == o.Limit {
				break
			}
			read++
			if v == nil {
				continue // a bucket: not pollhook's
			}
			if o.Watch != nil && !o.Watch(eventWatch(v)) {
				continue
			}
			out = append(out, bytes.Clone(v))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recent events: %w", err)
	}
	return out, nil
}

// eventWatch is the watch an event payload names (data.watch), read
// without decoding the rest of it: it comes before the changes.
func eventWatch(payload []byte) string {
	return gjson.GetBytes(payload, "data.watch").String()
}
