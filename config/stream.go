package config

import (
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"os"
	"unsafe"

	"github.com/pollhook/pollhook/shard"
)

// Watches are the [[watch]] tables of a configuration read by LoadStream.
// Those of a large file are decoded again, a part of the file at a time,
// each time they are ranged over, and kept by nobody but the ranging:
// pollhook once holds the watches it polls, not 10,000 of them (7 MB of
// its live heap). A Watches is ranged by one goroutine at a time.
type Watches struct {
	all   iter.Seq[*Watch] // every watch, decoded again
	keys  []string         // every watch's ShardKey, in order
	shard shard.Spec       // SelectShard's
	err   error
}

// owns reports whether the shard SelectShard chose owns a watch of key.
func (ws *Watches) owns(key string) bool { return !ws.shard.Sharded() || ws.shard.Owns(key) }

// Len is how many watches All yields (0 of a nil Watches).
func (ws *Watches) Len() int {
	if ws == nil {
		return 0
	}
	n := 0
	for _, k := range ws.keys {
		if ws.owns(k) {
			n++
		}
	}
	return n
}

// SelectShard keeps of the watches those spec owns (all when it is not
// sharded), as Config.SelectShard keeps them in Watches.
func (ws *Watches) SelectShard(spec shard.Spec) {
	if ws != nil {
		ws.shard = spec
	}
}

// All yields the watches in the file's order, as LoadPartial reads them
// (those of the shard SelectShard chose; none of a nil Watches). It stops early when a watch no longer reads as
// it did when the file was loaded (a ${file:...} it reads went away, or
// now says another name or other targets): Err says why.
func (ws *Watches) All() iter.Seq[*Watch] {
	return func(yield func(*Watch) bool) {
		if ws == nil {
			return
		}
		for w := range ws.all {
			if ws.owns(w.ShardKey) && !yield(w) {
				return
			}
		}
	}
}

// Err is why the last ranging of All stopped early, or nil (of a nil
// Watches too).
func (ws *Watches) Err() error {
	if ws == nil {
		return nil
	}
	return ws.err
}

// watchesAgain is what decoding a stream's watches again takes: the
// top-level table they inherit from, the [defaults], the watches
// consumers may subscribe to, and what the checks across watches and the
// choice of a shard read of each: a sum of its watchRef, which must read
// the same again, and its shard key.
type watchesAgain struct {
	top       *section
	def       defaults
	allowed   map[string]bool
	seed      maphash.Seed
	sums      []uint64
	shardKeys []string
}

// sum fingerprints what the checks across watches read of w.
func (a *watchesAgain) sum(w watchRef) uint64 {
	var h maphash.Hash
	h.SetSeed(a.seed)
	field := func(ss ...string) {
		for _, s := range ss {
			h.WriteString(s)
			h.WriteByte(0)
		}
		h.WriteByte(1) // the field's end
	}
	field(w.name)
	field(w.shardKey)
	field(w.notify...)
	field(w.errorsTo...)
	if w.errorsToOwn {
		h.WriteByte(2)
	}
	return h.Sum64()
}

// LoadStream is LoadPartial for pollhook once: a file read in parts (one
// of 128 KiB or more) has its watches checked as LoadPartial checks them,
// but not kept: cfg.Watches is nil, and ws decodes them again as it is
// ranged over. A file read whole, or one with problems, is LoadPartial's:
// cfg.Watches holds its watches, and ws is nil.
func LoadStream(path string) (cfg *Config, ws *Watches, err error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read config: %w", err)
	}
	return parseStream(path, src, os.LookupEnv, partSize)
}

// parseStream is LoadStream of src, cut in parts of about size bytes.
// The stream reads src for as long as it is ranged over, and the watches
// it makes point into it: src must not change after (LoadStream's is its
// own).
func parseStream(file string, src []byte, lookup func(string) (string, bool), size int) (*Config, *Watches, error) {
	// The parts are src's text, not a copy of it: the stream keeps the
	// file, once (1.1 MB at 10,000 watches).
	text := unsafe.String(unsafe.SliceData(src), len(src))
	r := newReader(file, src, lookup, readPartial)
	r.stream = true
	cfg := r.readParts(cutParts(text, size))
	if cfg == nil {
		// Read whole (readParts found it had to be): kept whole.
		cfg, err := readIn(file, src, lookup, readPartial, len(src)+1)
		return cfg, nil, err
	}
	if len(r.errs) > 0 {
		// Problems: read as LoadPartial reads it, watches and all (once
		// polls none of them, but a daemon running the file may: once
		// counts them).
		cfg, err := readIn(file, src, lookup, readPartial, size)
		return cfg, nil, err
	}
	ws := &Watches{keys: r.again.shardKeys}
	ws.all = func(yield func(*Watch) bool) {
		ws.err = nil
		r.unsure = false
		a := &r.again
		watches, _ := r.watches(a.top)
		for i, m := range watches {
			n := len(r.errs)
			w := r.watch(i, m, a.def)
			if len(r.errs) > n {
				byLine(r.errs[n:])
				ws.err = fmt.Errorf("the file no longer reads as it did when it was loaded: %w", r.errs[n:])
				return
			}
			if i >= len(a.sums) || a.sum(refOf(w)) != a.sums[i] {
				ws.err = fmt.Errorf("%s: watch %q: the file no longer reads as it did when it was loaded (its name, notify, errors_to or shard key changed)", file, w.Name)
				return
			}
			w.Subscribable = a.allowed[w.Name]
			if !yield(w) {
				return
			}
		}
		if r.unsure {
			ws.err = errors.New("the file no longer reads as it did when it was loaded: a part of it no longer decodes")
		}
	}
	return cfg, ws, nil
}
