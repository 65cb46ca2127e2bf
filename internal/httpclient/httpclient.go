// Package httpclient builds the HTTP clients pollhook talks to the world
// with (the APIs it polls, the targets it delivers to, the local API the
// CLI asks), and reads what a server says about when to try again.
package httpclient

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Options are what differs between pollhook's clients.
type Options struct {
	// MaxIdleConnsPerHost sizes the pool of kept-alive connections per
	// host; 0 is net/http's default (2).
	MaxIdleConnsPerHost int
	// NoRedirects makes a 3xx the answer instead of following it.
	NoRedirects bool
	// Timeout bounds a whole request, body included; 0: none (the caller's
	// context bounds it).
	Timeout time.Duration
	// NoProxy ignores the proxy settings of the environment: the local
	// API's client, whose token is for the daemon only.
	NoProxy bool
	// DialContext dials connections; nil is a net.Dialer with a 10s
	// timeout.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// New returns a client with its own transport: proxies from the
// environment, bounded dial and TLS handshake, keep-alive and HTTP/2.
func New(o Options) *http.Client {
	proxy, dial := http.ProxyFromEnvironment, o.DialContext
	if o.NoProxy {
		proxy = nil
	}
	if dial == nil {
		dial = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	c := &http.Client{
		Timeout: o.Timeout,
		Transport: &http.Transport{
			Proxy:                 proxy,
			DialContext:           dial,
			MaxIdleConnsPerHost:   o.MaxIdleConnsPerHost,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			ForceAttemptHTTP2:     true,
		},
	}
	if o.NoRedirects {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

// RetryAfter reads a Retry-After header value, delay-seconds or an
// HTTP-date, seen from now. It returns the wait, at most limit, whether
// the server asked for more than limit, and whether the value was one at
// all (ok). "0" or a date in the past is a valid
// value that asks for no wait (0, false, true); an absent or unreadable
// one is not (ok false).
func RetryAfter(v string, now time.Time, limit time.Duration) (wait time.Duration, capped, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false, false
		}
		if secs > int64(limit/time.Second) {
			return limit, true, true
		}
		wait = time.Duration(secs) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		wait = at.Sub(now)
	} else {
		return 0, false, false
	}
	switch {
	case wait <= 0:
		return 0, false, true
	case wait > limit:
		return limit, true, true
	}
	return wait, false, true
}
