package main

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
	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/store"
)

// StateDisabled is how a pending delivery to a disabled target is shown.
const StateDisabled = "disabled"

// backend is what the inspection commands need. bbolt lets one process
// open the database, so when a daemon holds it the CLI asks the daemon's
// local API (remote) and otherwise opens the file itself (local).
type backend interface {
	deliveries(ctx context.Context, f store.Filter) ([]store.Delivery, error)
	delivery(ctx context.Context, eventID string) ([]deliveryDetail, error)
	redeliver(ctx context.Context, f store.Filter) ([]store.Delivery, error)
	history(ctx context.Context, watch string, limit int) ([]json.RawMessage, error)
	enableTarget(ctx context.Context, name string) error
}

// deliveryDetail is one delivery with its attempts.
type deliveryDetail struct {
	Delivery store.Delivery  `json:"delivery"`
	Attempts []store.Attempt `json:"attempts"`
}

// local answers from an open database. In the daemon, wake and enable
// reach the dispatcher.
type local struct {
	db     *store.DB
	cfg    func() *config.Config // the configuration in force
	wake   func()
	enable func(ctx context.Context, name string) error
}

var _ backend = (*local)(nil)

// disabledTargets names the targets nothing is sent to, from their
// stored states: disabled in the configuration or by a 410, and removed
// targets a 410 disabled before they were removed.
func disabledTargets(cfg *config.Config, states map[string]store.TargetState) map[string]bool {
	out := map[string]bool{}
	for name, s := range states {
		if cfg.Target(name) == nil && s.Disabled {
			out[name] = true
		}
	}
	for _, t := range cfg.Targets {
		if notify.TargetDisabled(t, states[t.Name]) {
			out[t.Name] = true
		}
	}
	return out
}

// relabel shows pending deliveries to disabled targets as disabled.
func relabel(ds []store.Delivery, disabled map[string]bool) {
	for i := range ds {
		if ds[i].State == store.StatePending && disabled[ds[i].Target] {
			ds[i].State = StateDisabled
		}
	}
}

func (l *local) deliveries(ctx context.Context, f store.Filter) ([]store.Delivery, error) {
	want := f.State
	if want == StateDisabled {
		f.State = store.StatePending
	}
	limit := f.Limit
	if want == store.StatePending || want == StateDisabled {
		// Which pending ones show as disabled is decided below, so the
		// store cannot stop at the limit for these two.
		f.Limit = 0
	}
	all, err := l.db.Deliveries(ctx, f)
	if err != nil {
		return nil, err
	}
	states, err := l.db.TargetStates(ctx)
	if err != nil {
		return nil, err
	}
	relabel(all, disabledTargets(l.cfg(), states))
	out := all[:0]
	for _, d := range all {
		if want != "" && d.State != want {
			continue
		}
		out = append(out, d)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

func (l *local) delivery(ctx context.Context, eventID string) ([]deliveryDetail, error) {
	ds, err := l.deliveries(ctx, store.Filter{EventID: eventID})
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		if _, err := l.db.Event(ctx, eventID); err == nil {
			return nil, fmt.Errorf("event %s has no deliveries (its watch notifies no target)", eventID)
		}
		return nil, fmt.Errorf("no event %s: %w", eventID, store.ErrNotFound)
	}
	out := make([]deliveryDetail, 0, len(ds))
	for _, d := range ds {
		_, attempts, err := l.db.Delivery(ctx, d.EventID, d.Target)
		if err != nil {
			return nil, err
		}
		out = append(out, deliveryDetail{Delivery: d, Attempts: attempts})
	}
	return out, nil
}

func (l *local) redeliver(ctx context.Context, f store.Filter) ([]store.Delivery, error) {
	// A delivery to a target no longer configured would sit in the queue
	// as pending and never go out: refuse rather than pretend.
	cfg := l.cfg()
	if f.Target != "" && cfg.Target(f.Target) == nil {
		return nil, fmt.Errorf("target %q is not in %s: add it back before redelivering to it", f.Target, cfg.File)
	}
	f.Targets = map[string]bool{}
	for _, t := range cfg.Targets {
		f.Targets[t.Name] = true
	}
	queued, err := l.db.Redeliver(ctx, f, time.Now())
	if err != nil {
		return nil, err
	}
	if len(queued) > 0 && l.wake != nil {
		l.wake()
	}
	return queued, nil
}

func (l *local) history(ctx context.Context, watch string, limit int) ([]json.RawMessage, error) {
	events, err := l.db.History(ctx, watch, limit)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(events))
	for i, e := range events {
		out[i] = e
	}
	return out, nil
}

