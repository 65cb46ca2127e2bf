package store

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TargetState is what pollhook remembers about a target.
type TargetState struct {
	// Disabled is set when the target answered 410 Gone (or its chat-tool
	// equivalent): nothing is sent until it is enabled again.
	Disabled bool      `json:"disabled"`
	Reason   string    `json:"reason,omitempty"`
	Since    time.Time `json:"since,omitzero"`
	// Config fingerprints the target's configuration when it was disabled;
	// a change of configuration enables it again.
	Config string `json:"config,omitempty"`
}

// TargetStates returns the state of every target the database knows.
func (db *DB) TargetStates(ctx context.Context) (map[string]TargetState, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := map[string]TargetState{}
	err := db.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTargets)
		return b.ForEach(func(k, _ []byte) error {
			var s TargetState
			if _, err := getJSON(b, k, &s); err != nil {
				return err
			}
			out[string(k)] = s
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read target states: %w", err)
	}
	return out, nil
}

// SetTargetState stores a target's state.
func (db *DB) SetTargetState(ctx context.Context, target string, s TargetState) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	err := db.update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketTargets), []byte(target), s)
	})
	if err != nil {
		return fmt.Errorf("save state of target %s: %w", target, err)
	}
	return nil
}
