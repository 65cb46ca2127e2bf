package daemon

import (
	"context"

	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/poller"
	"github.com/pollhook/pollhook/store"
)

// committer is the store as the poller sees it, with each commit telling
// the dispatcher which queues it gave work: the dispatcher reads those,
// not every queue, after every commit.
type committer struct {
	*store.DB
	disp *notify.Dispatcher
}

var _ poller.Store = committer{}

// CommitEvents commits cs in one transaction, then tells the dispatcher
// of their deliveries.
func (c committer) CommitEvents(ctx context.Context, cs ...store.Commit) error {
	if err := c.DB.CommitEvents(ctx, cs...); err != nil {
		return err
	}
	for _, cm := range cs {
		c.disp.Committed(cm.Watch, cm.Targets)
	}
	return nil
}
