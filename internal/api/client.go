package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/httpclient"
	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/store"
)

// maxAnswer bounds how much of the daemon's answer the client reads.
const maxAnswer = 64 << 20

// helloTimeout bounds Find's wait for the daemon: its proof and its info.
const helloTimeout = 2 * time.Second

// Client asks a running daemon over its local API.
type Client struct {
	base  string // http://127.0.0.1:9180
	token string
	http  *http.Client
}

// Find returns a client for the daemon that runs cfg's configuration
// file on its listen address, once that daemon has proved who it is (GET
// /api/hello, with no token): nil when nothing answers there, or a daemon
// of another file does; a *NoAnswerError when something accepts the
// connection but does not answer in time; an ErrNotDaemon when something
// else answers.
// Nothing secret is sent before the proof, and the client's requests go
// to the address that gave it.
func Find(ctx context.Context, cfg *config.Config) (*Client, error) {
	return find(ctx, cfg, os.Geteuid())
}

// find is Find for a CLI running as the user euid.
func find(ctx context.Context, cfg *config.Config, euid int) (*Client, error) {
	if cfg.Listen == "" {
		return nil, nil
	}
	dial := newPinDialer()
	c := &Client{base: "http://" + cfg.Listen, http: httpclient.New(httpclient.Options{
		Timeout: 2 * time.Minute, NoRedirects: true, NoProxy: true, DialContext: dial.DialContext,
	})}
	probe, cancel := context.WithTimeout(ctx, helloTimeout)
	defer cancel()
	h, challenge, addr, err := c.hello(probe)
	var unreachable *url.Error
	switch {
	case errors.As(err, &unreachable) && unreachable.Timeout():
		// Something holds the address but did not answer: a daemon too
		// busy (or flooded with connections), or something else.
		return nil, &NoAnswerError{Listen: cfg.Listen, After: helloTimeout}
	case errors.As(err, &unreachable):
		return nil, nil // nothing listens there: no daemon
	case err != nil:
		return nil, notDaemon(cfg, err.Error())
	case !sameFile(h.Config, cfg.File):
		return nil, nil // a daemon of another file (or what says so: it gets nothing)
	case h.DB != cfg.DB && store.Exists(cfg.DB) && !sameFile(h.DB, cfg.DB):
		// The same file read with another environment (db = "${DB}"),
		// and the database it names here exists: that one is asked
		// about, not the daemon's. (Under systemd the daemon's is in its
		// state folder and none exists where the CLI looks: it asks the
		// daemon.)
		return nil, nil
	}
	if err := verify(cfg, h, challenge, addr, euid); err != nil {
		return nil, err
	}
	dial.pin(addr)
	c.token = cfg.AuthToken
	var info Info
	if err := c.call(probe, http.MethodGet, "/api/info", nil, &info); err != nil {
		return nil, fmt.Errorf("the daemon on %s: %w", cfg.Listen, err)
	}
	if want := cfg.Sharding.Spec.String(); info.Shard != want {
		return nil, fmt.Errorf("the daemon on %s is shard %q, not %q as asked: give the shard it runs as (--shard, %s)",
			cfg.Listen, info.Shard, want, config.EnvShard)
	}
	return c, nil
}

// NoAnswerError is Find's error when something accepted a connection on
// listen but did not answer the daemon's hello in time. The CLI may still
// read the database itself when no daemon holds it.
type NoAnswerError struct {
	Listen string
	After  time.Duration
}

func (e *NoAnswerError) Error() string {
	return fmt.Sprintf("what listens on %s did not answer within %s (a daemon too busy, or flooded with connections?)", e.Listen, e.After)
}

// sameFile reports whether two paths name the same file.
func sameFile(a, b string) bool {
	ai, err1 := os.Stat(a)
	bi, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ai, bi)
}

// call sends a request to the daemon and decodes its JSON answer into out.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("read the daemon's answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return errors.New(e.Error)
		}
		return fmt.Errorf("the daemon answered HTTP %d", resp.StatusCode)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode the daemon's answer: %w", err)
	}
	return nil
}

func filterQuery(f store.Filter) string {
	q := url.Values{}
	for k, v := range map[string]string{"state": f.State, "target": f.Target, "watch": f.Watch, "event_id": f.EventID} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return q.Encode()
}

