package poller

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/pollhook/pollhook/config"
)

// limits bounds the polls running at once and the requests in flight to
// each host, so that a hundred watches of one API never hit it together.
type limits struct {
	polls   chan struct{}
	perHost int

	mu    sync.Mutex
	hosts map[string]chan struct{} // host:port -> slots
}

func newLimits(maxConcurrent, maxPerHost int) *limits {
	if maxConcurrent <= 0 {
		maxConcurrent = config.DefaultMaxConcurrent
	}
	if maxPerHost <= 0 {
		maxPerHost = config.DefaultMaxPerHost
	}
	return &limits{polls: make(chan struct{}, maxConcurrent), perHost: maxPerHost, hosts: map[string]chan struct{}{}}
}

// poll takes a poll slot; release gives it back.
func (l *limits) poll(ctx context.Context) (release func(), err error) {
	return acquire(ctx, l.polls)
}

// host takes a request slot for host (host:port, as in URL.Host).
func (l *limits) host(ctx context.Context, host string) (release func(), err error) {
	host = strings.ToLower(host)
	l.mu.Lock()
	slots := l.hosts[host]
	if slots == nil {
		slots = make(chan struct{}, l.perHost)
		l.hosts[host] = slots
	}
	l.mu.Unlock()
	return acquire(ctx, slots)
}

func acquire(ctx context.Context, slots chan struct{}) (func(), error) {
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// clientFor returns the client for a watch: the shared one, or, for a
// watch with its own TLS settings, one client per distinct setting,
// sharing its transport (and connections) with every watch that has the
// same settings.
func (p *Poller) clientFor(w *config.Watch) *http.Client {
	if w.TLS == nil || w.TLS.Config == nil {
		return p.client
	}
	key := w.TLS.Key()
	p.tmu.Lock()
	defer p.tmu.Unlock()
	if w.TLS.InsecureSkipVerify && !p.warned[w.Name] {
		p.warned[w.Name] = true
		p.log.Warn("TLS certificate verification is off for this watch (insecure_skip_verify)", "watch", w.Name)
	}
	if c := p.clients[key]; c != nil {
		return c
	}
	var tr *http.Transport
	if base, ok := p.client.Transport.(*http.Transport); ok {
		tr = base.Clone()
	} else {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	tr.TLSClientConfig = w.TLS.Config.Clone()
	c := *p.client
	c.Transport = tr
	p.clients[key] = &c
	return &c
}

// dropClients forgets the per-TLS-setting clients, closing their idle
// connections; polls in flight keep the one they hold.
func (p *Poller) dropClients() {
	p.tmu.Lock()
	defer p.tmu.Unlock()
	for key, c := range p.clients {
		c.CloseIdleConnections()
		delete(p.clients, key)
	}
}

// DefaultDiffBudget is how many bytes of answers may be prepared and
// diffed at once, over all polls: a diff needs a few times the size of the
// documents it compares, so max_concurrent polls of large answers must not
// add up to more memory than the machine has. One answer larger than the
// budget is diffed alone.
const DefaultDiffBudget = 128 << 20

// budget is a weighted semaphore of bytes: polls wait, first come first
// served, until their answer fits beside the ones being diffed.
type budget struct {
	mu      sync.Mutex
	size    int64
	used    int64
	waiters []*budgetWaiter
}

type budgetWaiter struct {
	n     int64
	ready chan struct{} // closed when the bytes are granted
}

func newBudget(size int64) *budget {
	if size <= 0 {
		size = DefaultDiffBudget
	}
	return &budget{size: size}
}

// acquire takes n bytes of the budget (at least 1, at most all of it),
// waiting for them until ctx ends; release gives them back.
func (b *budget) acquire(ctx context.Context, n int64) (release func(), err error) {
	n = min(max(n, 1), b.size)
	release = func() { b.release(n) }
	b.mu.Lock()
	if len(b.waiters) == 0 && b.used+n <= b.size {
		b.used += n
		b.mu.Unlock()
		return release, nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return release, nil
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-w.ready:
		// Granted as ctx ended: give the bytes back.
		b.used -= n
	default:
		for i, x := range b.waiters {
			if x == w {
				b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
				break
			}
		}
	}
	b.grant() // a waiter behind this one may fit now
	return nil, ctx.Err()
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.grant()
	b.mu.Unlock()
}

// grant gives the waiters at the head of the queue their bytes while they
// fit. b.mu must be held.
func (b *budget) grant() {
	for len(b.waiters) > 0 {
		w := b.waiters[0]
		if b.used+w.n > b.size {
			return
		}
		b.used += w.n
		close(w.ready)
		b.waiters = b.waiters[1:]
	}
}
