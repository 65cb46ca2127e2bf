package event

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"
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
