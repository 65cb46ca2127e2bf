package shard

import (
	"errors"
	"fmt"
	"testing"
)

// TestOwner_Golden pins the function: every process, of every version,
// must compute these owners, or a rolling upgrade moves watches without a
// word. Change these values only with a reshard procedure for everyone.
func TestOwner_Golden(t *testing.T) {
	cases := []struct {
		key  string
		n    int
		want int
	}{
		{"api.github.com:443", 3, 0},
		{"api.github.com:443", 4, 0},
		{"example.com", 3, 2},
		{"example.com", 7, 2},
		{"127.0.0.1:8080", 3, 1},
		{"releases", 2, 0},
		{"", 5, 3},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%d", c.key, c.n), func(t *testing.T) {
			if got := Owner(c.key, c.n); got != c.want {
				t.Errorf("Owner(%q, %d) = %d, want %d", c.key, c.n, got, c.want)
			}
		})
	}
}

func TestOwner_OneShard(t *testing.T) {
	for _, n := range []int{-1, 0, 1} {
		if got := Owner("x", n); got != 0 {
			t.Errorf("Owner(x, %d) = %d, want 0", n, got)
		}
	}
}

// keys are n distinct watch names.
func keys(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("watch-%d", i)
	}
	return out
}

// TestOwner_Balanced: each of N shards gets about 1/N of 10,000 keys.
func TestOwner_Balanced(t *testing.T) {
	ks := keys(10_000)
	for _, n := range []int{2, 3, 4, 7, 10} {
		counts := make([]int, n)
		for _, k := range ks {
			counts[Owner(k, n)]++
		}
		want := len(ks) / n
		for i, c := range counts {
			// A binomial's standard deviation here is under 100: 15% is
			// far outside it for a good hash, well inside a broken one's.
			if c < want*85/100 || c > want*115/100 {
				t.Errorf("n=%d: shard %d owns %d of %d keys, want about %d (counts %v)", n, i, c, len(ks), want, counts)
			}
		}
	}
}

// TestOwner_Moves: going from N to N+1 shards moves about 1/(N+1) of the
// keys, and every one that moves goes to the new shard.
func TestOwner_Moves(t *testing.T) {
	ks := keys(10_000)
	for _, n := range []int{1, 2, 3, 5, 9} {
		moved := 0
		for _, k := range ks {
			from, to := Owner(k, n), Owner(k, n+1)
			if from == to {
				continue
			}
			moved++
			if to != n {
				t.Fatalf("%s moved from %d to %d going from %d to %d shards: only to the new shard %d", k, from, to, n, n+1, n)
			}
		}
		want := len(ks) / (n + 1)
		if moved < want*85/100 || moved > want*115/100 {
			t.Errorf("%d -> %d shards moved %d of %d keys, want about %d", n, n+1, moved, len(ks), want)
		}
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		in      string
		want    Spec
		wantErr bool
	}{
		{"0/3", Spec{0, 3}, false},
		{"2/3", Spec{2, 3}, false},
		{" 1 / 2 ", Spec{1, 2}, false},
		{"0/1", Spec{0, 1}, false},
		{"3/3", Spec{}, true},
		{"-1/3", Spec{}, true},
		{"0/0", Spec{}, true},
		{"0/5000", Spec{}, true},
		{"2", Spec{}, true},
		{"a/b", Spec{}, true},
		{"+1/3", Spec{}, true},
		{"01/3", Spec{}, true},
		{"1/03", Spec{}, true},
		{"1/3x", Spec{}, true},
		{"", Spec{}, true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := Parse(c.in)
			if (err != nil) != c.wantErr || got != c.want {
				t.Errorf("Parse(%q) = %v, %v; want %v, error %v", c.in, got, err, c.want, c.wantErr)
			}
		})
	}
}

func TestOrdinal(t *testing.T) {
	cases := []struct {
		in   string
		want int
		ok   bool
	}{
		{"pollhook-2", 2, true},
		{"pollhook-0", 0, true},
		{"my-poll-hook-12", 12, true},
		{"pollhook-3.pollhook.default.svc.cluster.local", 3, true},
		{"pollhook", 0, false},
		{"pollhook-", 0, false},
		{"pollhook-x", 0, false},
		{"pollhook-+1", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := Ordinal(c.in)
			if c.ok != (err == nil) || got != c.want {
				t.Fatalf("Ordinal(%q) = %d, %v; want %d, ok %v", c.in, got, err, c.want, c.ok)
			}
			if err != nil && !errors.Is(err, ErrNoOrdinal) {
				t.Errorf("error %v is not ErrNoOrdinal", err)
			}
		})
	}
}

func TestSpec_Owns(t *testing.T) {
	if !(Spec{}).Owns("anything") {
		t.Error("an unsharded Spec owns every key")
	}
	ks := keys(300)
	for _, k := range ks {
		owners := 0
		for i := range 3 {
			if (Spec{i, 3}).Owns(k) {
				owners++
			}
		}
		if owners != 1 {
			t.Fatalf("%s has %d owners of 3 shards, want 1", k, owners)
		}
	}
}
