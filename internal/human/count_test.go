package human

import "testing"

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		n         int
		one, many string
		want      string
	}{
		{0, "watch", "watches", "0 watches"},
		{1, "watch", "watches", "1 watch"},
		{2, "watch", "watches", "2 watches"},
		{1, "target", "targets", "1 target"},
		{12, "target", "targets", "12 targets"},
	} {
		if got := Count(tt.n, tt.one, tt.many); got != tt.want {
			t.Errorf("Count(%d, %q, %q) = %q, want %q", tt.n, tt.one, tt.many, got, tt.want)
		}
	}
}
