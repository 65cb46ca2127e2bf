package config

import "testing"

// TestParse_SharesDiffers: watches with the same diff options share one
// compiled Differ, whether they follow one another or not; another option
// gets its own.
func TestParse_SharesDiffers(t *testing.T) {
	src := `[[watch]]
name = "a"
url = "https://api.example/a"
key = "id"
errors_to = []

[[watch]]
name = "b"
url = "https://api.example/b"
key = "id"
errors_to = []

[[watch]]
name = "c"
url = "https://api.example/c"
key = "uid"
errors_to = []

[[watch]]
name = "d"
url = "https://api.example/d"
key = "id"
errors_to = []
`
	cfg, err := Parse("pollhook.toml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := cfg.Watches[0].Differ, cfg.Watches[1].Differ, cfg.Watches[2].Differ
	if a == nil || a != b {
		t.Errorf("a and b, of the same diff options, have Differs %p and %p, want one", a, b)
	}
	if c == a {
		t.Error("c, keyed by another field, shares a's Differ")
	}
	if d := cfg.Watches[3].Differ; d != a {
		t.Errorf("d, of a's diff options after c's, has Differ %p, not a's %p", d, a)
	}
}
