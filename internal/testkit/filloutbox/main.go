// Command filloutbox fills a pollhook database with change events queued
// for targets, as the poller would commit them: the fixture of the
// dispatcher's benchmarks and of its heap test. The tests build it without
// the race detector and run it (testkit.FillOutbox), because filling
// 100,000 deliveries through bbolt takes seconds plainly and most of a
// minute under -race, and the fixture is not what those tests check.
//
//	filloutbox -db FILE -n EVENTS -watches W -targets a,b
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/store"
)

func main() {
	path := flag.String("db", "", "the database `file` (created if needed)")
	n := flag.Int("n", 0, "how many events")
	watches := flag.Int("watches", 1, "spread over this many watches (watch-000, ...)")
	targets := flag.String("targets", "hook", "comma-separated targets each event is queued for")
	flag.Parse()
	if err := fill(*path, *n, *watches, strings.Split(*targets, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "filloutbox:", err)
		os.Exit(1)
	}
}

// fill opens the database and fills it.
func fill(path string, n, watches int, targets []string) error {
	db, err := store.Open(path, store.Options{})
	if err != nil {
		return err
	}
	err = commit(db, n, watches, targets)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

// commit commits n change events spread over watches, each queued for
// targets, in transactions of 1,000.
func commit(db *store.DB, n, watches int, targets []string) error {
	now := time.Now()
	seq := make([]uint64, watches)
	var batch []store.Commit
	flush := func() error {
		err := db.CommitEvents(context.Background(), batch...)
		batch = batch[:0]
		return err
	}
	for i := 0; i < n; i++ {
		w := i % watches
		seq[w]++
		name := fmt.Sprintf("watch-%03d", w)
		ev := &event.Event{ID: event.NewID(now), Type: event.TypeChanged, Timestamp: event.Now(now),
			Data: event.Data{Watch: name, URL: "https://api.example/" + name, Seq: seq[w], Format: diff.JSON,
				Changes: []diff.Change{{Op: diff.Changed, Path: "#(id==1).price", Key: "1",
					Old: json.RawMessage(`100`), New: json.RawMessage(fmt.Sprint(100 + i))}},
				Counts: &diff.Counts{Changed: 1}}}
		payload, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		batch = append(batch, store.Commit{Watch: name,
			State: store.WatchState{Baseline: true, Seq: seq[w]}, EventID: ev.ID, Payload: payload,
			Time: now, Targets: targets})
		if len(batch) == 1000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(batch) > 0 {
		return flush()
	}
	return nil
}
