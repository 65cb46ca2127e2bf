package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/pollhook/pollhook/diff"
)

// Fingerprint identifies everything about a watch's settings, with
// variables expanded: a reload restarts a watch's schedule only when its
// fingerprint changed.
func (w *Watch) Fingerprint() string {
	view := struct {
		Name, URL, RequestURL, Schedule, Method, Body, ContentType, Bearer, GraphQL, TLS string
		Timeout, Jitter                                                                  time.Duration
		MaxBody                                                                          int64
		Headers, Query                                                                   map[string]string
		Notify, ErrorsTo                                                                 []string
		Confirm, AlertAfter                                                              int
		Diff                                                                             diff.Options
		Basic                                                                            *BasicAuth
		Variables                                                                        map[string]any
		Paginate                                                                         *Paginate
		Conditional                                                                      bool
		Split                                                                            bool
		MaxEvents                                                                        int
	}{
		w.Name, w.URL, w.RequestURL, w.ScheduleSpec, w.Method, w.Body, w.ContentType, w.Bearer, w.GraphQL, w.TLS.Key(),
		w.Timeout, w.Jitter, w.MaxBody, w.Headers, w.Query, w.Notify, w.ErrorsTo, w.Confirm, w.AlertAfter,
		w.Diff, w.Basic, w.Variables, w.Paginate, w.Conditional, w.Split, w.MaxEvents,
	}
	data, err := json.Marshal(view)
	if err != nil {
		// Every field is plain data; if that ever changes, treat the watch
		// as changed rather than hide a change.
		return err.Error()
	}
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:12])
}

// Fingerprint identifies everything about a target's settings, secrets
// included (hashed): a target a 410 disabled is enabled again when any of
// it changes.
func (t *Target) Fingerprint() string {
	view := struct {
		Name, Kind, URL, Channel, Username, IconURL, Token, ChatID, Topic string
		Homeserver, Room, TemplateText, ContentType, Email                string
		Secrets                                                           [][]byte
		Headers                                                           map[string]string
		Priority                                                          int
		Tags                                                              []string
		Retry                                                             []time.Duration
		Timeout                                                           time.Duration
		Disabled                                                          bool
	}{
		t.Name, t.Kind, t.URL, t.Channel, t.Username, t.IconURL, t.Token, t.ChatID, t.Topic,
		t.Homeserver, t.Room, t.TemplateText, t.ContentType, t.Email.key(), t.Secrets, t.Headers, t.Priority, t.Tags,
		t.Retry, t.Timeout, t.Disabled,
	}
	data, err := json.Marshal(view)
	if err != nil {
		return err.Error()
	}
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:12])
}