func (l *local) enableTarget(ctx context.Context, name string) error {
	t := l.cfg().Target(name)
	if t == nil {
		return fmt.Errorf("no target named %q in %s", name, l.cfg().File)
	}
	if t.Disabled {
		return fmt.Errorf("target %q is disabled in %s (disabled = true): remove that line and reload", name, l.cfg().File)
	}
	if l.enable != nil {
		return l.enable(ctx, name)
	}
	return l.db.SetTargetState(ctx, name, store.TargetState{})
}

// remote asks a running daemon over its local API.
type remote struct {
	base   string // http://127.0.0.1:9180
	token  string
	client *http.Client
}

var _ backend = (*remote)(nil)

// daemonInfo is GET /api/info: which daemon answers.
type daemonInfo struct {
	Version string `json:"version"`
	Config  string `json:"config"`
	DB      string `json:"db"`
}

// findDaemon asks the daemon on cfg's listen address who it is, and
// returns a client for it when it runs the same configuration file; nil
// when no daemon answers (or one for another file does).
func findDaemon(ctx context.Context, cfg *config.Config) (*remote, error) {
	if cfg.Listen == "" {
		return nil, nil
	}
	r := &remote{base: "http://" + cfg.Listen, token: cfg.AuthToken, client: &http.Client{Timeout: 2 * time.Minute}}
	probe, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var info daemonInfo
	err := r.call(probe, http.MethodGet, "/api/info", nil, &info)
	var unreachable *url.Error
	switch {
	case errors.As(err, &unreachable):
		return nil, nil // nothing listens there: no daemon
	case err != nil:
		return nil, fmt.Errorf("the daemon on %s: %w", cfg.Listen, err)
	case !sameFile(info.Config, cfg.File):
		return nil, nil
	}
	return r, nil
}

// sameFile reports whether two paths name the same file.
func sameFile(a, b string) bool {
	ai, err1 := os.Stat(a)
	bi, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ai, bi)
}

// call sends a request to the daemon and decodes its JSON answer into out.
func (r *remote) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
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

func (r *remote) deliveries(ctx context.Context, f store.Filter) ([]store.Delivery, error) {
	var out struct {
		Deliveries []store.Delivery `json:"deliveries"`
	}
	err := r.call(ctx, http.MethodGet, "/api/deliveries?"+filterQuery(f), nil, &out)
	return out.Deliveries, err
}

func (r *remote) delivery(ctx context.Context, eventID string) ([]deliveryDetail, error) {
	var out struct {
		Deliveries []deliveryDetail `json:"deliveries"`
	}
	err := r.call(ctx, http.MethodGet, "/api/events/"+url.PathEscape(eventID)+"/deliveries", nil, &out)
	return out.Deliveries, err
}

func (r *remote) redeliver(ctx context.Context, f store.Filter) ([]store.Delivery, error) {
	var out struct {
		Queued []store.Delivery `json:"queued"`
	}
	err := r.call(ctx, http.MethodPost, "/api/redeliver", redeliverRequest{EventID: f.EventID, State: f.State, Target: f.Target}, &out)
	return out.Queued, err
}

func (r *remote) history(ctx context.Context, watch string, limit int) ([]json.RawMessage, error) {
	var out struct {
		Events []json.RawMessage `json:"events"`
	}
	err := r.call(ctx, http.MethodGet, "/api/watches/"+url.PathEscape(watch)+"/history?limit="+strconv.Itoa(limit), nil, &out)
	return out.Events, err
}

func (r *remote) enableTarget(ctx context.Context, name string) error {
	return r.call(ctx, http.MethodPost, "/api/targets/"+url.PathEscape(name)+"/enable", nil, nil)
}

// once asks the daemon to poll now.
func (r *remote) once(ctx context.Context, watch string, dryRun bool) (onceResponse, error) {
	var out onceResponse
	err := r.call(ctx, http.MethodPost, "/api/once", onceRequest{Watch: watch, DryRun: dryRun}, &out)
	return out, err
}

// redeliverRequest is the body of POST /api/redeliver.
type redeliverRequest struct {
	EventID string `json:"event_id,omitempty"`
	State   string `json:"state,omitempty"` // "failed" for --failed
	Target  string `json:"target,omitempty"`
}

// onceRequest is the body of POST /api/once.
type onceRequest struct {
	Watch  string `json:"watch,omitempty"`
	DryRun bool   `json:"dry_run,omitempty"`
}

// onceResponse is the answer of POST /api/once.
type onceResponse struct {
	Events []json.RawMessage `json:"events"`
	Failed []string          `json:"failed,omitempty"`
	Errors []string          `json:"errors,omitempty"`
}
