package poller

import (
	"context"
	"fmt"

	"github.com/pollhook/pollhook/config"
)

// Fetch makes a watch's request once, the way a poll does: its method,
// body, headers and credentials, its timeout and max_body, the redirect
// policy and the proxies, and every page when the watch paginates. It
// sends no validators and reads or writes no state, so a Poller without a
// Store can do it: it is how pollhook init sees an API before there is a
// watch. Like a poll it holds a request slot of the watch's host. The
// watch's credentials are scrubbed from the error.
func (p *Poller) Fetch(ctx context.Context, w *config.Watch) (pages [][]byte, contentType string, err error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	in := p.info(w)
	release, err := p.limits.host(ctx, in.host)
	if err != nil {
		return nil, "", fmt.Errorf("waiting for a request slot: %w", err)
	}
	defer release()
	res, err := p.fetchAll(ctx, w, in, request{})
	if err != nil {
		if msg := watchSecrets(w).Replace(err.Error()); msg != err.Error() {
			err = &pollError{msg: msg, err: err}
		}
		return nil, "", err
	}
	return res.pages, res.contentType, nil
}
