package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// decodeCases are records as the store holds them, and ones it never
// writes but a damaged or hand-edited file may: each must decode as
// encoding/json decodes it, to the same value or to an error.
func decodeCases(t testing.TB) map[string]string {
	var full Delivery
	fill(&full, 0)
	fullJSON, _ := full.appendJSON(nil)
	var state WatchState
	fill(&state, 7)
	stateJSON, _ := state.appendJSON(nil)
	odd := Delivery{EventID: `a "quoted" <b>`, LastError: "\xff", Created: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	oddJSON, _ := odd.appendJSON(nil)
	return map[string]string{
		"every field":        string(fullJSON),
		"every state field":  string(stateJSON),
		"escaped strings":    string(oddJSON),
		"empty":              `{}`,
		"spaces":             " {\n\t\"seq\" : 3 ,\r\"state\":\"pending\" } ",
		"unknown key":        `{"seq":3,"extra":"x"}`,
		"key in other case":  `{"Seq":3,"STATE":"pending"}`,
		"null":               `{"seq":null,"state":"x"}`,
		"nested":             `{"state":{"a":1}}`,
		"plus sign":          `{"seq":+1}`,
		"leading zero":       `{"seq":01}`,
		"negative uint":      `{"seq":-1}`,
		"minus zero":         `{"attempts":-0}`,
		"fraction":           `{"attempts":1.5}`,
		"exponent":           `{"attempts":1e3}`,
		"overflow":           `{"seq":18446744073709551616}`,
		"max uint":           `{"seq":18446744073709551615,"sum":18446744073709551615}`,
		"string for number":  `{"seq":"3"}`,
		"number for string":  `{"state":3}`,
		"bool for string":    `{"state":true}`,
		"bad literal":        `{"baseline":tru}`,
		"duplicate key":      `{"state":"a","state":"b"}`,
		"invalid UTF-8":      "{\"state\":\"\xff\"}",
		"control character":  "{\"state\":\"a\x01\"}",
		"bad time":           `{"created":"yesterday"}`,
		"time with offset":   `{"created":"2026-03-01T12:00:00.5+01:00"}`,
		"trailing bytes":     `{"seq":1} x`,
		"trailing comma":     `{"seq":1,}`,
		"unterminated":       `{"seq":1`,
		"not an object":      `[1]`,
		"nothing":            ``,
		"unicode escape":     `{"state":"\u00e9\ud800"}`,
		"ETag":               `{"etag":"\"33a64df5\"","seq":1}`,
		"weak ETag":          `{"etag":"W/\"33a64df5\"","last_modified":"a\\b\\","seq":1}`,
		"quotes and more":    `{"etag":"\"a\"\n","state":"\\\"\u0041"}`,
		"escaped slash":      `{"state":"a\/b"}`,
		"bad escape":         `{"state":"a\x"}`,
		"short escape":       `{"state":"\u12"}`,
		"escaped key":        `{"st\u0061te":"a"}`,
		"escaped time":       `{"created":"2026-03-01T12:00:00\u005a"}`,
		"state: every field": string(stateJSON),
	}
}

// TestDecodeRecord: records read by hand decode to what encoding/json
// gives, on every input, and the records the store writes are read by
// hand (not by the fallback, which would cost what the hand reading
// saves).
func TestDecodeRecord(t *testing.T) {
	for name, data := range decodeCases(t) {
		t.Run(name, func(t *testing.T) {
			sameAsEncodingJSON[Delivery](t, []byte(data))
			sameAsEncodingJSON[WatchState](t, []byte(data))
		})
	}
	var full Delivery
	fill(&full, 0)
	var state WatchState
	fill(&state, 7)
	for _, r := range []interface {
		handEncoded
		handDecoded
	}{&full, &Delivery{}, &state, &WatchState{}, &WatchState{ETag: `W/"33a64df5"`, LastError: "line\nbreak"}} {
		data, err := r.appendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		into := reflect.New(reflect.TypeOf(r).Elem()).Interface().(handDecoded)
		if !into.readJSON(data) {
			t.Errorf("%s is left to encoding/json", data)
			continue
		}
		if !reflect.DeepEqual(into, r) {
			t.Errorf("%s read as %+v, want %+v", data, into, r)
		}
	}
}

// sameAsEncodingJSON decodes data into a T by decodeRecord and by
// encoding/json, both starting from the same record, and fails unless
// they agree.
func sameAsEncodingJSON[T any](t testing.TB, data []byte) {
	t.Helper()
	var start T
	fill(&start, 3) // fields the data leaves out keep their values
	got, want := start, start
	gotErr := decodeRecord(data, &got)
	wantErr := json.Unmarshal(data, &want)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%q into %T: error %v, encoding/json's %v", data, got, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q into %T:\n%+v\nwant (encoding/json)\n%+v", data, got, got, want)
	}
}

func FuzzDecodeDelivery(f *testing.F) {
	for _, data := range decodeCases(f) {
		f.Add([]byte(data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsEncodingJSON[Delivery](t, data)
	})
}

func FuzzDecodeWatchState(f *testing.F) {
	for _, data := range decodeCases(f) {
		f.Add([]byte(data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsEncodingJSON[WatchState](t, data)
	})
}

// BenchmarkDecodeDelivery: reading a delivery as the store writes it, by
// hand and with encoding/json.
func BenchmarkDecodeDelivery(b *testing.B) {
	d := Delivery{EventID: "msg_2qYxR8z1fKc0aBcDeFgHiJkLmNo", Watch: "w1234", Target: "hook", Seq: 42, State: StatePending, Created: time.Now(), NextAt: time.Now()}
	data, _ := d.appendJSON(nil)
	benchDecode[Delivery](b, data)
}

// BenchmarkDecodeWatchState: reading a watch's state, by hand and with
// encoding/json.
func BenchmarkDecodeWatchState(b *testing.B) {
	s := WatchState{Baseline: true, Format: "json", Sum: 1 << 62, Identity: "0123456789abcdef", Seq: 7, AnswerSum: 1 << 61, ValueType: "array", ValueLen: 20, ETag: `W/"abc"`, LastPoll: time.Now(), LastSuccess: time.Now(), LastChange: time.Now()}
	data, _ := s.appendJSON(nil)
	benchDecode[WatchState](b, data)
}

// benchDecode reads data into a T, by hand (decodeRecord) and with
// encoding/json.
func benchDecode[T any](b *testing.B, data []byte) {
	for _, c := range []struct {
		name   string
		decode func([]byte, any) error
	}{{"hand", decodeRecord}, {"encoding-json", json.Unmarshal}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var got T
				if err := c.decode(data, &got); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
