package config

import (
	"encoding/json"

	"github.com/pollhook/pollhook/diff"
)

// differs are the Differs compile made, by the JSON of their options.
type differs map[string]*diff.Differ

// compile is diff.Compile, sharing one Differ among the watches of the
// file with the same diff options (a Differ does not change once
// compiled): ten thousand watches of one API hold
// one Differ, not ten thousand. Options that do not compile are compiled
// anew each time, so that every watch reports its errors.
func (r *reader) compile(o diff.Options) (*diff.Differ, error) {
	key, err := json.Marshal(o) // every option is an exported field
	if err != nil {
		return diff.Compile(o)
	}
	if d := r.differs[string(key)]; d != nil {
		return d, nil
	}
	d, err := diff.Compile(o)
	if err != nil {
		return d, err
	}
	if r.differs == nil {
		r.differs = differs{}
	}
	r.differs[string(key)] = d
	return d, nil
}
