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
			if ws, err := sameAsPartial(t, tc.src, 1); tc.inParts && err == nil && ws == nil {
				t.Error("read in parts, the stream keeps its watches")
			}
		})
	}
}

// sameAsPartial fails t unless a stream of src, cut in parts of about
// size bytes, is what LoadPartial reads of it, and returns the stream (nil
// when it was read whole) and the problems.
func sameAsPartial(t *testing.T, src string, size int) (*Watches, error) {
	t.Helper()
	want, werr := readIn("/etc/p.toml", []byte(src), env(nil), readPartial, size)
	cfg, ws, err := parseStream("/etc/p.toml", []byte(src), env(nil), size)
	if fmt.Sprint(err) != fmt.Sprint(werr) {
		t.Fatalf("errors of the stream:\n%v\nLoadPartial's:\n%v", err, werr)
	}
	if ws == nil {
		// No configuration, read whole or with problems: as LoadPartial
		// reads it (the watches of a file with problems are read, not
		// streamed, and once polls none of them).
		if werr == nil && want != nil && cfg.Watches == nil && len(want.Watches) > 0 {
			t.Fatal("no stream, and no watches")
		}
		if !reflect.DeepEqual(cfg, want) {
			t.Fatal("read whole, the configuration differs from LoadPartial's")
		}
		return ws, err
	}
	if werr != nil {
		t.Fatal("a stream of a file with problems")
	}
	if cfg.Watches != nil {
		t.Fatalf("read in parts, the stream keeps %d watches", len(cfg.Watches))
	}
	got := slices.Collect(ws.All())
	if ws.Err() != nil || ws.Len() != len(want.Watches) || !reflect.DeepEqual(got, want.Watches) {
		t.Fatalf("the stream's %d watches (Len %d, %v) differ from LoadPartial's %d", len(got), ws.Len(), ws.Err(), len(want.Watches))
	}
	again := slices.Collect(ws.All())
	if !reflect.DeepEqual(again, got) || len(again) > 0 && again[0] == got[0] {
		t.Fatal("ranged again, the stream gave other watches, or the same ones")
	}
	want.Watches = nil
	if !reflect.DeepEqual(cfg, want) {
		t.Fatal("the stream's configuration differs from LoadPartial's")
	}
	return ws, err
}

// TestParseStream_SelectShard: a stream keeps the watches of a shard as
// Config.SelectShard does, and counts them.
func TestParseStream_SelectShard(t *testing.T) {
	src := "shards = 3\n\n[defaults]\nshard_key = \"name\"\n"
	for i := range 30 {
		src += plainWatch(fmt.Sprintf("w%d", i))
	}
	for i := range 3 {
		flag := fmt.Sprintf("%d/3", i)
		want, err := readIn("/etc/p.toml", []byte(src), env(nil), readPartial, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := want.SelectShard(ShardSources{Flag: flag, Getenv: func(string) string { return "" }}); err != nil {
			t.Fatal(err)
		}
		cfg, ws, err := parseStream("/etc/p.toml", []byte(src), env(nil), 1)
		if err != nil || ws == nil {
			t.Fatalf("%v: no stream", err)
		}
		if err := cfg.SelectShard(ShardSources{Flag: flag, Getenv: func(string) string { return "" }}); err != nil {
			t.Fatal(err)
		}
		ws.SelectShard(cfg.Sharding.Spec)
		got := slices.Collect(ws.All())
		if len(want.Watches) == 0 || len(want.Watches) == 30 || ws.Len() != len(want.Watches) || !reflect.DeepEqual(got, want.Watches) {
			t.Errorf("shard %s: %d watches (Len %d), want %d", flag, len(got), ws.Len(), len(want.Watches))
		}
	}
}

// TestParseStream_Changed: a watch that no longer reads as it did when
// the file was loaded stops the ranging there, with Err saying why: its
// secret's file went away, or a name read from a file is another, which
// the checks across watches (unique names, targets) did not see.
func TestParseStream_Changed(t *testing.T) {
	for _, tc := range []struct {
		name, key, value, change, want string
	}{
		{"a secret gone", "bearer", "s3cret", "", "read secret file"},
		{"another name", "notify", "hook", "other", "its name, notify, errors_to or shard key changed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "value")
			if err := os.WriteFile(file, []byte(tc.value), 0o600); err != nil {
				t.Fatal(err)
			}
			src := "[[target]]\nname = \"hook\"\nurl = \"https://hooks.example/\"\n\n[[target]]\nname = \"other\"\nurl = \"https://hooks.example/o\"\n\n" +
				plainWatch("a") + "notify = [\"hook\"]\n" + plainWatch("b") + tc.key + " = \"${file:" + file + "}\"\n" + plainWatch("c")
			if tc.key == "notify" {
				src = strings.Replace(src, `notify = "${file:`+file+`}"`, `notify = ["${file:`+file+`}"]`, 1)
			}
			cfg, ws, err := parseStream("/etc/p.toml", []byte(src), env(nil), 1)
			if err != nil || ws == nil || cfg.Watches != nil || ws.Len() != 3 {
				t.Fatalf("%v, %d watches kept; want a stream of 3", err, len(cfg.Watches))
			}
			if tc.change == "" {
				err = os.Remove(file)
			} else {
				err = os.WriteFile(file, []byte(tc.change), 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for w := range ws.All() {
				names = append(names, w.Name)
			}
			if fmt.Sprint(names) != "[a]" || ws.Err() == nil || !strings.Contains(ws.Err().Error(), tc.want) {
				t.Errorf("ranged %v, Err %v; want a alone, and %q", names, ws.Err(), tc.want)
			}
		})
	}
}
