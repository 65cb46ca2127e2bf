package store

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// holdWrite runs a write that blocks until release, which first waits (a
// while) for n more writes to queue behind it; done waits for its end.
func holdWrite(t *testing.T, db *DB, n int) (release, done func()) {
	t.Helper()
	held, free := make(chan struct{}), make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		_ = db.batch(func(*bolt.Tx) error {
			close(held)
			<-free
			return nil
		})
	}()
	<-held
	release = func() {
		defer close(free)
		waitQueued(t, db, n)
	}
	return release, func() { <-ended }
}

// TestBatch_QueuedWritesShareOneTransaction: the writes that queue up while
// a transaction runs go in the next one, all of them.
func TestBatch_QueuedWritesShareOneTransaction(t *testing.T) {
	db := openTest(t)
	const n = 20
	release, done := holdWrite(t, db, n)
	var (
		mu  sync.Mutex
		txs = map[*bolt.Tx]bool{}
		wg  sync.WaitGroup
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.batch(func(tx *bolt.Tx) error {
				mu.Lock()
				txs[tx] = true
				mu.Unlock()
				return tx.Bucket(bucketMeta).Put(fmt.Appendf(nil, "k%d", i), []byte("v"))
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	release()
	wg.Wait()
	done()
	if len(txs) != 1 {
		t.Errorf("%d writes queued together ran in %d transactions, want 1", n, len(txs))
	}
}

// TestBatch_FailingWriteFailsAlone: a write that fails in a shared
// transaction leaves nothing of itself, and the others are stored.
func TestBatch_FailingWriteFailsAlone(t *testing.T) {
	db := openTest(t)
	release, done := holdWrite(t, db, 3)
	bad := errors.New("bad write")
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.batch(func(tx *bolt.Tx) error {
				if err := tx.Bucket(bucketMeta).Put(fmt.Appendf(nil, "k%d", i), []byte("v")); err != nil {
					return err
				}
				if i == 1 {
					return bad
				}
				return nil
			})
		}()
	}
	release()
	wg.Wait()
	done()
	if !errors.Is(errs[1], bad) {
		t.Errorf("write 1 = %v, want its own error", errs[1])
	}
	for _, i := range []int{0, 2} {
		if errs[i] != nil {
			t.Errorf("write %d = %v, want nil", i, errs[i])
		}
	}
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		for i, want := range []bool{true, false, true} {
			if got := tx.Bucket(bucketMeta).Get(fmt.Appendf(nil, "k%d", i)) != nil; got != want {
				t.Errorf("key of write %d stored = %v, want %v", i, got, want)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// waitQueued waits (a while) until n writes are queued for the next
// transaction.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		db.group.mu.Lock()
		queued := len(db.group.queued)
		db.group.mu.Unlock()
		if queued >= n {
			return
		}
	}
	t.Fatalf("fewer than %d writes queued", n)
}

// TestBatch_StoredWriteReturnsBeforeTheNextTransaction: a write returns
// once its own transaction is committed, while the transaction of the
// writes queued after it still runs. (Each write waiting in a lock's line
// for its turn waited for the transactions of the writes ahead of it in
// the line, its own long done.)
func TestBatch_StoredWriteReturnsBeforeTheNextTransaction(t *testing.T) {
	db := openTest(t)
	release, done := holdWrite(t, db, 2)
	// a and b share the second transaction, which holds until c queues
	// behind it; c's transaction holds until a and b have returned.
	var once sync.Once
	returned := make(chan int, 2)
	running, cQueued := make(chan struct{}), make(chan struct{})
	for i := range 2 {
		go func() {
			err := db.batch(func(tx *bolt.Tx) error {
				once.Do(func() {
					close(running)
					<-cQueued
				})
				return tx.Bucket(bucketMeta).Put(fmt.Appendf(nil, "k%d", i), []byte("v"))
			})
			if err != nil {
				t.Error(err)
			}
			returned <- i
		}()
	}
	release()
	done()
	<-running
	cDone := make(chan struct{})
	bothBack := make(chan struct{})
	go func() {
		defer close(cDone)
		err := db.batch(func(tx *bolt.Tx) error {
			<-bothBack
			return tx.Bucket(bucketMeta).Put([]byte("c"), []byte("v"))
		})
		if err != nil {
			t.Error(err)
		}
	}()
	waitQueued(t, db, 1)
	close(cQueued)
	for range 2 {
		select {
		case <-returned:
		case <-time.After(5 * time.Second):
			t.Error("a stored write is still waiting while the next transaction runs")
		}
	}
	close(bothBack)
	<-cDone
}

// TestBatch_StormWritesWaitForCompany: once writes come in a storm (the
// last transaction was shared), a leader waits for company before it
// writes, so writes that come one after the other still share a
// transaction; a write that comes alone after a transaction of its own
// waits for nobody.
func TestBatch_StormWritesWaitForCompany(t *testing.T) {
	db := openTest(t)
	const company = 4
	db.group.company, db.group.linger = company, time.Hour
	var (
		mu  sync.Mutex
		txs = map[*bolt.Tx]int{}
	)
	write := func(i int) error {
		return db.batch(func(tx *bolt.Tx) error {
			mu.Lock()
			txs[tx]++
			mu.Unlock()
			return tx.Bucket(bucketMeta).Put(fmt.Appendf(nil, "k%d", i), []byte("v"))
		})
	}
	// Alone: no storm, no wait (with an hour's linger, a wait would
	// not end).
	if err := write(0); err != nil {
		t.Fatal(err)
	}
	// Two writes share a transaction: a storm.
	release, done := holdWrite(t, db, 2)
	var wg sync.WaitGroup
	for i := 1; i <= 2; i++ {
		wg.Go(func() {
			if err := write(i); err != nil {
				t.Error(err)
			}
		})
	}
	release()
	done()
	wg.Wait()
	// The next writes come one after the other, each once the one before
	// is queued; they go in one transaction, once company are queued.
	for i := 3; i < 3+company; i++ {
		wg.Go(func() {
			if err := write(i); err != nil {
				t.Error(err)
			}
		})
		if i < 3+company-1 {
			waitQueued(t, db, i-2)
		}
	}
	wg.Wait()
	var sizes []int
	for _, n := range txs {
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	if want := []int{1, 2, company}; !slices.Equal(sizes, want) {
		t.Errorf("transactions of %v writes, want %v", sizes, want)
	}
}
