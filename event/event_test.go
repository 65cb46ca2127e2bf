package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/diff"
)

func TestNewID(t *testing.T) {
	now := time.Now()
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = NewID(now.Add(time.Duration(i) * time.Millisecond))
		if len(ids[i]) != 30 || !strings.HasPrefix(ids[i], "msg_") {
			t.Fatalf("id %q", ids[i])
		}
	}
	if !sort.StringsAreSorted(ids) {
		t.Error("ids do not sort by time")
	}
}

// TestDecode_KeepsTheCommittedBytes: an event read from the outbox is sent
// exactly as it was committed, whatever encoding/json would make of it.
func TestDecode_KeepsTheCommittedBytes(t *testing.T) {
	stored := []byte(`{ "id": "msg_1", "type": "watch.changed", "timestamp": "2026-03-01T12:00:00Z", "data": {"watch": "w", "url": "", "seq": 3, "extra": "kept"} }`)
	ev, err := Decode(stored)
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID != "msg_1" || ev.Data.Seq != 3 {
		t.Errorf("decoded %+v", ev)
	}
	got, err := ev.JSON()
	if err != nil || string(got) != string(stored) {
		t.Errorf("JSON() = %s, %v; want the stored bytes", got, err)
	}
	fresh := &Event{ID: "msg_2", Type: TypeChanged}
	got, err = fresh.JSON()
	want, _ := json.Marshal(fresh)
	if err != nil || string(got) != string(want) {
		t.Errorf("JSON() of a new event = %s, want %s", got, want)
	}
	if _, err := Decode([]byte("{")); err == nil {
		t.Error("Decode of a broken event succeeded")
	}
}

// TestEncode_JSONGivesTheCommittedBytes: an event is encoded once, when
// it is committed; JSON gives those bytes back, the same slice, not a
// second encoding (which could differ from what was committed).
func TestEncode_JSONGivesTheCommittedBytes(t *testing.T) {
	ev := &Event{ID: "msg_1", Type: TypeChanged, Timestamp: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Data: Data{Watch: "w", Seq: 3}}
	committed, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(ev)
	if string(committed) != string(want) {
		t.Errorf("Encode() = %s, want the event's encoding %s", committed, want)
	}
	got, err := ev.JSON()
	if err != nil || len(got) == 0 || &got[0] != &committed[0] {
		t.Errorf("JSON() = %s, %v; want the bytes Encode made", got, err)
	}
	again, _ := ev.Encode()
	if &again[0] != &committed[0] {
		t.Error("a second Encode encoded the event again")
	}
}

// TestStored_SendsTheCommittedBytes: an event taken as stored gives back
// its bytes and id, and a broken one is refused as Decode refuses it.
func TestStored_SendsTheCommittedBytes(t *testing.T) {
	stored := []byte(`{ "id": "msg_1", "type": "watch.changed", "data": {"seq": 3} }`)
	ev, err := Stored("msg_1", stored)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ev.JSON(); err != nil || ev.ID != "msg_1" || string(got) != string(stored) {
		t.Errorf("Stored = %q, %s, %v; want msg_1 and the stored bytes", ev.ID, got, err)
	}
	if _, err := Stored("msg_1", []byte(`{"id": "msg_1"`)); err == nil {
		t.Error("Stored of a broken event succeeded")
	}
}

