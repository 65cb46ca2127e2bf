package store

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Held is a watch's state with its snapshot: what moves with the watch
// to another database (pollhook export and import).
type Held struct {
	Watch    string
	State    WatchState
	Snapshot []byte
}

// Held returns the state and snapshot of each of watches (of every watch
// the database holds state for, when none is named), in one read
// transaction. A named watch without state is ErrNotFound.
func (db *DB) Held(ctx context.Context, watches []string) ([]Held, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []Held
	err := db.view(func(tx *bolt.Tx) error {
		states, snaps := tx.Bucket(bucketWatches), tx.Bucket(bucketSnapshots)
		get := func(name []byte) error {
			h := Held{Watch: string(name)}
			ok, err := getJSON(states, name, &h.State)
			if err != nil {
				return fmt.Errorf("watch %s: %w", name, err)
			}
			if !ok {
				return fmt.Errorf("watch %q: no state in %s: %w", name, db.path, ErrNotFound)
			}
			if v := snaps.Get(name); v != nil {
				h.Snapshot = append([]byte(nil), v...)
			}
			out = append(out, h)
			return nil
		}
		if len(watches) > 0 {
			for _, w := range watches {
				if err := get([]byte(w)); err != nil {
					return err
				}
			}
			return nil
		}
		return states.ForEach(func(k, _ []byte) error { return get(k) })
	})
	if err != nil {
		return nil, fmt.Errorf("read held state: %w", err)
	}
	return out, nil
}

// SeqError refuses an import that would move a watch's seq backwards:
// its events would be numbered again.
type SeqError struct {
	Watch     string
	Have, Got uint64
}

// Error names the watch and both seqs.
func (e *SeqError) Error() string {
	return fmt.Sprintf("watch %q: the database is at seq %d, the import at %d: importing it would number events again", e.Watch, e.Have, e.Got)
}

// Adopt stores the states and snapshots of hs in one transaction: all of
// them, or (on error) none. A watch whose stored seq is past the one
// imported is a *SeqError (several are joined).
func (db *DB) Adopt(ctx context.Context, hs []Held) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	return db.update(func(tx *bolt.Tx) error {
		states, snaps := tx.Bucket(bucketWatches), tx.Bucket(bucketSnapshots)
		var errs []error
		for _, h := range hs {
			var have WatchState
			if _, err := getJSON(states, []byte(h.Watch), &have); err != nil {
				return fmt.Errorf("watch %s: %w", h.Watch, err)
			}
			if have.Seq > h.State.Seq {
				errs = append(errs, &SeqError{Watch: h.Watch, Have: have.Seq, Got: h.State.Seq})
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		for _, h := range hs {
			s := h.State
			if err := putRecord(states, []byte(h.Watch), &s); err != nil {
				return fmt.Errorf("watch %s: %w", h.Watch, err)
			}
			var err error
			if h.Snapshot != nil {
				err = snaps.Put([]byte(h.Watch), h.Snapshot)
			} else {
				err = snaps.Delete([]byte(h.Watch))
			}
			if err != nil {
				return fmt.Errorf("watch %s: %w", h.Watch, err)
			}
		}
		return nil
	})
}

// Forget deletes the state and snapshot of watches, in one transaction;
// their events, history and deliveries stay (they drain and are pruned
// as usual). A watch without state is ErrNotFound, and nothing is
// deleted.
func (db *DB) Forget(ctx context.Context, watches []string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	return db.update(func(tx *bolt.Tx) error {
		states, snaps := tx.Bucket(bucketWatches), tx.Bucket(bucketSnapshots)
		for _, w := range watches {
			if states.Get([]byte(w)) == nil {
				return fmt.Errorf("watch %q: no state in %s: %w", w, db.path, ErrNotFound)
			}
			if err := states.Delete([]byte(w)); err != nil {
				return err
			}
			if err := snaps.Delete([]byte(w)); err != nil {
				return err
			}
		}
		return nil
	})
}
