package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The records a change storm writes for every change (a watch's state,
// a delivery, its attempts) are encoded here by hand, as encoding/json
// writes them (TestEncode_AsEncodingJSON holds them to it): its
// reflection cost each change more than the rest of its transaction's
// work in the store. They are read with encoding/json.

// handEncoded is a record encoded by hand.
type handEncoded interface {
	appendJSON(b []byte) ([]byte, error)
}

// putRecord stores r's JSON under key.
func putRecord(b *bolt.Bucket, key []byte, r handEncoded) error {
	data, err := r.appendJSON(nil)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return b.Put(key, data)
}

// object writes a JSON object's members, with encoding/json's omitempty
// (omit) and omitzero (times) where the fields have them.
type object struct {
	b   []byte
	n   int
	err error
}

// newObject starts an object after b; a nil b gets room for a record.
func newObject(b []byte) object {
	if b == nil {
		b = make([]byte, 0, 384)
	}
	return object{b: append(b, '{')}
}

func (o *object) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *object) str(k, v string, omit bool) {
	if omit && v == "" {
		return
	}
	o.key(k)
	o.b = appendString(o.b, v)
}

func (o *object) int(k string, v int64, omit bool) {
	if omit && v == 0 {
		return
	}
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *object) uint(k string, v uint64, omit bool) {
	if omit && v == 0 {
		return
	}
	o.key(k)
	o.b = strconv.AppendUint(o.b, v, 10)
}

func (o *object) bool(k string, v, omit bool) {
	if omit && !v {
		return
	}
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

// time writes t as time.Time's MarshalJSON does: RFC 3339 with as many
// fractional digits as it has, refusing a year it cannot write.
func (o *object) time(k string, t time.Time, omitZero bool) {
	if omitZero && t.IsZero() {
		return
	}
	if y := t.Year(); y < 0 || y > 9999 {
		o.err = fmt.Errorf("%s: year %d outside of [0,9999]", k, y)
		return
	}
	o.key(k)
	o.b = append(o.b, '"')
	o.b = t.AppendFormat(o.b, time.RFC3339Nano)
	o.b = append(o.b, '"')
}

func (o *object) end() ([]byte, error) {
	return append(o.b, '}'), o.err
}

// appendString writes s as a JSON string: as it is when nothing in it
// needs escaping (names, ids, states, most errors), else as encoding/json
// escapes it.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func (d *Delivery) appendJSON(b []byte) ([]byte, error) {
	o := newObject(b)
	o.str("event_id", d.EventID, false)
	o.str("watch", d.Watch, false)
	o.str("target", d.Target, false)
	o.uint("seq", d.Seq, false)
	o.str("state", d.State, false)
	o.int("attempts", int64(d.Attempts), false)
	o.time("created", d.Created, false)
	o.time("next_at", d.NextAt, true)
	o.time("done", d.Done, true)
	o.int("last_status", int64(d.LastStatus), true)
	o.str("last_error", d.LastError, true)
	return o.end()
}

func (a *Attempt) appendJSON(b []byte) ([]byte, error) {
	o := newObject(b)
	o.time("at", a.At, false)
	o.int("status", int64(a.Status), true)
	o.int("latency", int64(a.Latency), false)
	o.str("body", a.Body, true)
	o.str("error", a.Error, true)
	return o.end()
}

// attemptLog is a delivery's attempts.
type attemptLog []Attempt

func (as attemptLog) appendJSON(b []byte) ([]byte, error) {
	if as == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := range as {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = as[i].appendJSON(b); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func (s *WatchState) appendJSON(b []byte) ([]byte, error) {
	o := newObject(b)
	o.bool("baseline", s.Baseline, false)
	o.str("format", s.Format, true)
	o.uint("sum", s.Sum, false)
	o.str("identity", s.Identity, true)
	o.uint("seq", s.Seq, false)
	o.uint("answer_sum", s.AnswerSum, true)
	o.str("value_type", s.ValueType, true)
	o.int("value_len", int64(s.ValueLen), true)
	o.uint("pending_sum", s.PendingSum, true)
	o.int("pending_count", int64(s.PendingCount), true)
	o.str("etag", s.ETag, true)
	o.str("last_modified", s.LastModified, true)
	o.int("failures", int64(s.Failures), true)
	o.time("failing_since", s.FailingSince, true)
	o.bool("alerted", s.Alerted, true)
	o.str("last_error", s.LastError, true)
	o.time("paused_until", s.PausedUntil, true)
	o.time("last_poll", s.LastPoll, true)
	o.time("last_success", s.LastSuccess, true)
	o.time("last_change", s.LastChange, true)
	return o.end()
}
