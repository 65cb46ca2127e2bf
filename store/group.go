package store

import (
	"sync"

	bolt "go.etcd.io/bbolt"
)

// group coalesces concurrent writes into few transactions, and so few
// fsyncs: a write that finds another's transaction running waits for it,
// and the next transaction runs every write that queued up meanwhile. No
// write waits for others to come (bbolt's Batch waits up to 10 ms for a
// batch to fill): alone, a write is a transaction of its own at once.
type group struct {
	mu     sync.Mutex
	queued []*groupWrite
	// writing is held by the goroutine whose transaction runs.
	writing sync.Mutex
}

// groupWrite is one write waiting for a transaction.
type groupWrite struct {
	fn   func(*bolt.Tx) error
	err  error
	done chan struct{}
}

// batch runs fn in a write transaction, guarded, which writes of other
// goroutines may share. Each is atomic still: when one fails, the shared
// transaction is rolled back and each runs again in one of its own, so fn
// may run twice and must give the same result when it does.
func (db *DB) batch(fn func(*bolt.Tx) error) error {
	if err := db.damage(); err != nil {
		return err
	}
	w := &groupWrite{fn: fn, done: make(chan struct{})}
	g := &db.group
	g.mu.Lock()
	g.queued = append(g.queued, w)
	g.mu.Unlock()

	g.writing.Lock()
	g.mu.Lock()
	writes := g.queued
	g.queued = nil
	g.mu.Unlock()
	db.write(writes)
	g.writing.Unlock()
	// Written now, by this goroutine or by one that held writing before.
	<-w.done
	return w.err
}

// write runs writes in one transaction, or each in its own when that
// fails, and tells each its result.
func (db *DB) write(writes []*groupWrite) {
	if len(writes) == 0 {
		return
	}
	err := db.update(func(tx *bolt.Tx) error {
		for _, w := range writes {
			if err := w.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || len(writes) == 1 {
		for _, w := range writes {
			w.err = err
			close(w.done)
		}
		return
	}
	for _, w := range writes {
		w.err = db.update(w.fn)
		close(w.done)
	}
}
