package config

import (
	"encoding/json"

	"github.com/pollhook/pollhook/diff"
)

// differs are the Differs compile made, by the JSON of their options, and
// the last of them.
type differs struct {
	byKey map[string]*diff.Differ
	// last and lastDiffer are the options compiled last and their Differ:
	// the watches of one API come one after another with the same options,
	// and comparing them with the last costs a few dozen instructions
	// where encoding the key cost thousands (at 10,000 such watches, a
	// sixth of the file's reading).
	last       diff.Options
	lastDiffer *diff.Differ
}

// compile is diff.Compile, sharing one Differ among the watches of the
// file with the same diff options (a Differ does not change once
// compiled): ten thousand watches of one API hold
// one Differ, not ten thousand. Options that do not compile are compiled
// anew each time, so that every watch reports its errors.
func (r *reader) compile(o diff.Options) (*diff.Differ, error) {
	ds := &r.differs
	if ds.lastDiffer != nil && o.Equal(&ds.last) {
		return ds.lastDiffer, nil
	}
	key, err := json.Marshal(o) // every option is an exported field
	if err != nil {
		return diff.Compile(o)
	}
	d := ds.byKey[string(key)]
	if d == nil {
		if d, err = diff.Compile(o); err != nil {
			return d, err
		}
		if ds.byKey == nil {
			ds.byKey = map[string]*diff.Differ{}
		}
		ds.byKey[string(key)] = d
	}
	ds.last, ds.lastDiffer = o, d
	return d, nil
}
