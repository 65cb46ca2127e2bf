package inspect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pollhook/pollhook/store"
)

// App is an application of subscriptions as the operator sees it: never
// its token's hash.
type App struct {
	ID        string    `json:"id"`
	UID       string    `json:"uid,omitempty"`
	Name      string    `json:"name"`
	Endpoints int       `json:"endpoints"`
	Created   time.Time `json:"created"`
}

// Endpoint is a consumer's endpoint as the operator sees it: never its
// secrets.
type Endpoint struct {
	ID             string    `json:"id"`
	App            string    `json:"app"`
	UID            string    `json:"uid,omitempty"`
	URL            string    `json:"url"`
	Description    string    `json:"description,omitempty"`
	Status         string    `json:"status"`
	StatusReason   string    `json:"status_reason,omitempty"`
	Disabled       bool      `json:"disabled"`
	DisabledReason string    `json:"disabled_reason,omitempty"`
	Channels       []string  `json:"channels,omitempty"`
	FilterTypes    []string  `json:"filter_types,omitempty"`
	RateLimit      int       `json:"rate_limit,omitempty"`
	FailingSince   time.Time `json:"failing_since,omitzero"`
	Pending        int       `json:"pending"`
	Failed         int       `json:"failed"`
	Created        time.Time `json:"created"`
}

// What EndpointAction does.
const (
	// ActionDisable stops deliveries to the endpoint; they wait.
	ActionDisable = "disable"
	// ActionEnable resumes them, and forgets how long it was failing.
	ActionEnable = "enable"
	// ActionVerify marks a pending or failed endpoint verified, for a
	// receiver that cannot answer the handshake.
	ActionVerify = "verify"
)

// ErrUnknownAction is an EndpointAction that is none of the actions.
var ErrUnknownAction = errors.New("unknown action: want disable, enable or verify")

// WithEndpointsChanged returns a copy of o that calls changed after
// EndpointAction changed an endpoint, as the daemon needs to hand its
// dispatcher the endpoints again.
func (o *Outbox) WithEndpointsChanged(changed func()) *Outbox {
	c := *o
	c.endpointsChanged = changed
	return &c
}

// Apps lists the applications, by id.
func (o *Outbox) Apps(ctx context.Context) ([]App, error) {
	apps, err := o.db.Apps(ctx)
	if err != nil {
		return nil, err
	}
	eps, err := o.db.Endpoints(ctx, "")
	if err != nil {
		return nil, err
	}
	n := map[string]int{}
	for _, e := range eps {
		n[e.App]++
	}
	out := make([]App, len(apps))
	for i, a := range apps {
		out[i] = App{ID: a.ID, UID: a.UID, Name: a.Name, Endpoints: n[a.ID], Created: a.Created}
	}
	return out, nil
}

// Endpoints lists the endpoints of application app (its id or uid; "":
// of all), by id, with their pending and failed deliveries.
func (o *Outbox) Endpoints(ctx context.Context, app string) ([]Endpoint, error) {
	if app != "" {
		a, err := o.db.App(ctx, app)
		if err != nil {
			return nil, err
		}
		app = a.ID
	}
	eps, err := o.db.Endpoints(ctx, app)
	if err != nil {
		return nil, err
	}
	counts, err := o.db.OutboxCounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Endpoint, len(eps))
	for i, e := range eps {
		out[i] = endpointRow(e, counts[e.ID])
	}
	return out, nil
}

func endpointRow(e store.Endpoint, c store.OutboxCount) Endpoint {
	return Endpoint{ID: e.ID, App: e.App, UID: e.UID, URL: e.URL, Description: e.Description,
		Status: e.Status, StatusReason: e.StatusReason, Disabled: e.Disabled, DisabledReason: e.DisabledReason,
		Channels: e.Channels, FilterTypes: e.FilterTypes, RateLimit: e.RateLimit, FailingSince: e.FailingSince,
		Pending: c.Pending, Failed: c.Failed, Created: e.Created}
}

// EndpointAction disables, enables or verifies endpoint id (of any
// application): ActionDisable, ActionEnable or ActionVerify.
func (o *Outbox) EndpointAction(ctx context.Context, id, action string) (Endpoint, error) {
	var fn func(*store.Endpoint) error
	switch action {
	case ActionDisable:
		fn = func(e *store.Endpoint) error {
			e.Disabled, e.DisabledReason = true, store.DisabledByOperator
			return nil
		}
	case ActionEnable:
		fn = func(e *store.Endpoint) error {
			e.Disabled, e.DisabledReason, e.FailingSince = false, "", time.Time{}
			return nil
		}
	case ActionVerify:
		fn = func(e *store.Endpoint) error {
			e.Status, e.StatusReason, e.NextVerify = store.EndpointActive, "marked verified by the operator", time.Time{}
			return nil
		}
	default:
		return Endpoint{}, fmt.Errorf("%q: %w", action, ErrUnknownAction)
	}
	e, err := o.db.UpdateEndpoint(ctx, "", id, fn)
	if err != nil {
		return Endpoint{}, err
	}
	if o.endpointsChanged != nil {
		o.endpointsChanged()
	}
	if o.wake != nil {
		o.wake()
	}
	counts, err := o.db.OutboxCounts(ctx)
	if err != nil {
		return Endpoint{}, err
	}
	return endpointRow(e, counts[e.ID]), nil
}
