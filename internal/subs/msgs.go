package subs

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/store"
)

// recentDeliveries bounds how many of an application's newest deliveries
// the message and attempt lists look through.
const recentDeliveries = 5000

// messageOut is Svix's MessageOut: an event as the endpoints got it.
type messageOut struct {
	ID        string          `json:"id"`
	EventType string          `json:"eventType"`
	Payload   json.RawMessage `json:"payload"`
	Channels  []string        `json:"channels,omitempty"`
	Timestamp time.Time       `json:"timestamp"`
}

// messageOf builds the MessageOut of a stored event; content false leaves
// the payload empty (Svix's with_content=false).
func messageOf(id string, payload []byte, content bool) (messageOut, error) {
	ev, err := event.Decode(payload)
	if err != nil {
		return messageOut{}, fmt.Errorf("event %s: %w", id, err)
	}
	m := messageOut{ID: id, EventType: ev.Type, Payload: json.RawMessage(`{}`), Timestamp: ev.Timestamp}
	if ev.Data.Watch != "" {
		m.Channels = []string{ev.Data.Watch}
	}
	if content {
		m.Payload = payload
	}
	return m, nil
}

func withContent(r *http.Request) bool { return r.URL.Query().Get("with_content") != "false" }

// listMessages lists the events delivered (or being delivered) to the
// application's endpoints, newest first.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, _ caller, app store.App) error {
	limit, err := queryLimit(r.URL.Query().Get("limit"))
	if err != nil {
		return err
	}
	eps, err := s.db.Endpoints(r.Context(), app.ID)
	if err != nil {
		return err
	}
	targets := make(map[string]bool, len(eps))
	for _, e := range eps {
		targets[e.ID] = true
	}
	var ds []store.Delivery
	if len(eps) > 0 {
		if ds, err = s.db.Deliveries(r.Context(), store.Filter{Targets: targets, Limit: recentDeliveries}); err != nil {
			return err
		}
	}
	it, channel := r.URL.Query().Get("iterator"), r.URL.Query().Get("channel")
	var out []messageOut
	seen := map[string]bool{}
	for _, d := range ds {
		if seen[d.EventID] || (it != "" && d.EventID >= it) || (channel != "" && d.Watch != channel) {
			continue
		}
		seen[d.EventID] = true
		if len(out) > limit {
			break
		}
		payload, err := s.db.Event(r.Context(), d.EventID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		m, err := messageOf(d.EventID, payload, withContent(r))
		if err != nil {
			return err
		}
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, pageOf(out, limit, func(m messageOut) string { return m.ID }))
	return nil
}

// Svix's MessageStatus and MessageAttemptTriggerType.
const (
	attemptSuccess   = 0
	attemptFail      = 2
	triggerScheduled = 0
)

// attemptOut is Svix's MessageAttemptOut, without the response body: a
// consumer's URL may be an internal service's, and its answers are not
// for the consumer to read through pollhook.
type attemptOut struct {
	ID                 string    `json:"id"`
	EndpointID         string    `json:"endpointId"`
	MsgID              string    `json:"msgId"`
	URL                string    `json:"url"`
	Response           string    `json:"response"`
	ResponseStatusCode int       `json:"responseStatusCode"`
	ResponseDurationMs int64     `json:"responseDurationMs"`
	Status             int       `json:"status"`
	TriggerType        int       `json:"triggerType"`
	Timestamp          time.Time `json:"timestamp"`
}

