// Package event is the change event: what pollhook tells its targets, what
// the outbox stores and what the CLI, the status page and templates show.
// It sits below every package that makes, stores, renders or shows events
// (poller, notify, the CLI, the status page) and depends on none of them.
package event

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/human"
)

// Event types.
const (
	TypeChanged   = "watch.changed"
	TypeFailing   = "watch.failing"
	TypeRecovered = "watch.recovered"
	TypeTest      = "pollhook.test"
	// TypeTruncated ends a poll of a split watch that found more elements
	// than max_events: it counts the element events not sent.
	TypeTruncated = "watch.truncated"
	// TypeSubscriptionDisabled tells the operator (subscriptions'
	// errors_to) that a consumer's endpoint was disabled after failing
	// for disable_after. Its Data.Watch is the endpoint's id.
	TypeSubscriptionDisabled = "subscription.disabled"
)

// Types are the types of event a target may get, in the order the
// references list them.
func Types() []string {
	return []string{TypeChanged, TypeFailing, TypeRecovered, TypeTruncated, TypeTest, TypeSubscriptionDisabled}
}

// WatchTypes are the types of the events about a watch: those a
// consumer's endpoint may subscribe to.
func WatchTypes() []string {
	return []string{TypeChanged, TypeFailing, TypeRecovered, TypeTruncated}
}

// Event is what pollhook tells its targets: the webhook payload, and the
// source every chat message is rendered from.
type Event struct {
	// ID is unique per event and shared by all its targets: it is the
	// webhook-id header, the Matrix txnId, and what the CLI names it by.
	ID   string `json:"id"`
	Type string `json:"type"`
	// Timestamp is when the event was made, as Now gives it; the JSON
	// writes it in TimeLayout.
	Timestamp time.Time `json:"timestamp"`
	Data      Data      `json:"data"`

	// stored is the event's JSON as committed, when it was decoded from
	// the outbox or Encode made it: JSON returns it as is rather than
	// encoding it again.
	stored []byte
}

// Data is the body of an event.
type Data struct {
	Watch string `json:"watch"`
	URL   string `json:"url"`
	// Seq increases by one per event of a watch.
	Seq uint64 `json:"seq"`
	// Format is "json" or "text" (change events).
	Format diff.Format `json:"format,omitempty"`
	// Key, Label and Link name the element an event of a split watch is
	// about: its key, and its own label and link when the watch sets them
	// and it has them (those of the outermost keyed element, never of an
	// element nested in it); all are empty for an event about the whole
	// value.
	Key   string `json:"key,omitempty"`
	Label string `json:"label,omitempty"`
	Link  string `json:"link,omitempty"`

	// Change events.
	Changes   []diff.Change   `json:"changes,omitempty"`
	Counts    *diff.Counts    `json:"counts,omitempty"`
	Truncated bool            `json:"truncated,omitempty"`
	Patch     json.RawMessage `json:"patch,omitempty"`
	Document  json.RawMessage `json:"document,omitempty"`
	Previous  json.RawMessage `json:"previous,omitempty"`

	// watch.truncated: how many element events the poll did not send
	// (Counts counts their changes), and the max_events that stopped it.
	Omitted   int `json:"omitted,omitempty"`
	MaxEvents int `json:"max_events,omitempty"`

	// Subscription events (subscription.disabled): the endpoint and its
	// application. Error and Since say why and since when.
	Endpoint string `json:"endpoint,omitempty"`
	App      string `json:"app,omitempty"`

	// Health events (watch.failing, watch.recovered).
	Error    string     `json:"error,omitempty"`
	Failures int        `json:"failures,omitempty"`
	Since    *time.Time `json:"since,omitempty"`
}

// Decode reads an event as the outbox stores it. The event keeps data, so
// that JSON gives back exactly the bytes that were committed.
func Decode(data []byte) (*Event, error) {
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, err
	}
	ev.stored = data
	return &ev, nil
}

// Stored is an event as the outbox stores it, checked but not decoded:
// its ID and the bytes JSON gives back, all that a webhook without a
// template sends, and nothing else (its other fields are empty). Decoding
// costs a delivery more than the rest of its bookkeeping.
func Stored(id string, data []byte) (*Event, error) {
	if !json.Valid(data) {
		return nil, errors.New("invalid JSON")
	}
	return &Event{ID: id, stored: data}, nil
}

// JSON is the event's payload: the bytes it was decoded from or that
// Encode made, or its encoding.
func (e *Event) JSON() ([]byte, error) {
	if e.stored != nil {
		return e.stored, nil
	}
	return json.Marshal(e.wire())
}

// Encode is the event's payload as it is committed, encoded once: the
// event keeps the bytes, and JSON gives them back after (pollhook once's
// answer shows what was committed without encoding it again). The event
// must not change after.
func (e *Event) Encode() ([]byte, error) {
	if e.stored == nil {
		b, err := json.Marshal(e.wire())
		if err != nil {
			return nil, err
		}
		e.stored = b
	}
	return e.stored, nil
}

// TimeLayout is how an event's JSON writes its times (timestamp, and
// data.since): RFC 3339 in UTC with exactly three fractional digits,
// "2026-11-27T14:30:14.201Z", whatever made the event. Decoding takes any
// RFC 3339 time, as events stored by earlier versions have them.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// Now is the timestamp of an event made at now: now in UTC, to the
// millisecond, which is all the event's JSON shows of it. Every event is
// made with it, so the time an event holds is the time it sends.
func Now(now time.Time) time.Time {
	return now.UTC().Truncate(time.Millisecond)
}

