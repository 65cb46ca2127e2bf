package store

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The records read for every change and every delivery (a watch's state,
// a delivery) are read by hand when they have the shape encode.go writes:
// a flat object of known keys.
// encoding/json's reflection cost a delivery's read four times as much.
// Anything else (an unknown, escaped or differently cased key, a null, a number of the wrong kind, trailing bytes) is left to
// encoding/json, so that what a record decodes to, or the error it gets,
// is encoding/json's in every case (FuzzDecodeDelivery holds the two to
// it).

// handDecoded is a record that can read itself from the JSON the hand
// encoder writes. readJSON reports false, having changed nothing, when
// data is not of that shape.
type handDecoded interface {
	readJSON(data []byte) bool
}

// decodeRecord reads data into v: by hand when v can and data has the
// hand encoder's shape, else with encoding/json.
func decodeRecord(data []byte, v any) error {
	if h, ok := v.(handDecoded); ok && h.readJSON(data) {
		return nil
	}
	return json.Unmarshal(data, v)
}

// members reads the members of the flat JSON object data, in order:
// next gives each one's key as written (without quotes) and its value's
// token (a string with its quotes, a number, true or false; only the
// strings are checked as JSON here), and reports false at the end of the
// object or at the first thing outside that shape. ended says which:
// the object ended, as JSON ends it, with nothing after it.
type members struct {
	data  []byte
	i     int
	begun bool
	ended bool
}

func (m *members) next() (key, val []byte, ok bool) {
	data, i := m.data, m.i
	if !m.begun {
		m.begun = true
		i = skipSpace(data, 0)
		if i >= len(data) || data[i] != '{' {
			return nil, nil, false
		}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			m.ended = skipSpace(data, i+1) == len(data)
			return nil, nil, false
		}
	} else {
		// After a value: a comma and the next member, or the end.
		i = skipSpace(data, i)
		if i >= len(data) {
			return nil, nil, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			m.ended = skipSpace(data, i+1) == len(data)
			return nil, nil, false
		default:
			return nil, nil, false
		}
	}
	next, escaped, ok := scanString(data, i)
	if !ok || escaped {
		return nil, nil, false // a key with escapes is left to encoding/json
	}
	key = data[i+1 : next-1]
	i = skipSpace(data, next)
	if i >= len(data) || data[i] != ':' {
		return nil, nil, false
	}
	i = skipSpace(data, i+1)
	if i >= len(data) {
		return nil, nil, false
	}
	start := i
	switch c := data[i]; {
	case c == '"':
		if next, _, ok = scanString(data, i); !ok {
			return nil, nil, false
		}
		i = next
	case c == 't' || c == 'f':
		for i < len(data) && data[i] >= 'a' && data[i] <= 'z' {
			i++
		}
	case c == '-' || c >= '0' && c <= '9':
		for i < len(data) && (data[i] == '-' || data[i] >= '0' && data[i] <= '9') {
			i++
		}
	default: // null, an object, an array, or not JSON
		return nil, nil, false
	}
	m.i = i
	return key, data[start:i], true
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// scanString reads past the JSON string at data[i], checking its
// escapes as JSON has them, and returns the index after its closing
// quote and whether it has escapes.
func scanString(data []byte, i int) (next int, escaped, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return 0, false, false
	}
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return j + 1, escaped, true
		case c < 0x20:
			return 0, false, false
		case c == '\\':
			escaped = true
			if j+1 >= len(data) {
				return 0, false, false
			}
			j++
			switch data[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(data) {
					return 0, false, false
				}
				for _, h := range data[j+1 : j+5] {
					if !isHex(h) {
						return 0, false, false
					}
				}
				j += 4
			default:
				return 0, false, false
			}
		}
	}
	return 0, false, false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// The value readers take a token members gave and report false when
// it is not what the field holds, or not exactly as JSON writes it.

// readString: a string with nothing to unescape or replace is its bytes,
// one whose only escapes are an ETag's quotes is unquoted here, and any
// other (\u escapes, invalid UTF-8) is read by encoding/json, token alone.
func readString(val []byte, to *string) bool {
	if len(val) < 2 || val[0] != '"' {
		return false
	}
	s := val[1 : len(val)-1]
	if utf8.Valid(s) {
		if bytes.IndexByte(s, '\\') < 0 {
			*to = string(s)
			return true
		}
		if u, ok := unquoteQuotes(s); ok {
			*to = u
			return true
		}
	}
	// Into a variable of its own: to, given to encoding/json, would move
	// the whole record being read to the heap.
	var u string
	if json.Unmarshal(val, &u) != nil {
		return false
	}
	*to = u
	return true
}