// listAttempts lists the endpoint's delivery attempts, newest first.
func (s *Server) listAttempts(w http.ResponseWriter, r *http.Request, _ caller, _ store.App, ep store.Endpoint) error {
	limit, err := queryLimit(r.URL.Query().Get("limit"))
	if err != nil {
		return err
	}
	ds, err := s.db.Deliveries(r.Context(), store.Filter{Target: ep.ID, Limit: recentDeliveries})
	if err != nil {
		return err
	}
	it := r.URL.Query().Get("iterator")
	skipping := it != ""
	var out []attemptOut
	for _, d := range ds {
		if len(out) > limit {
			break
		}
		_, atts, err := s.db.Delivery(r.Context(), d.EventID, ep.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		for i := len(atts) - 1; i >= 0; i-- {
			a := atts[i]
			id := "atmpt_" + d.EventID + "_" + strconv.Itoa(i+1)
			if skipping {
				skipping = id != it
				continue
			}
			status := attemptFail
			if a.Error == "" && a.Status >= 200 && a.Status <= 299 {
				status = attemptSuccess
			}
			out = append(out, attemptOut{
				ID: id, EndpointID: ep.ID, MsgID: d.EventID, URL: ep.URL, ResponseStatusCode: a.Status,
				ResponseDurationMs: a.Latency.Milliseconds(), Status: status, TriggerType: triggerScheduled, Timestamp: a.At,
			})
		}
	}
	writeJSON(w, http.StatusOK, pageOf(out, limit, func(a attemptOut) string { return a.ID }))
	return nil
}

// eventTypeOut is Svix's EventTypeOut; the example payload is in schemas
// (version "1": a JSON schema with examples), where Svix keeps it.
type eventTypeOut struct {
	Name        string                     `json:"name"`
	Description string                     `json:"description"`
	Archived    bool                       `json:"archived"`
	Deprecated  bool                       `json:"deprecated"`
	Schemas     map[string]json.RawMessage `json:"schemas"`
	CreatedAt   time.Time                  `json:"createdAt"`
	UpdatedAt   time.Time                  `json:"updatedAt"`
}

// listEventTypes lists the event types endpoints may filter on (the
// events about a watch), each with
// a description and an example payload.
func (s *Server) listEventTypes(w http.ResponseWriter, r *http.Request, _ caller) error {
	now := s.clock.Now()
	watch := "releases"
	if aw := s.config().AllowWatches; len(aw) > 0 {
		watch = aw[0]
	}
	var out []eventTypeOut
	for _, typ := range event.WatchTypes() {
		ev, ok := event.SampleOf(typ, watch, "https://api.example.com/v1/"+watch, false, now)
		if !ok {
			continue
		}
		payload, err := ev.JSON()
		if err != nil {
			return fmt.Errorf("sample of %s: %w", typ, err)
		}
		schema, err := json.Marshal(map[string]any{
			"type": "object", "description": event.Description(typ), "examples": []json.RawMessage{payload},
		})
		if err != nil {
			return fmt.Errorf("schema of %s: %w", typ, err)
		}
		out = append(out, eventTypeOut{
			Name: typ, Description: event.Description(typ), Schemas: map[string]json.RawMessage{"1": schema},
		})
	}
	slices.SortFunc(out, func(a, b eventTypeOut) int { return strings.Compare(a.Name, b.Name) })
	return writePage(w, r, out, func(e eventTypeOut) string { return e.Name })
}

// sendExample queues a sample event of the type asked for to the
// endpoint alone, through the outbox (Svix's send-example): it is signed
// and retried like any other, and shows in the endpoint's attempts.
func (s *Server) sendExample(w http.ResponseWriter, r *http.Request, c caller, app store.App, ep store.Endpoint) error {
	f, err := decodeFields(r, "eventType")
	if err != nil {
		return err
	}
	var typ string
	if present, null, err := field(f, "eventType", &typ); err != nil {
		return err
	} else if !present || null || typ == "" {
		return invalid("eventType: required (one of %s)", strings.Join(event.WatchTypes(), ", "))
	}
	if !slices.Contains(event.WatchTypes(), typ) {
		return invalid("eventType: %s is not an event type (want one of %s)", quote(typ), strings.Join(event.WatchTypes(), ", "))
	}
	watch := "releases"
	switch {
	case len(ep.Channels) > 0:
		watch = ep.Channels[0]
	case len(s.config().AllowWatches) > 0:
		watch = s.config().AllowWatches[0]
	}
	now := s.clock.Now()
	var msg messageOut
	_, err = s.db.SendExample(r.Context(), app.ID, ep.ID, func(store.Endpoint) (store.Notice, error) {
		ev, _ := event.SampleOf(typ, watch, "https://api.example.com/v1/"+watch, false, now)
		payload, err := ev.JSON()
		if err != nil {
			return store.Notice{}, err
		}
		if msg, err = messageOf(ev.ID, payload, true); err != nil {
			return store.Notice{}, err
		}
		return store.Notice{EventID: ev.ID, Payload: payload, Time: ev.Timestamp}, nil
	})
	if err != nil {
		return err
	}
	s.logWrite(c, app.ID, "example sent", "endpoint", ep.ID, "event_type", typ, "event_id", msg.ID)
	if s.wake != nil {
		s.wake()
	}
	writeJSON(w, http.StatusAccepted, msg)
	return nil
}