// MarshalJSON writes the event with its times in TimeLayout. (JSON, not
// this, is what a webhook sends: an event read from the outbox goes out as
// it was committed.)
func (e Event) MarshalJSON() ([]byte, error) { return json.Marshal(e.wire()) }

// MarshalJSON writes the data with Since in TimeLayout.
func (d Data) MarshalJSON() ([]byte, error) { return json.Marshal(d.wire()) }

// wire is an event as its JSON has it, for encoding/json in one pass: the
// data (a change's old and new values, often kilobytes) is written once,
// where MarshalJSON methods within one another would each have it written
// and then checked and compacted again by the one around it (at 3 KB of
// values, 60 µs an event, more than the rest of its commit).
type wire struct {
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	Timestamp stamp    `json:"timestamp"`
	Data      wireData `json:"data"`
}

// wireData is Data with Since in TimeLayout. Since shadows the embedded
// field of the same name; it is Data's last field, so the keys keep their
// order.
type wireData struct {
	dataFields
	Since *stamp `json:"since,omitempty"`
}

// dataFields is Data's fields, without its MarshalJSON.
type dataFields Data

func (e *Event) wire() wire {
	return wire{e.ID, e.Type, stamp(e.Timestamp), e.Data.wire()}
}

func (d *Data) wire() wireData {
	w := wireData{dataFields: dataFields(*d)}
	if d.Since != nil {
		s := stamp(*d.Since)
		w.Since = &s
	}
	return w
}

// stamp is a time as events write it: in TimeLayout.
type stamp time.Time

func (s stamp) MarshalJSON() ([]byte, error) {
	t := time.Time(s).UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("event time %v: year outside of [0,9999]", t)
	}
	b := make([]byte, 0, len(TimeLayout)+2)
	b = append(b, '"')
	b = t.AppendFormat(b, TimeLayout)
	return append(b, '"'), nil
}

// NewID returns a new event id: "msg_" and 26 characters of Crockford
// base32 (48 bits of milliseconds, then 80 random bits), so ids sort by
// creation time.
func NewID(now time.Time) string {
	return NewPrefixedID("msg_", now)
}

// NewPrefixedID is NewID with another prefix than "msg_": "app_" and
// "ep_" for the applications and endpoints of subscriptions.
func NewPrefixedID(prefix string, now time.Time) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b [16]byte
	ms := uint64(now.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails (Go 1.24+)
	// 128 bits -> 26 base32 digits (130 bits, the top two are zero).
	var out [26]byte
	hi := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	lo := uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[10])<<40 | uint64(b[11])<<32 |
		uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
	for i := 25; i >= 0; i-- {
		out[i] = alphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return prefix + string(out[:])
}

// NewIDs returns n new event ids (NewID) for events made at once, in
// ascending order, so that they sort in the order they are given out:
// ids of one millisecond sort by their random bits otherwise.
func NewIDs(now time.Time, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = NewID(now)
	}
	slices.Sort(ids)
	return ids
}

// Title is the one-line summary chat messages start with:
// "releases changed: 1 added, 2 changed". When the listed changes have
// labels, it names their elements (see names):
// "releases changed: 1 added, 2 changed (hub 2.13.0, hub 2.12.1)".
func (e *Event) Title() string { return e.title(e.Data.Watch) }

// title is Title with watch for the watch's name.
func (e *Event) title(watch string) string {
	switch e.Type {
	case TypeFailing:
		if e.Data.Failures == 1 {
			return watch + " is failing"
		}
		return fmt.Sprintf("%s is failing (%d polls in a row)", watch, e.Data.Failures)
	case TypeRecovered:
		return fmt.Sprintf("%s recovered", watch)
	case TypeTest:
		return "pollhook test message"
	case TypeTruncated:
		return e.truncatedTitle(watch)
	case TypeSubscriptionDisabled:
		return "endpoint " + watch + " disabled"
	}
	if e.Data.element() {
		return e.elementTitle(watch)
	}
	t := watch + " changed"
	if c := e.Data.Counts; c != nil && c.Total() > 0 {
		t += ": " + countsLine(*c)
	}
	if n := e.names(); n != "" {
		t += " (" + n + ")"
	}
	return t
}

// How many element labels a title names, and how long they may get
// together (with their commas), in characters. With the watch name cut to
// 100 characters and the counts, a title stays under the 256 characters
// that chat tools allow a title.
const (
	maxTitleLabels = 3
	maxTitleNames  = 80
)

// names names the elements of the listed changes for the title, by their
// labels: each label once, in the order of the changes, as many of the
// first three as fit in maxTitleNames characters, then "and N more" for
// the other labels, or "and more" when the event lists fewer changes than
// it counts (the changes it leaves out may name other elements). Changes
// without a label are not named. "" when no change has a label.
func (e *Event) names() string {
	var shown []string
	seen := map[string]bool{}
	size, rest := 0, 0
	for _, c := range e.Data.Changes {
		l := elementLabel(e.Data.Format, c)
		if l == "" || seen[l] {
			continue
		}
		seen[l] = true
		w := human.Len(l)
		if len(shown) > 0 {
			w += len(", ")
		}
		if rest == 0 && len(shown) < maxTitleLabels && size+w <= maxTitleNames {
			shown = append(shown, l)
			size += w
			continue
		}
		rest++
	}
	if len(shown) == 0 {
		return ""
	}
	n := strings.Join(shown, ", ")
	switch d := &e.Data; {
	case d.Truncated && d.Counts != nil && d.Counts.Total() > len(d.Changes):
		n += " and more"
	case rest > 0:
		n += " and " + strconv.Itoa(rest) + " more"
	}
	return n
}