// Deliveries is GET /api/deliveries.
func (c *Client) Deliveries(ctx context.Context, f store.Filter) ([]store.Delivery, error) {
	var out struct {
		Deliveries []store.Delivery `json:"deliveries"`
	}
	err := c.call(ctx, http.MethodGet, "/api/deliveries?"+filterQuery(f), nil, &out)
	return out.Deliveries, err
}

// Delivery is GET /api/events/{id}/deliveries.
func (c *Client) Delivery(ctx context.Context, eventID string) ([]inspect.Detail, error) {
	var out struct {
		Deliveries []inspect.Detail `json:"deliveries"`
	}
	err := c.call(ctx, http.MethodGet, "/api/events/"+url.PathEscape(eventID)+"/deliveries", nil, &out)
	return out.Deliveries, err
}

// Redeliver is POST /api/redeliver.
func (c *Client) Redeliver(ctx context.Context, f store.Filter) ([]store.Delivery, error) {
	var out struct {
		Queued []store.Delivery `json:"queued"`
	}
	err := c.call(ctx, http.MethodPost, "/api/redeliver", RedeliverRequest{EventID: f.EventID, State: f.State, Target: f.Target}, &out)
	return out.Queued, err
}

// History is GET /api/watches/{name}/history.
func (c *Client) History(ctx context.Context, watch string, limit int) ([]json.RawMessage, error) {
	var out struct {
		Events []json.RawMessage `json:"events"`
	}
	err := c.call(ctx, http.MethodGet, "/api/watches/"+url.PathEscape(watch)+"/history?limit="+strconv.Itoa(limit), nil, &out)
	return out.Events, err
}

// EnableTarget is POST /api/targets/{name}/enable.
func (c *Client) EnableTarget(ctx context.Context, name string) error {
	return c.call(ctx, http.MethodPost, "/api/targets/"+url.PathEscape(name)+"/enable", nil, nil)
}

// Apps is GET /api/subscriptions/apps.
func (c *Client) Apps(ctx context.Context) ([]inspect.App, error) {
	var out struct {
		Apps []inspect.App `json:"apps"`
	}
	err := c.call(ctx, http.MethodGet, "/api/subscriptions/apps", nil, &out)
	return out.Apps, err
}

// Endpoints is GET /api/subscriptions/endpoints[?app=APP].
func (c *Client) Endpoints(ctx context.Context, app string) ([]inspect.Endpoint, error) {
	var out struct {
		Endpoints []inspect.Endpoint `json:"endpoints"`
	}
	path := "/api/subscriptions/endpoints"
	if app != "" {
		path += "?app=" + url.QueryEscape(app)
	}
	err := c.call(ctx, http.MethodGet, path, nil, &out)
	return out.Endpoints, err
}

// EndpointAction is POST /api/subscriptions/endpoints/{id}/{action}.
func (c *Client) EndpointAction(ctx context.Context, id, action string) (inspect.Endpoint, error) {
	var out inspect.Endpoint
	err := c.call(ctx, http.MethodPost, "/api/subscriptions/endpoints/"+url.PathEscape(id)+"/"+url.PathEscape(action), nil, &out)
	return out, err
}

// Recent is GET /api/history: the newest events of all watches.
func (c *Client) Recent(ctx context.Context, limit int) ([]json.RawMessage, error) {
	var out struct {
		Events []json.RawMessage `json:"events"`
	}
	err := c.call(ctx, http.MethodGet, "/api/history?limit="+strconv.Itoa(limit), nil, &out)
	return out.Events, err
}

// Watches is GET /api/watches.
func (c *Client) Watches(ctx context.Context) ([]inspect.Watch, error) {
	var out struct {
		Watches []inspect.Watch `json:"watches"`
	}
	err := c.call(ctx, http.MethodGet, "/api/watches", nil, &out)
	return out.Watches, err
}

// Once is POST /api/once: the daemon polls now.
func (c *Client) Once(ctx context.Context, req OnceRequest) (OnceResponse, error) {
	var out OnceResponse
	err := c.call(ctx, http.MethodPost, "/api/once", req, &out)
	return out, err
}
