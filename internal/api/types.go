// Package api is the daemon's local HTTP API, on listen: the server (its
// routes, authentication, Host and same-origin checks, /-/reload,
// /readyz, its connection cap and timeouts), the proof of who answers
// (the nonce file and /api/hello), the client the CLI finds and calls a
// running daemon with, and the request and response types both use. The server serves a Source it
// declares, never the daemon itself, so it can be tested with a fake.
package api

import (
	"encoding/json"

	"github.com/pollhook/pollhook/internal/inspect"
)

// Info is GET /api/info: which daemon answers.
type Info struct {
	Version string `json:"version"`
	Config  string `json:"config"`
	DB      string `json:"db"`
	// Shard is the shard this daemon is, "I/N", or "" when the watches
	// are not sharded.
	Shard string `json:"shard,omitempty"`
}

// RedeliverRequest is the body of POST /api/redeliver.
type RedeliverRequest struct {
	EventID string `json:"event_id,omitempty"`
	State   string `json:"state,omitempty"` // "failed" for --failed
	Target  string `json:"target,omitempty"`
}

// OnceRequest is the body of POST /api/once.
type OnceRequest struct {
	Watch  string `json:"watch,omitempty"`
	DryRun bool   `json:"dry_run,omitempty"`
	// Show asks for each watch's prepared value (pollhook once --show).
	Show bool `json:"show,omitempty"`
}

// PollOptions are how a Source polls now: a dry run stores and sends
// nothing; Show puts each watch's prepared value in its Polled.
type PollOptions struct {
	DryRun bool
	Show   bool
}

// OnceResponse is the answer of POST /api/once, and what a poll of
// several watches reports: the events committed (or, in a dry run, that
// would be) as JSON, the watches that failed, what to tell about the
// others (failures, watches not polled), and what each poll did, in watch
// order (a daemon older than the CLI sends no Watches).
type OnceResponse struct {
	Events  []json.RawMessage `json:"events"`
	Failed  []string          `json:"failed,omitempty"`
	Errors  []string          `json:"errors,omitempty"`
	Watches []inspect.Polled  `json:"watches,omitempty"`
}

// ReloadReport is the answer of POST /-/reload: the watches a reload
// added, removed and changed, and the targets.
type ReloadReport struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []string `json:"changed"`

	TargetsAdded   []string `json:"targets_added"`
	TargetsRemoved []string `json:"targets_removed"`
	TargetsChanged []string `json:"targets_changed"`
}

// Hello is the answer of GET /api/hello?challenge=C: who the daemon is,
// and the proof that it is (see Find).
type Hello struct {
	// Config is the daemon's configuration file, DB its database (its
	// nonce is in NonceFile(DB)), Addr the address the request reached.
	Config string `json:"config"`
	DB     string `json:"db"`
	Addr   string `json:"addr"`
	// Proof is HMAC-SHA256(nonce, C and the names above), in hex.
	Proof string `json:"proof"`
}
