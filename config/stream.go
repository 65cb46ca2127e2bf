package config

import (
	"errors"
	"fmt"
	"iter"
	"os"
	"unsafe"
)

// Watches are the [[watch]] tables of a configuration read by LoadStream.
// Those of a large file are decoded again, a part of the file at a time,
// each time they are ranged over, and kept by nobody but the ranging:
// pollhook once holds the watches it polls, not 10,000 of them (7 MB of
// its live heap).
type Watches struct {
	n   int
	all iter.Seq[*Watch]
	err error
}

// Len is how many watches there are.
func (ws *Watches) Len() int { return ws.n }

// All yields the watches in the file's order, as LoadPartial reads them.
// It stops early when a watch no longer reads as it did when the file was
// loaded (a ${file:...} it reads went away): Err says why.
func (ws *Watches) All() iter.Seq[*Watch] { return ws.all }

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
// consumers may subscribe to, and how many there are.
type watchesAgain struct {
	top     *section
	def     defaults
	allowed map[string]bool
	count   int
}

// LoadStream is LoadPartial for pollhook once: a file read in parts (one
// of 128 KiB or more) has its watches checked as LoadPartial checks them,
// every problem returned with the configuration, but not kept: cfg.Watches
// is nil, and ws decodes them again as it is ranged over. A file read
// whole is LoadPartial's: cfg.Watches holds its watches, and ws is nil.
func LoadStream(path string) (cfg *Config, ws *Watches, err error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read config: %w", err)
	}
	return parseStream(path, src, os.LookupEnv, partSize)
}

// parseStream is LoadStream of src, cut in parts of about size bytes.
// The stream reads src for as long as it is ranged over, and the watches
// it makes point into it: src must not change (LoadStream's is its own).
func parseStream(file string, src []byte, lookup func(string) (string, bool), size int) (*Config, *Watches, error) {
	// The parts are src's text, not a copy of it: the stream keeps the
	// file, once (1.1 MB at 10,000 watches).
	text := unsafe.String(unsafe.SliceData(src), len(src))
	r := newReader(file, src, lookup, readPartial)
	r.stream = true
	cfg := r.readParts(cutParts(text, size))
	if cfg == nil {
		// Read whole: kept whole.
		cfg, err := readIn(file, src, lookup, readPartial, size)
		return cfg, nil, err
	}
	byLine(r.errs)
	ws := &Watches{n: r.again.count}
	ws.all = func(yield func(*Watch) bool) {
		ws.err = nil
		a := r.again
		watches, _ := r.watches(a.top)
		for i, m := range watches {
			n := len(r.errs)
			w := r.watch(i, m, a.def)
			if len(r.errs) > n {
				ws.err = fmt.Errorf("the configuration changed while pollhook once read it: %w", r.errs[n:])
				return
			}
			w.Subscribable = a.allowed[w.Name]
			if !yield(w) {
				return
			}
		}
		if r.unsure {
			ws.err = errors.New("the configuration changed while pollhook once read it: a part of it no longer decodes")
		}
	}
	if len(r.errs) > 0 {
		return cfg, ws, r.errs
	}
	return cfg, ws, nil
}
