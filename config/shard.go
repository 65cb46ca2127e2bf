package config

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pollhook/pollhook/shard"
)

// What shard_key may be: the watch's API host (host:port of its URL, so
// that max_per_host, rate-limit waits and Retry-After stay on one
// process), or its name.
const (
	ShardByHost = "host"
	ShardByName = "name"
)

// ShardAuto is shard = "auto": the ordinal comes from the hostname.
const ShardAuto = "auto"

// The environment variables that choose the shard, over the file's keys.
const (
	EnvShard  = "POLLHOOK_SHARD"
	EnvShards = "POLLHOOK_SHARDS"
)

// Sharding is what the file says of sharding (the top-level keys shard and
// shards), and after SelectShard, the shard in force.
type Sharding struct {
	// Shard is the shard key as written: "", "auto" or "I/N"; Shards is
	// shards = N, 0 when not given. Their lines place errors.
	Shard       string
	Shards      int
	shardLine   int
	shardsLine  int
	shardsGiven bool
	// Spec is the shard in force after SelectShard: the zero Spec when
	// not sharded (every watch is this process's).
	Spec shard.Spec
	// Others are the configured watches other shards own, after
	// SelectShard (Watches holds this shard's own).
	Others []*Watch
}

// shardKeys reads the top-level keys shard and shards.
func (r *reader) shardKeys(top *section, cfg *Config) {
	s := &cfg.Sharding
	if top.str("shard", &s.Shard) {
		s.shardLine = top.line("shard")
		if s.Shard != ShardAuto {
			if _, err := shard.Parse(s.Shard); err != nil {
				top.errorf("shard", "want \"auto\" or I/N: %v", err)
			}
		}
	}
	if top.integer("shards", 1, &s.Shards) {
		s.shardsLine, s.shardsGiven = top.line("shards"), true
		if err := shard.CheckCount(s.Shards); err != nil {
			top.errorf("shards", "%v", err)
		}
		if spec, err := shard.Parse(s.Shard); err == nil && s.Shard != ShardAuto && spec.Count != s.Shards {
			top.errorf("shard", "%q is of %d shards, but shards = %d", s.Shard, spec.Count, s.Shards)
		}
	}
}

// shardBy reads shard_key of a watch or [defaults].
func shardBy(s *section, dst *string) {
	var v string
	if !s.str("shard_key", &v) {
		return
	}
	if v != ShardByHost && v != ShardByName {
		s.errorf("shard_key", "want host or name, got %q", v)
		return
	}
	*dst = v
}

// shardKey is the key a watch is sharded by: its URL's host:port (in
// lower case, as max_per_host counts it) or its name.
func shardKey(w *Watch, by string) string {
	if by == ShardByName {
		return w.Name
	}
	u, err := url.Parse(w.URL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// ShardSources are where the shard may come from besides the file, in
// order of precedence: the --shard flag, then POLLHOOK_SHARD and
// POLLHOOK_SHARDS, then the file's shard and shards.
type ShardSources struct {
	// Flag is --shard I/N (or auto), "" when not given.
	Flag string
	// Getenv reads the environment; Hostname names this machine (for
	// shard = "auto").
	Getenv   func(string) string
	Hostname func() (string, error)
}

// SelectShard works out the shard in force from src and the file, and
// keeps in Watches only the watches it owns (the others go to
// Sharding.Others). Without a shard anywhere, every watch stays. A
// problem of the file's keys is an *Error placed on their line.
func (c *Config) SelectShard(src ShardSources) error {
	s := &c.Sharding
	spec, err := c.resolveShard(src)
	if err != nil {
		return err
	}
	if spec.Sharded() && c.Subscriptions != nil {
		return fmt.Errorf("shard %s: %w", spec, ErrSubscriptionsSharded)
	}
	s.Spec = spec
	if !spec.Sharded() {
		return nil
	}
	all := c.Watches
	c.Watches = make([]*Watch, 0, len(all)/spec.Count+1)
	s.Others = nil
	for _, w := range all {
		if spec.Owns(w.ShardKey) {
			c.Watches = append(c.Watches, w)
		} else {
			s.Others = append(s.Others, w)
		}
	}
	return nil
}

// AllWatches is every configured watch, this shard's and the others'.
func (c *Config) AllWatches() []*Watch {
	if len(c.Sharding.Others) == 0 {
		return c.Watches
	}
	return append(append(make([]*Watch, 0, len(c.Watches)+len(c.Sharding.Others)), c.Watches...), c.Sharding.Others...)
}

func (c *Config) resolveShard(src ShardSources) (shard.Spec, error) {
	s := &c.Sharding
	getenv := src.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	// Where the shard and the number of shards come from, for errors.
	value, where, line := src.Flag, "--shard", 0
	if value == "" {
		value, where = getenv(EnvShard), EnvShard
	}
	if value == "" {
		value, where, line = s.Shard, "shard", s.shardLine
	}
	fail := func(format string, args ...any) error {
		err := fmt.Errorf(format, args...)
		if where == "shard" || where == "shards" {
			return &Error{File: c.File, Line: line, Key: where, Err: err}
		}
		return fmt.Errorf("%s: %w", where, err)
	}
	if value == "" {
		if s.shardsGiven || getenv(EnvShards) != "" {
			where, line = "shards", s.shardsLine
			if !s.shardsGiven {
				where = EnvShards
			}
			return shard.Spec{}, fail("the number of shards is set, but not which shard this is: set shard = \"auto\" (the ordinal from the hostname), --shard I/N or %s=I/N", EnvShard)
		}
		return shard.Spec{}, nil
	}
	if value != ShardAuto {
		spec, err := shard.Parse(value)
		if err != nil {
			return shard.Spec{}, fail("%v", err)
		}
		return spec, nil
	}
	n := s.Shards
	if env := getenv(EnvShards); env != "" {
		if _, err := fmt.Sscanf(env, "%d", &n); err != nil || fmt.Sprint(n) != strings.TrimSpace(env) {
			return shard.Spec{}, fmt.Errorf("%s: want a number of shards, got %q", EnvShards, env)
		}
	} else if !s.shardsGiven {
		return shard.Spec{}, fail("\"auto\" needs the number of shards: set shards = N or %s=N", EnvShards)
	}
	if err := shard.CheckCount(n); err != nil {
		if getenv(EnvShards) != "" {
			return shard.Spec{}, fmt.Errorf("%s: %w", EnvShards, err)
		}
		return shard.Spec{}, fail("%v", err)
	}
	if src.Hostname == nil {
		return shard.Spec{}, fail("\"auto\" needs the hostname, which is not known here: give --shard I/N or %s=I/N", EnvShard)
	}
	host, err := src.Hostname()
	if err != nil {
		return shard.Spec{}, fail("\"auto\": read the hostname: %v", err)
	}
	ord, err := shard.Ordinal(host)
	if err != nil {
		return shard.Spec{}, fail("\"auto\": %v; give --shard I/N or %s=I/N", err, EnvShard)
	}
	spec, err := shard.New(ord, n)
	if err != nil {
		return shard.Spec{}, fail("\"auto\": hostname %q: %v", host, err)
	}
	return spec, nil
}
