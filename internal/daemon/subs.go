package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/api"
	"github.com/pollhook/pollhook/internal/ssrf"
	"github.com/pollhook/pollhook/internal/subs"
)

// openSubs builds the subscription API's server when [subscriptions] is
// set, and hands the endpoints it holds to the dispatcher, so that their
// queued deliveries go (in once and demo too).
func (d *Daemon) openSubs(ctx context.Context, cfg *config.Config) error {
	if cfg.Subscriptions == nil {
		return nil
	}
	d.subs = subs.New(subs.Options{
		DB: d.db, Config: cfg.Subscriptions, Logger: d.log,
		Endpoints: d.disp.SetEndpoints, Wake: d.disp.Wake,
	})
	// An operator's disable, enable or verify changes what the dispatcher
	// may send to.
	d.outbox = d.outbox.WithEndpointsChanged(func() {
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.RefreshEndpoints(rctx); err != nil {
			d.log.Error("hand the endpoints to the dispatcher", "err", err)
		}
	})
	return d.subs.Refresh(ctx)
}

// consumerClient is the SSRF-guarded client of consumers' endpoints: the
// allow_cidrs it opens are those in force at each dial, so a reload
// applies to the next connection.
func (d *Daemon) consumerClient() *http.Client {
	return ssrf.New(ssrf.Options{
		Allow: func() []netip.Prefix {
			if sub := d.Config().Subscriptions; sub != nil {
				return sub.AllowCIDRs
			}
			return nil
		},
		MaxIdleConnsPerHost: 16,
	})
}

// RefreshEndpoints hands the consumers' endpoints to the dispatcher again
// after something other than the subscription API changed them (an
// operator's command, disable_after).
func (d *Daemon) RefreshEndpoints(ctx context.Context) error {
	if d.subs == nil {
		return nil
	}
	return d.subs.Refresh(ctx)
}

// serveSubs starts the subscription API on its own listener, in service
// mode, and its endpoint verifier (waited for by wg). It returns the
// server to shut down (nil when there is none).
func (d *Daemon) serveSubs(ctx context.Context, wg *sync.WaitGroup) (*http.Server, error) {
	cfg := d.Config().Subscriptions
	if !d.opts.Service || d.subs == nil {
		return nil, nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w (set [subscriptions] listen to another address)", err)
	}
	// As many connections at once as the local API, no more: a consumer
	// cannot hold the daemon's file descriptors.
	ln = api.LimitListener(ln, api.MaxConns)
	srv := api.NewServer(d.subs.Handler())
	tls := cfg.TLS
	go func() {
		var err error
		if tls != nil {
			err = srv.ServeTLS(ln, tls.CertFile, tls.KeyFile)
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("subscription API stopped", "err", err)
		}
	}()
	if tls != nil {
		d.log.Info("subscription API listening", "addr", ln.Addr().String(), "tls", true)
	} else {
		d.log.Warn("subscription API listening without TLS: a proxy in front of it must terminate TLS (or set [subscriptions] tls)",
			"addr", ln.Addr().String())
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		d.subs.Run(ctx)
	}()
	go func() {
		defer wg.Done()
		d.disableLoop(ctx)
	}()
	return srv, nil
}

// disableLoop disables, every disableEvery, the endpoints failing for
// disable_after (disableFailing), and hands the endpoints to the
// dispatcher again when it did.
func (d *Daemon) disableLoop(ctx context.Context) {
	t := time.NewTicker(disableEvery)
	defer t.Stop()
	for {
		if sub := d.Config().Subscriptions; sub != nil {
			off, err := disableFailing(ctx, d.db, sub, time.Now(), d.disp.Committed)
			switch {
			case err != nil && ctx.Err() == nil:
				d.log.Error("subscriptions: disable failing endpoints", "err", err)
			case err == nil && len(off) > 0:
				for _, e := range off {
					d.log.Warn("subscriptions: endpoint disabled", "app", e.App, "endpoint", e.ID, "reason", e.DisabledReason)
				}
				if err := d.RefreshEndpoints(ctx); err != nil && ctx.Err() == nil {
					d.log.Error("hand the endpoints to the dispatcher", "err", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reloadSubs applies a reloaded [subscriptions]: the API and the verifier
// take the new settings; its listener and turning it on or off need a
// restart.
func (d *Daemon) reloadSubs(ctx context.Context, old, cfg *config.Config) {
	switch {
	case old.Subscriptions == nil && cfg.Subscriptions != nil:
		d.log.Warn("reload: [subscriptions] added; it takes effect when pollhook restarts")
		cfg.Subscriptions = nil
		return
	case old.Subscriptions != nil && cfg.Subscriptions == nil:
		d.log.Warn("reload: [subscriptions] removed; it takes effect when pollhook restarts")
		cfg.Subscriptions = old.Subscriptions
		return
	case cfg.Subscriptions == nil:
		return
	}
	if cfg.Subscriptions.Listen != old.Subscriptions.Listen || !sameTLS(cfg.Subscriptions.TLS, old.Subscriptions.TLS) {
		d.log.Warn("reload: [subscriptions] listen and tls take effect when pollhook restarts")
		cfg.Subscriptions.Listen, cfg.Subscriptions.TLS = old.Subscriptions.Listen, old.Subscriptions.TLS
	}
	if !slices.Equal(cfg.Subscriptions.AllowCIDRs, old.Subscriptions.AllowCIDRs) {
		// Every dial checks the new ranges; a kept-alive connection to a
		// range no longer allowed must not be used again.
		d.consumer.CloseIdleConnections()
	}
	if d.subs == nil {
		return
	}
	d.subs.SetConfig(cfg.Subscriptions)
	if err := d.subs.Refresh(ctx); err != nil {
		d.log.Error("reload: hand the endpoints to the dispatcher", "err", err)
	}
}

func sameTLS(a, b *config.TLSFiles) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}
