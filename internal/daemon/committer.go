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

// CommitEvent commits c, then tells the dispatcher of its deliveries.
func (c committer) CommitEvent(ctx context.Context, cm store.Commit) error {
	if err := c.DB.CommitEvent(ctx, cm); err != nil {
		return err
	}
	c.disp.Committed(cm.Watch, cm.Targets)
	return nil
}
