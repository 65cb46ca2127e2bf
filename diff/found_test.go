package diff

import "testing"

// TestDiffer_Diff_Found: a result counts the changes found before On and
// When, and says which of them each one dropped, so that a change of
// which nothing fires can be explained. What fires is unchanged by it.
func TestDiffer_Diff_Found(t *testing.T) {
	tests := []struct {
		name           string
		o              Options
		format         Format
		old, new       string
		found, fired   Counts
		notOn, notWhen int
	}{
		{"every change fires", Options{Key: "id"}, JSON,
			`[{"id":1,"n":1},{"id":2}]`, `[{"id":1,"n":2},{"id":3}]`,
			Counts{Added: 1, Removed: 1, Changed: 1}, Counts{Added: 1, Removed: 1, Changed: 1}, 0, 0},
		{"max_changes cuts the list, not the counts", Options{Key: "id", MaxChanges: 1}, JSON,
			`[{"id":1,"n":1},{"id":2}]`, `[{"id":1,"n":2},{"id":3}]`,
			Counts{Added: 1, Removed: 1, Changed: 1}, Counts{Added: 1, Removed: 1, Changed: 1}, 0, 0},
		{"when matches no change", Options{Key: "id", When: "draft==false"}, JSON,
			`[{"id":1,"draft":true,"n":1}]`, `[{"id":1,"draft":true,"n":2},{"id":2,"draft":true}]`,
			Counts{Added: 1, Changed: 1}, Counts{}, 0, 2},
		{"on leaves every kind found out", Options{Key: "id", On: []Op{Added}}, JSON,
			`[{"id":1,"n":1},{"id":2}]`, `[{"id":1,"n":2}]`,
			Counts{Removed: 1, Changed: 1}, Counts{}, 2, 0},
		{"on, then when", Options{Key: "id", On: []Op{Changed}, When: "price<100"}, JSON,
			`[{"id":1,"price":500},{"id":2,"price":10}]`, `[{"id":1,"price":600},{"id":3,"price":10}]`,
			Counts{Added: 1, Removed: 1, Changed: 1}, Counts{}, 2, 1},
		{"some fire", Options{Key: "id", When: "price<100"}, JSON,
			`[{"id":1,"price":500},{"id":2,"price":10}]`, `[{"id":1,"price":600},{"id":2,"price":20}]`,
			Counts{Changed: 2}, Counts{Changed: 1}, 0, 1},
		{"text: on", Options{Format: Text, On: []Op{Added}}, Text,
			"a\nb\nc\n", "a\nc\n",
			Counts{Removed: 1}, Counts{}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustCompile(t, tt.o)
			vo := mustPrepare(t, d, tt.format, []byte(tt.old))
			vn := mustPrepare(t, d, tt.format, []byte(tt.new))
			r, err := d.Diff(tt.format, vo.Data, vn.Data)
			if err != nil {
				t.Fatal(err)
			}
			if r.Found != tt.found || r.Counts != tt.fired || r.NotOn != tt.notOn || r.NotWhen != tt.notWhen {
				t.Errorf("found %+v fired %+v not on %d not when %d, want %+v %+v %d %d",
					r.Found, r.Counts, r.NotOn, r.NotWhen, tt.found, tt.fired, tt.notOn, tt.notWhen)
			}
			if r.Found.Total() != r.Counts.Total()+r.NotOn+r.NotWhen {
				t.Errorf("found %d changes, but %d fired, on dropped %d and when %d", r.Found.Total(), r.Counts.Total(), r.NotOn, r.NotWhen)
			}
		})
	}
}
