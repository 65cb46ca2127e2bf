package daemon

import (
	"context"

	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/poller"
	"github.com/pollhook/pollhook/store"
)

// committer is the store as the poller sees it, with each commit telling
// the dispatcher which queues it gave work: the dispatcher reads those,
// not every queue, after every commit. It forwards only what poller.Store
// needs, so no other way to commit (a *store.DB method that an embedded
// DB would promote) can bypass the announcement.
type committer struct {
	db   *store.DB
	disp *notify.Dispatcher
}

var _ poller.Store = committer{}

// WatchStates is store.DB.WatchStates.
func (c committer) WatchStates(ctx context.Context) (map[string]store.WatchState, error) {
	return c.db.WatchStates(ctx)
}

// WatchState is store.DB.WatchState.
func (c committer) WatchState(ctx context.Context, name string) (store.WatchState, bool, error) {
	return c.db.WatchState(ctx, name)
}

// AppendSnapshot is store.DB.AppendSnapshot.
func (c committer) AppendSnapshot(ctx context.Context, dst []byte, watch string) ([]byte, error) {
	return c.db.AppendSnapshot(ctx, dst, watch)
}

// SaveState is store.DB.SaveState: it commits no event, so there is
// nothing to announce.
func (c committer) SaveState(ctx context.Context, watch string, s store.WatchState, snapshot []byte) error {
	return c.db.SaveState(ctx, watch, s, snapshot)
}

// CommitEvents commits cs in one transaction, then tells the dispatcher
// of their deliveries.
func (c committer) CommitEvents(ctx context.Context, cs ...store.Commit) error {
	if err := c.db.CommitEvents(ctx, cs...); err != nil {
		return err
	}
	for _, cm := range cs {
		c.disp.Committed(cm.Watch, cm.Targets)
		if len(cm.Endpoints) > 0 {
			c.disp.Committed(cm.Watch, cm.Endpoints)
		}
	}
	return nil
}
