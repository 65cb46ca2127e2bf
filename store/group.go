package store

import (
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// group coalesces concurrent writes into few transactions, and so few
// fsyncs: a write that finds another's transaction running queues up, and
// the next transaction runs every write that queued meanwhile. A write
// that comes alone does not wait for others to come (bbolt's Batch waits
// up to 10 ms for a batch to fill): it is a transaction of its own at
// once. In a storm, a transaction waits a little for company (gather).
//
// One write at a time leads: it runs the queued writes in a transaction,
// tells each its result, and hands the lead to the first write queued
// since, if any. A write returns as soon as its transaction is committed,
// not after the ones that follow it: with a lock that every write took in
// turn, a write stored early still waited for its place in the lock's
// line, a transaction or more later, and a storm's writes each waited for
// several transactions.
type group struct {
	mu     sync.Mutex
	queued []*groupWrite
	// leading is set while a write leads (runs a transaction, or has been
	// handed the lead and not yet taken it).
	leading bool
	// shared: the last transaction ran more than one write. Writes come
	// in a storm then, and a leader waits for company (see gather).
	shared bool
	// began is when the last transaction began.
	began time.Time
	// filled, when not nil, is closed once company writes have queued.
	filled chan struct{}
	// company and linger: a leader waits until that many writes are
	// queued, or until linger after the last transaction began at most
	// (groupCompany and groupLinger, set by Open).
	company int
	linger  time.Duration
}

// A leader in a storm waits for up to groupCompany writes to share its
// transaction, until groupLinger after the last one began at most: each
// transaction costs two fsyncs and a rewrite of every page it touches
// (the branch pages of every bucket), whatever it carries. A storm's
// writes come faster than that, and several watches' commits in one
// transaction cost each a fraction of one of their own. A transaction that
// took longer than groupLinger waits for nothing: its writes queued up
// meanwhile, and waiting longer would only slow the storm down.
const (
	groupCompany = 64
	groupLinger  = 5 * time.Millisecond
)

// groupWrite is one write waiting for a transaction.
type groupWrite struct {
	fn  func(*bolt.Tx) error
	err error
	// done is closed once the write's transaction is over (err set);
	// lead, when the write is handed the lead before that.
	done chan struct{}
	lead chan struct{}
}

// batch runs fn in a write transaction, guarded, which writes of other
// goroutines may share. Each is atomic still: when one fails, the shared
// transaction is rolled back and each runs again in one of its own, so fn
// may run twice and must give the same result when it does.
func (db *DB) batch(fn func(*bolt.Tx) error) error {
	if err := db.damage(); err != nil {
		return err
	}
	w := &groupWrite{fn: fn, done: make(chan struct{}), lead: make(chan struct{}, 1)}
	g := &db.group
	g.mu.Lock()
	g.queued = append(g.queued, w)
	if g.filled != nil && len(g.queued) >= g.company {
		close(g.filled)
		g.filled = nil
	}
	if g.leading {
		g.mu.Unlock()
		select {
		case <-w.done:
			return w.err
		case <-w.lead:
		}
		g.mu.Lock()
	}
	g.leading = true
	g.gather()
	writes := g.queued
	g.queued = nil
	g.shared = len(writes) > 1
	g.began = time.Now()
	g.mu.Unlock()

	db.write(writes)

	g.mu.Lock()
	if len(g.queued) > 0 {
		g.queued[0].lead <- struct{}{}
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	return w.err
}

// gather waits, as the leader, for company: in a storm (the last
// transaction was shared) until enough writes are queued, or until linger
// after the last transaction began. A write that comes alone is never
// held up: it finds no storm. g.mu must be held; it is released while
// waiting.
func (g *group) gather() {
	wait := time.Until(g.began.Add(g.linger))
	if !g.shared || len(g.queued) >= g.company || wait <= 0 {
		return
	}
	filled := make(chan struct{})
	g.filled = filled
	g.mu.Unlock()
	t := time.NewTimer(wait)
	select {
	case <-filled:
	case <-t.C:
	}
	t.Stop()
	g.mu.Lock()
	g.filled = nil
}

// write runs writes in one transaction, or each in its own when that
// fails, and tells each its result.
func (db *DB) write(writes []*groupWrite) {
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
