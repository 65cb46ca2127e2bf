package poller

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
)

// watchInfo is what a poll needs of a watch's settings that is the same on
// every poll: worked out once per watch instead of once per poll. A
// *config.Watch does not change once loaded (a reload makes new ones), so
// its info is kept by pointer.
type watchInfo struct {
	// name is the watch's, parent the poller's logger: logger scopes one
	// to the other when a poll logs, rather than every watch keeping a
	// scoped logger (1 MB of pollhook once's heap at 10,000 watches).
	name   string
	parent *slog.Logger
	// identity is Identity(w).
	identity string
	// scheme and host are those of the watch's RequestURL, "" when it
	// does not parse (the request then fails as a bad URL); host is its
	// host:port in lower case, the key of its request slots. A page with
	// both gets the watch's credentials.
	scheme, host string
	// settings fingerprints the watch's diff settings (settingsSum).
	settings [32]byte
	// whenErrs are the when failures logged (whenFailed), by text.
	wmu      sync.Mutex
	whenErrs map[string]bool
}

// maxWhenErrs bounds the distinct when failures logged for a watch.
const maxWhenErrs = 8

// logger is the poller's logger scoped to the watch. Each call makes one,
// cheaply (withLazy): call it once a poll.
func (in *watchInfo) logger() *slog.Logger {
	return withLazy(in.parent, slog.String("watch", in.name))
}

// whenFailed logs that the watch's when expression failed on changes of
// a diff, once per distinct failure (the first maxWhenErrs of them) for
// as long as the watch's configuration is loaded, not on every poll.
func (in *watchInfo) whenFailed(res *diff.Result) {
	for _, e := range res.WhenErrs {
		in.wmu.Lock()
		seen := in.whenErrs[e.Err.Error()] || len(in.whenErrs) >= maxWhenErrs
		if !seen {
			if in.whenErrs == nil {
				in.whenErrs = map[string]bool{}
			}
			in.whenErrs[e.Err.Error()] = true
		}
		in.wmu.Unlock()
		if !seen {
			in.logger().Warn("when failed on a change, which does not fire (logged once)", "err", e,
				"op", string(e.Op), "key", e.Key, "failed", res.WhenFailed)
		}
	}
}

// info returns w's watchInfo, working it out on the first call. With
// Options.Once, Poll drops it when the poll ends (dropInfo): it is kept
// from the pool's queueing of the watch to the end of its poll.
func (p *Poller) info(w *config.Watch) *watchInfo {
	p.imu.Lock()
	defer p.imu.Unlock()
	if in := p.infos[w]; in != nil {
		return in
	}
	in := &watchInfo{name: w.Name, parent: p.log, identity: Identity(w), settings: settingsSum(w)}
	if u, err := url.Parse(w.RequestURL); err == nil {
		in.scheme, in.host = u.Scheme, strings.ToLower(u.Host)
	}
	p.infos[w] = in
	return in
}

// dropInfo forgets the info of w.
func (p *Poller) dropInfo(w *config.Watch) {
	p.imu.Lock()
	defer p.imu.Unlock()
	delete(p.infos, w)
}

// dropInfos forgets the info of every watch, so that the watches of an
// old configuration are not kept: Apply calls it with each new one. Polls
// in flight keep the info they hold.
func (p *Poller) dropInfos() {
	p.imu.Lock()
	defer p.imu.Unlock()
	clear(p.infos)
}

// withLazy is log.With(attrs...), except that the attributes are handed to
// the handler only when the logger first logs. Most polls log nothing,
// and the text and JSON handlers format attributes as they get them: for
// every watch, that cost as much CPU as a poll's own bookkeeping, and kept
// a copy of the handler.
func withLazy(log *slog.Logger, attrs ...slog.Attr) *slog.Logger {
	return slog.New(&lazyHandler{parent: log.Handler(), attrs: attrs})
}

// lazyHandler is its parent with attrs, made on first use.
type lazyHandler struct {
	parent slog.Handler
	attrs  []slog.Attr
	once   sync.Once
	h      slog.Handler
}

func (l *lazyHandler) handler() slog.Handler {
	l.once.Do(func() { l.h = l.parent.WithAttrs(l.attrs) })
	return l.h
}

// Enabled asks the parent: attributes do not change what is enabled.
func (l *lazyHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return l.parent.Enabled(ctx, level)
}

// Handle logs r with the attributes.
func (l *lazyHandler) Handle(ctx context.Context, r slog.Record) error {
	return l.handler().Handle(ctx, r)
}

// WithAttrs adds attrs after the lazy ones.
func (l *lazyHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return l.handler().WithAttrs(attrs)
}

// WithGroup opens a group after the lazy attributes.
func (l *lazyHandler) WithGroup(name string) slog.Handler {
	return l.handler().WithGroup(name)
}
