package subs

import (
	"net/http"
	"time"

	"github.com/pollhook/pollhook/store"
)

// recoverOut is Svix's RecoverOut: the task is done when it answers.
type recoverOut struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Task   string `json:"task"`
}

// recoverEndpoint queues again every event of the endpoint made in
// [since, until) (until: now), with the same ids, as redeliver does.
func (s *Server) recoverEndpoint(w http.ResponseWriter, r *http.Request, c caller, app store.App, ep store.Endpoint) error {
	f, err := decodeFields(r, "since", "until")
	if err != nil {
		return err
	}
	var since, until time.Time
	if present, null, err := field(f, "since", &since); err != nil {
		return err
	} else if !present || null {
		return invalid("since: required (RFC 3339 time)")
	}
	if _, _, err := field(f, "until", &until); err != nil {
		return err
	}
	now := s.clock.Now()
	if !until.IsZero() && !until.After(since) {
		return invalid("until: must be after since")
	}
	if since.After(now) {
		return invalid("since: in the future")
	}
	ds, err := s.db.Redeliver(r.Context(), store.Filter{Target: ep.ID, Since: since, Until: until}, now)
	if err != nil {
		return err
	}
	s.logWrite(c, app.ID, "endpoint recovered", "endpoint", ep.ID, "since", since, "until", until, "deliveries", len(ds))
	if len(ds) > 0 && s.wake != nil {
		s.wake()
	}
	writeJSON(w, http.StatusAccepted, recoverOut{ID: "qtask_" + randomText(16), Status: "finished", Task: "endpoint.recover"})
	return nil
}