// stampRE is the one form of every event time: RFC 3339 in UTC with
// exactly three fractional digits.
var stampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// encodedTimes returns the timestamp and, when present, data.since of an
// event's JSON.
func encodedTimes(t *testing.T, ev *Event) []string {
	t.Helper()
	b, err := ev.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Timestamp string `json:"timestamp"`
		Data      struct {
			Since *string `json:"since"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	out := []string{got.Timestamp}
	if got.Data.Since != nil {
		out = append(out, *got.Data.Since)
	}
	return out
}

// TestEvent_TimestampFormat: however an event was made, and whatever the
// precision and zone of the time it was made with, its JSON writes its
// times one way.
func TestEvent_TimestampFormat(t *testing.T) {
	east := time.FixedZone("UTC+2", 2*3600)
	times := []struct {
		name string
		at   time.Time
		want string
	}{
		{"nanoseconds", time.Date(2026, 11, 27, 14, 30, 14, 201938123, time.UTC), "2026-11-27T14:30:14.201Z"},
		{"milliseconds", time.Date(2026, 11, 27, 14, 30, 14, 201000000, time.UTC), "2026-11-27T14:30:14.201Z"},
		{"whole second", time.Date(2026, 11, 27, 14, 30, 14, 0, time.UTC), "2026-11-27T14:30:14.000Z"},
		{"ten milliseconds", time.Date(2026, 11, 27, 14, 30, 14, 10000000, time.UTC), "2026-11-27T14:30:14.010Z"},
		{"another zone", time.Date(2026, 11, 27, 16, 30, 14, 201938123, east), "2026-11-27T14:30:14.201Z"},
		{"monotonic clock reading", time.Now(), ""},
	}
	makers := []struct {
		name string
		make func(at time.Time) *Event
	}{
		{"Sample", func(at time.Time) *Event { return Sample("releases", "https://api.example.com/r", at) }},
		{"a literal with Now", func(at time.Time) *Event {
			since := at.Add(-time.Hour)
			return &Event{ID: NewID(at), Type: TypeFailing, Timestamp: Now(at),
				Data: Data{Watch: "w", Failures: 2, Since: &since}}
		}},
		{"a literal with the raw time", func(at time.Time) *Event {
			since := at.Add(-time.Hour)
			return &Event{ID: NewID(at), Type: TypeRecovered, Timestamp: at,
				Data: Data{Watch: "w", Failures: 2, Since: &since}}
		}},
	}
	for i := range 3 {
		makers = append(makers, struct {
			name string
			make func(at time.Time) *Event
		}{fmt.Sprintf("template sample %d", i), func(at time.Time) *Event { return templateSamples(at)[i] }})
	}
	for _, m := range makers {
		for _, tt := range times {
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				ev := m.make(tt.at)
				for _, got := range encodedTimes(t, ev) {
					if !stampRE.MatchString(got) {
						t.Errorf("time %q, want RFC 3339 UTC with milliseconds", got)
					}
				}
				if got := encodedTimes(t, ev)[0]; tt.want != "" && got != tt.want {
					t.Errorf("timestamp %q, want %q", got, tt.want)
				}
			})
		}
	}
}

func TestNow(t *testing.T) {
	at := time.Date(2026, 11, 27, 16, 30, 14, 201938123, time.FixedZone("UTC+2", 2*3600))
	got := Now(at)
	if want := time.Date(2026, 11, 27, 14, 30, 14, 201000000, time.UTC); got != want {
		t.Errorf("Now(%v) = %v, want %v", at, got, want)
	}
	// The time an event holds is the time its JSON shows: decoding it
	// gives back the same time.
	ev := &Event{ID: "msg_1", Type: TypeChanged, Timestamp: Now(time.Now())}
	b, err := ev.JSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Timestamp.Equal(ev.Timestamp) {
		t.Errorf("decoded %v, made %v", back.Timestamp, ev.Timestamp)
	}
}

// TestDecode_StoredTimestamps: events stored before timestamps had one
// form still decode, are sent as stored, and encode anew in today's form.
func TestDecode_StoredTimestamps(t *testing.T) {
	tests := []struct {
		name, stored string
		want         time.Time
		wantStamp    string
	}{
		{"seconds", "2026-03-01T12:00:00Z", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), "2026-03-01T12:00:00.000Z"},
		{"milliseconds", "2026-03-01T12:00:00.25Z", time.Date(2026, 3, 1, 12, 0, 0, 250000000, time.UTC), "2026-03-01T12:00:00.250Z"},
		{"nanoseconds", "2026-03-01T12:00:00.123456789Z", time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC), "2026-03-01T12:00:00.123Z"},
		{"offset", "2026-03-01T14:00:00.5+02:00", time.Date(2026, 3, 1, 12, 0, 0, 500000000, time.UTC), "2026-03-01T12:00:00.500Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := []byte(`{"id":"msg_1","type":"watch.failing","timestamp":"` + tt.stored +
				`","data":{"watch":"w","url":"","seq":1,"failures":2,"since":"` + tt.stored + `"}}`)
			ev, err := Decode(stored)
			if err != nil {
				t.Fatal(err)
			}
			if !ev.Timestamp.Equal(tt.want) || ev.Data.Since == nil || !ev.Data.Since.Equal(tt.want) {
				t.Errorf("decoded timestamp %v since %v, want %v", ev.Timestamp, ev.Data.Since, tt.want)
			}
			if got, err := ev.JSON(); err != nil || !bytes.Equal(got, stored) {
				t.Errorf("JSON() = %s, %v; want the stored bytes", got, err)
			}
			again, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := Decode(again)
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range encodedTimes(t, fresh) {
				if got != tt.wantStamp {
					t.Errorf("encoded anew as %q, want %q", got, tt.wantStamp)
				}
			}
		})
	}
}