// unquoteQuotes reads a JSON string's inside whose only escapes are \"
// and \\ (an ETag's quotes: W/\"33a64df5\"), or says it has others.
func unquoteQuotes(s []byte) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			if i++; i == len(s) || s[i] != '"' && s[i] != '\\' {
				return "", false
			}
			c = s[i]
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// isInteger: an integer as JSON writes one, -?(0|[1-9][0-9]*), which
// strconv's parsers alone do not check (they take "+1" and "01").
func isInteger(val []byte) bool {
	d := val
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 1 && d[0] == '0' {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func readUint(val []byte, to *uint64) bool {
	if !isInteger(val) {
		return false
	}
	n, err := strconv.ParseUint(string(val), 10, 64)
	if err != nil {
		return false
	}
	*to = n
	return true
}

func readInt(val []byte, to *int) bool {
	if !isInteger(val) {
		return false
	}
	n, err := strconv.ParseInt(string(val), 10, 64)
	if err != nil {
		return false
	}
	*to = int(n)
	return true
}

func readBool(val []byte, to *bool) bool {
	switch string(val) {
	case "true":
		*to = true
	case "false":
		*to = false
	default:
		return false
	}
	return true
}

// readTime reads a time as encoding/json does: with time.Time's own
// UnmarshalJSON, given the token.
func readTime(val []byte, to *time.Time) bool {
	if len(val) == 0 || val[0] != '"' {
		return false
	}
	var t time.Time
	if t.UnmarshalJSON(val) != nil {
		return false
	}
	*to = t
	return true
}

func (d *Delivery) readJSON(data []byte) bool {
	r := *d
	m := members{data: data}
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		var read bool
		switch string(key) {
		case "event_id":
			read = readString(val, &r.EventID)
		case "watch":
			read = readString(val, &r.Watch)
		case "target":
			read = readString(val, &r.Target)
		case "seq":
			read = readUint(val, &r.Seq)
		case "state":
			read = readString(val, &r.State)
		case "attempts":
			read = readInt(val, &r.Attempts)
		case "created":
			read = readTime(val, &r.Created)
		case "next_at":
			read = readTime(val, &r.NextAt)
		case "done":
			read = readTime(val, &r.Done)
		case "last_status":
			read = readInt(val, &r.LastStatus)
		case "last_error":
			read = readString(val, &r.LastError)
		}
		if !read {
			return false // an unknown key, or a value encoding/json reads otherwise
		}
	}
	if !m.ended {
		return false
	}
	*d = r
	return true
}

func (s *WatchState) readJSON(data []byte) bool {
	r := *s
	m := members{data: data}
	for key, val, ok := m.next(); ok; key, val, ok = m.next() {
		var read bool
		switch string(key) {
		case "baseline":
			read = readBool(val, &r.Baseline)
		case "format":
			read = readString(val, &r.Format)
		case "sum":
			read = readUint(val, &r.Sum)
		case "identity":
			read = readString(val, &r.Identity)
		case "seq":
			read = readUint(val, &r.Seq)
		case "answer_sum":
			read = readUint(val, &r.AnswerSum)
		case "value_type":
			read = readString(val, &r.ValueType)
		case "value_len":
			read = readInt(val, &r.ValueLen)
		case "pending_sum":
			read = readUint(val, &r.PendingSum)
		case "pending_count":
			read = readInt(val, &r.PendingCount)
		case "etag":
			read = readString(val, &r.ETag)
		case "last_modified":
			read = readString(val, &r.LastModified)
		case "failures":
			read = readInt(val, &r.Failures)
		case "failing_since":
			read = readTime(val, &r.FailingSince)
		case "alerted":
			read = readBool(val, &r.Alerted)
		case "last_error":
			read = readString(val, &r.LastError)
		case "paused_until":
			read = readTime(val, &r.PausedUntil)
		case "last_poll":
			read = readTime(val, &r.LastPoll)
		case "last_success":
			read = readTime(val, &r.LastSuccess)
		case "last_change":
			read = readTime(val, &r.LastChange)
		}
		if !read {
			return false // an unknown key, or a value encoding/json reads otherwise
		}
	}
	if !m.ended {
		return false
	}
	*s = r
	return true
}
