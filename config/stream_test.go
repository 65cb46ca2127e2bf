package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestParseStream_AsPartial: a stream of each of partsCases, cut at every
// watch, has the configuration, the errors and, ranged over, the watches
// that LoadPartial reads; read in parts, it keeps no watch.
func TestParseStream_AsPartial(t *testing.T) {
	subscriptions := `[subscriptions]
admin_token = "0123456789abcdef"
allow_watches = ["b"]

` + plainWatch("a") + plainWatch("b")
	cfg, err := readIn("/etc/p.toml", []byte(subscriptions), env(nil), readPartial, 1)
	if err != nil || len(cfg.Watches) != 2 || cfg.Watches[0].Subscribable || !cfg.Watches[1].Subscribable {
		t.Fatalf("%v: b alone is subscribable: the case tests nothing", err)
	}
	for _, tc := range append(slices.Clone(partsCases), struct {
		name         string
		src          string
		cut, inParts bool
	}{"subscriptions", subscriptions, true, true}) {
		t.Run(tc.name, func(t *testing.T) {
			ws := sameAsPartial(t, tc.src, 1)
			if tc.inParts && ws == nil {
				t.Error("read in parts, the stream keeps its watches")
			}
		})
	}
}

// sameAsPartial fails t unless a stream of src, cut in parts of about
// size bytes, is what LoadPartial reads of it, and returns the stream (nil
// when it was read whole).
func sameAsPartial(t *testing.T, src string, size int) *Watches {
	t.Helper()
	want, werr := readIn("/etc/p.toml", []byte(src), env(nil), readPartial, size)
	cfg, ws, err := parseStream("/etc/p.toml", []byte(src), env(nil), size)
	if fmt.Sprint(err) != fmt.Sprint(werr) {
		t.Fatalf("errors of the stream:\n%v\nLoadPartial's:\n%v", err, werr)
	}
	if want == nil || ws == nil {
		// No configuration, or read whole, as LoadPartial reads it.
		if !reflect.DeepEqual(cfg, want) {
			t.Fatal("read whole, the configuration differs from LoadPartial's")
		}
		return ws
	}
	if cfg.Watches != nil {
		t.Fatalf("read in parts, the stream keeps %d watches", len(cfg.Watches))
	}
	if werr == nil {
		// (once polls nothing of a file with problems.)
		got := slices.Collect(ws.All())
		if ws.Err() != nil || ws.Len() != len(want.Watches) || !reflect.DeepEqual(got, want.Watches) {
			t.Fatalf("the stream's %d watches (Len %d, %v) differ from LoadPartial's %d", len(got), ws.Len(), ws.Err(), len(want.Watches))
		}
		again := slices.Collect(ws.All())
		if !reflect.DeepEqual(again, got) || len(again) > 0 && again[0] == got[0] {
			t.Fatal("ranged again, the stream gave other watches, or the same ones")
		}
	}
	want.Watches = nil
	if !reflect.DeepEqual(cfg, want) {
		t.Fatal("the stream's configuration differs from LoadPartial's")
	}
	return ws
}

// TestParseStream_Changed: a watch that no longer reads as it did when
// the file was loaded (its secret's file went away) stops the ranging
// there, with Err saying why.
func TestParseStream_Changed(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(secret, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := plainWatch("a") + plainWatch("b") + "bearer = \"${file:" + secret + "}\"\n" + plainWatch("c")
	cfg, ws, err := parseStream("/etc/p.toml", []byte(src), env(nil), 1)
	if err != nil || ws == nil || cfg.Watches != nil || ws.Len() != 3 {
		t.Fatalf("%v, %d watches kept; want a stream of 3", err, len(cfg.Watches))
	}
	if err := os.Remove(secret); err != nil {
		t.Fatal(err)
	}
	var names []string
	for w := range ws.All() {
		names = append(names, w.Name)
	}
	if fmt.Sprint(names) != "[a]" || ws.Err() == nil || !strings.Contains(ws.Err().Error(), "changed while") {
		t.Errorf("ranged %v, Err %v; want a alone, and why", names, ws.Err())
	}
}