// BenchmarkEncode encodes change events as commits do: "version", one
// number of a document changed (bench/storm.sh's storm); "element", an
// element of about 1.5 KB changed, with its old and new values.
func BenchmarkEncode(b *testing.B) {
	value := func(v string) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`{"id":3,"name":"item 3 %s","pad":"%s","tags":["a","b"],"n":1.5}`, v, strings.Repeat("x", 1400)))
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, bc := range []struct {
		name   string
		change diff.Change
	}{
		{"version", diff.Change{Op: diff.Changed, Path: "version", Old: json.RawMessage("1"), New: json.RawMessage("2")}},
		{"element", diff.Change{Op: diff.Changed, Path: "items.#(id==3)", Key: "3", Old: value("old"), New: value("new")}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ev := Event{ID: NewID(now), Type: TypeChanged, Timestamp: now, Data: Data{
				Watch: "w1", URL: "http://api.example/w/1", Seq: 7, Format: diff.JSON,
				Changes: []diff.Change{bc.change}, Counts: &diff.Counts{Changed: 1},
			}}
			b.ReportAllocs()
			for b.Loop() {
				e := ev
				if _, err := e.Encode(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestEncode_Wire holds an event's JSON, every field of it set, to the
// bytes webhooks have always carried: the keys in this order, times in
// TimeLayout, <, > and & escaped in strings and in values, values
// compacted.
func TestEncode_Wire(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	since := now.Add(-90 * time.Minute)
	ev := &Event{ID: "msg_01", Type: TypeChanged, Timestamp: now, Data: Data{
		Watch: "w <1>", URL: "https://api.example/r?a=1&b=2", Seq: 7, Format: diff.JSON,
		Key: "k", Label: "Big & <safe>", Link: "https://example.com/x",
		Changes: []diff.Change{{Op: diff.Changed, Path: `#(id=="3").name`, Key: "3", Label: "l", Link: "https://e.example",
			Old: json.RawMessage(`{ "name" : "a<b>" }`), New: json.RawMessage("\"a&b\"")}},
		Counts: &diff.Counts{Added: 1, Removed: 2, Changed: 3}, Truncated: true,
		Patch: json.RawMessage(`[ {"op":"replace"} ]`), Document: json.RawMessage(`{"d": 1}`), Previous: json.RawMessage(`{"d":0}`),
		Omitted: 4, MaxEvents: 5, Endpoint: "ep_1", App: "app_1", Error: "boom\n", Failures: 6, Since: &since,
	}}
	const want = `{"id":"msg_01","type":"watch.changed","timestamp":"2026-03-01T11:00:00.123Z","data":{"watch":"w \u003c1\u003e","url":"https://api.example/r?a=1\u0026b=2","seq":7,"format":"json","key":"k","label":"Big \u0026 \u003csafe\u003e","link":"https://example.com/x","changes":[{"op":"changed","path":"#(id==\"3\").name","key":"3","label":"l","link":"https://e.example","old":{"name":"a\u003cb\u003e"},"new":"a\u0026b"}],"counts":{"added":1,"removed":2,"changed":3},"truncated":true,"patch":[{"op":"replace"}],"document":{"d":1},"previous":{"d":0},"omitted":4,"max_events":5,"endpoint":"ep_1","app":"app_1","error":"boom\n","failures":6,"since":"2026-03-01T09:30:00.123Z"}}`
	got, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("Encode() =\n%s\nwant\n%s", got, want)
	}
	if j, _ := json.Marshal(ev); string(j) != want {
		t.Errorf("json.Marshal =\n%s\nwant\n%s", j, want)
	}
	if j, _ := json.Marshal(ev.Data); !strings.Contains(want, `"data":`+string(j)+"}") {
		t.Errorf("json.Marshal of the data =\n%s\nnot the event's", j)
	}
	if _, err := (&Event{Timestamp: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}).Encode(); err == nil {
		t.Error("an event of the year 10000 encoded")
	}
}
