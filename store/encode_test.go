package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// fill sets every field of the struct v points to a value that is not
// its zero value, derived from seed, so that a field the hand-written
// encoding leaves out shows.
func fill(v any, seed int) {
	rv := reflect.ValueOf(v).Elem()
	for i := range rv.NumField() {
		f := rv.Field(i)
		n := seed + i + 1
		switch f.Kind() {
		case reflect.String:
			f.SetString("value " + string(rune('a'+n%26)))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(n * 1001))
		case reflect.Uint64:
			f.SetUint(uint64(n) << 40)
		case reflect.Struct:
			if f.Type() != reflect.TypeOf(time.Time{}) {
				panic("fill: field " + rv.Type().Field(i).Name)
			}
			f.Set(reflect.ValueOf(time.Date(2026, 3, 1, 12, n%60, 5, n*1000003, time.FixedZone("", 3600))))
		default:
			panic("fill: field " + rv.Type().Field(i).Name + " of kind " + f.Kind().String())
		}
	}
}

// TestEncode_AsEncodingJSON: the records encoded by hand are the bytes
// encoding/json writes, every field set or none, with strings that need
// escaping, so that what reads them (encoding/json, earlier versions)
// finds what it always found.
func TestEncode_AsEncodingJSON(t *testing.T) {
	var full, zero, odd = Delivery{}, Delivery{}, Delivery{}
	fill(&full, 0)
	odd.EventID, odd.LastError = `a "quoted" <b> & \ line`+"\n\t\x01", "ünïcödé \u2028 and \xff"
	odd.Created = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var fullState WatchState
	fill(&fullState, 7)
	var fullAttempt Attempt
	fill(&fullAttempt, 3)
	for _, c := range []struct {
		name string
		v    handEncoded
	}{
		{"delivery, every field", &full},
		{"delivery, none", &zero},
		{"delivery, strings to escape", &odd},
		{"watch state, every field", &fullState},
		{"watch state, none", &WatchState{}},
		{"attempt, every field", &fullAttempt},
		{"attempts", attemptLog{fullAttempt, {}, {Error: "<&>"}}},
		{"no attempts", attemptLog(nil)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.v.appendJSON(nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(c.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("encoded\n%s\nwant (encoding/json)\n%s", got, want)
			}
		})
	}
	if _, err := (&Delivery{Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}).appendJSON(nil); err == nil {
		t.Error("a delivery created in the year 10000 encoded")
	}
}
