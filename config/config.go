// Package config loads and validates pollhook's TOML configuration: the
// watches to poll, the targets to notify, and the daemon's own settings.
//
// Loading goes in three steps: defaults, decode, validate. Every string
// value may use ${VAR}, ${VAR:-default} and ${file:/path}. Every problem is
// reported at once, in the order of the file, as FILE:LINE: watch "NAME":
// KEY: problem; what is valid but likely not meant comes back as
// Config.Warnings, placed the same way.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"hash/maphash"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/robfig/cron/v3"

	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/event"
)

// Defaults for settings a configuration leaves out.
const (
	DefaultFile     = "pollhook.toml"
	DefaultDB       = "pollhook.db"
	DefaultSchedule = "@every 5m"
	DefaultTimeout  = 10 * time.Second
	DefaultMaxBody  = 10 << 20
	DefaultListen   = "127.0.0.1:9180"
)

// Config is a loaded, validated configuration.
type Config struct {
	// File is the path the configuration was read from.
	File string
	// DB is the bbolt file, resolved against the configuration's folder.
	DB      string
	Targets []*Target
	Watches []*Watch

	// Listen is the address of the local HTTP API and status page; ""
	// turns it off. AuthToken, required when Listen is not loopback,
	// guards everything but /healthz.
	Listen    string
	AuthToken string
	// Retention is how long delivered events are kept; History caps the
	// events kept per watch. Pending and failed deliveries are never pruned.
	Retention time.Duration
	History   int
	// LogLevel is debug, info, warn or error; LogFormat is text or json.
	LogLevel  string
	LogFormat string

	// MaxPerHost bounds the requests in flight to one host (host:port);
	// MaxConcurrent bounds the polls running at once.
	MaxPerHost    int
	MaxConcurrent int

	// MetricsPerWatch is how much of /metrics is per watch: MetricsMinimal
	// or MetricsFull.
	MetricsPerWatch string

	// Sharding is the file's shard and shards, and after SelectShard the
	// shard in force (see shard.go).
	Sharding Sharding

	// Subscriptions is the [subscriptions] section (subs.go); nil when
	// it is absent or not enabled.
	Subscriptions *Subscriptions

	// Warnings are what loads but is likely not what was meant (no
	// watches, a watch that notifies nobody, a target no watch uses),
	// each placed like an error, in the order of the file. They stop
	// nothing: check prints them, run logs them.
	Warnings Errors
}

// More defaults.
const (
	DefaultRetention = 30 * 24 * time.Hour
	DefaultHistory   = 1000
	// DefaultMaxChanges caps the changes listed in one event, so that no
	// event, outbox entry or chat message is unbounded; counts stay exact.
	DefaultMaxChanges = 1000
	// DefaultMaxEvents caps the element events of one poll of a split
	// watch; the rest are summed up in one watch.truncated event.
	DefaultMaxEvents = 100
)

// What metrics_per_watch may be.
const (
	// MetricsMinimal keeps per watch only what alerting needs (failed
	// polls, changes, consecutive failures, last success) and counts the
	// rest over all watches, so that /metrics stays small with many.
	MetricsMinimal = "minimal"
	// MetricsFull keeps every poll counter and histogram per watch.
	MetricsFull = "full"
)

// Upper bounds of the bounded keys.
const (
	// MaxBodyLimit bounds max_body. The selected value is stored in one
	// bbolt value, and an event that includes "document" and "previous"
	// holds two of them: bbolt's values stop short of 2 GiB. The diff
	// needs a few times the body in memory too.
	MaxBodyLimit = 1 << 30
	// MaxChangesLimit bounds max_changes: at about 40 bytes for the
	// smallest change, an event of 100,000 changes is already 4 MB, past
	// what most receivers accept. include = ["patch"] lists every change.
	MaxChangesLimit = 100_000
	// MaxEventsLimit bounds max_events: each event is a transaction's
	// worth of writes (the event, its history entry, one delivery per
	// target), all of a poll's in one transaction, and each is a message.
	MaxEventsLimit = 10_000
	// SplitListed bounds the changes a poll of a split watch lists over
	// all its events: the most an unsplit event may list, so that
	// splitting a poll costs no more memory than max_changes allows one
	// event.
	SplitListed = MaxChangesLimit
)

// Watch is one API to poll.
type Watch struct {
	Name     string
	URL      string
	Schedule cron.Schedule
	// ScheduleSpec is the schedule as written.
	ScheduleSpec string
	Timeout      time.Duration
	MaxBody      int64
	Method       string
	Body         string
	Headers      map[string]string
	Notify       []string
	// Confirm is how many polls in a row must see a change before it fires.
	Confirm int
	// Diff holds the diff options as written; Differ is them compiled.
	// For a split watch, Differ lists up to SplitListed changes a poll
	// (Diff.MaxChanges bounds each of its events instead).
	Diff   diff.Options
	Differ *diff.Differ
	// Split: one event per added, removed or changed element of a keyed
	// watch instead of one per poll, at most MaxEvents of them a poll
	// (then one watch.truncated event says how many were not sent).
	Split     bool
	MaxEvents int

	// Polling (see polling.go). RequestURL is URL with Query merged in:
	// what the first page requests. For a graphql watch, Method, Body and
	// ContentType are the POST of GraphQL and Variables.
	RequestURL  string
	Query       map[string]string
	ContentType string
	Bearer      string
	Basic       *BasicAuth
	GraphQL     string
	Variables   map[string]any
	TLS         *TLS // nil: the defaults
	Paginate    *Paginate
	// Conditional sends If-None-Match / If-Modified-Since (default true).
	Conditional bool
	// Jitter delays each run by a random amount up to it.
	Jitter time.Duration
	// AlertAfter failures in a row send watch.failing to AlertTargets.
	AlertAfter  int
	ErrorsTo    []string // nil: notify
	errorsToOwn bool

	// ShardKey is what the watch is sharded by (shard_key): its URL's
	// host:port in lower case, or its name.
	ShardKey string

	// Subscribable: consumers may subscribe to the watch (it is in
	// [subscriptions] allow_watches).
	Subscribable bool
}

// Target is a place change events are delivered to.
type Target struct {
	Name string
	Kind string
	// URL is where requests go: the webhook URL, the chat tool's incoming
	// webhook, or the server (ntfy, gotify, telegram's Bot API).
	URL string
	// Secrets are the whsec_ signing secrets, decoded. Several sign each
	// request with several signatures, for rotation.
	Secrets [][]byte
	Headers map[string]string

	// Chat kinds (see the kind constants for which uses what).
	Channel    string // mattermost
	Username   string // mattermost
	IconURL    string // mattermost
	Token      string // telegram bot token, ntfy/gotify/matrix access token
	ChatID     string // telegram
	Topic      string // ntfy
	Priority   int    // ntfy (1-5), gotify (0-10); 0 = the tool's default
	Tags       []string
	Homeserver string // matrix
	Room       string // matrix room id

	// Email is the settings of an email target (see email.go); its URL
	// is the smtp key's URL.
	Email *Email

	// Template, when set, replaces the kind's body: a text/template over
	// the event (see event.Funcs), checked at load time by rendering it
	// with a sample of each event type. ContentType is sent with it.
	Template    *template.Template
	ContentType string
	// TemplateText is the template as written (for Fingerprint).
	TemplateText string

	// Retry is the delays between attempts; after the last one fails the
	// delivery is failed (a dead letter). Timeout bounds each attempt.
	Retry   []time.Duration
	Timeout time.Duration
	// Disabled targets queue their deliveries without sending them.
	Disabled bool

	// Consumer: an endpoint a consumer registered at runtime (see
	// Subscriptions), not an operator's [[target]]. It is a webhook whose
	// Name is the endpoint's id; its deliveries go through the SSRF
	// guard and keep no response body.
	Consumer bool
	// RateLimit caps its deliveries per second; 0: no cap.
	RateLimit int
}

// DefaultRetry is the Standard Webhooks retry schedule: the first attempt
// at once, then these delays.
func DefaultRetry() []time.Duration {
	return []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute,
		2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
}

// DefaultAttemptTimeout bounds one delivery attempt.
const DefaultAttemptTimeout = 15 * time.Second

// RetrySchedule is the target's retry delays.
func (t *Target) RetrySchedule() []time.Duration {
	if t.Retry == nil {
		return DefaultRetry()
	}
	return t.Retry
}

// AttemptTimeout bounds one delivery attempt.
func (t *Target) AttemptTimeout() time.Duration {
	if t.Timeout <= 0 {
		return DefaultAttemptTimeout
	}
	return t.Timeout
}

// Target kinds.
const (
	KindWebhook    = "webhook"
	KindSlack      = "slack"
	KindMattermost = "mattermost"
	KindDiscord    = "discord"
	KindTeams      = "teams"
	KindGoogleChat = "googlechat"
	KindTelegram   = "telegram"
	KindNtfy       = "ntfy"
	KindMatrix     = "matrix"
	KindGotify     = "gotify"
	KindEmail      = "email"
)

// DefaultTelegramURL is the Bot API server telegram targets use by default.
const DefaultTelegramURL = "https://api.telegram.org"

// kindKeys lists, per kind, the keys it requires and the ones it allows
// besides the common ones (name, kind, headers, template, content_type).
var kindKeys = map[string]struct{ required, optional []string }{
	KindWebhook:    {[]string{"url"}, []string{"secret"}},
	KindSlack:      {[]string{"url"}, nil},
	KindMattermost: {[]string{"url"}, []string{"channel", "username", "icon_url"}},
	KindDiscord:    {[]string{"url"}, nil},
	KindTeams:      {[]string{"url"}, nil},
	KindGoogleChat: {[]string{"url"}, nil},
	KindTelegram:   {[]string{"token", "chat_id"}, []string{"url"}},
	KindNtfy:       {[]string{"url", "topic"}, []string{"priority", "tags", "token"}},
	KindMatrix:     {[]string{"homeserver", "room", "token"}, nil},
	KindGotify:     {[]string{"url", "token"}, []string{"priority"}},
	KindEmail:      {[]string{"smtp", "from", "to"}, []string{"tls", "starttls", "subject"}},
}

// Watch returns the watch with that name, or nil.
func (c *Config) Watch(name string) *Watch {
	for _, w := range c.Watches {
		if w.Name == name {
			return w
		}
	}
	return nil
}

// Target returns the target with that name, or nil.
func (c *Config) Target(name string) *Target {
	for _, t := range c.Targets {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Load reads, decodes and validates the configuration file at path, with
// ${VAR} taken from the process environment.
func Load(path string) (*Config, error) {
	return readFile(path, Parse)
}

// LoadPartial is Load for commands that only need part of the
// configuration (the inspection commands need db, listen and auth_token):
// it returns the configuration even when some keys are wrong, together
// with their Errors. It has no Warnings: Load and Parse gather them. The
// configuration is nil only when the file cannot be read or is not TOML.
func LoadPartial(path string) (*Config, error) {
	return readFile(path, parse)
}

// LoadTopLevel is LoadPartial for the commands that read a database and
// need of the configuration only its top-level keys (db, listen,
// auth_token, ...), its targets and the names of its watches: the rest of
// each watch, and [defaults], are not read, so neither checked. Its
// Watches have their Name only: they are not for polling. Its Errors are
// those of what it read; Load finds them all.
func LoadTopLevel(path string) (*Config, error) {
	return readFile(path, parseTopLevel)
}

// readFile reads the configuration file at path with parse, ${VAR}
// taken from the process environment.
func readFile(path string, parse func(string, []byte, func(string) (string, bool)) (*Config, error)) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return parse(path, src, os.LookupEnv)
}

// Parse decodes and validates configuration text. file names it in errors
// and anchors relative paths; lookup resolves ${VAR}. A returned error is
// Errors listing every problem, or a single TOML syntax error.
func Parse(file string, src []byte, lookup func(string) (string, bool)) (*Config, error) {
	cfg, err := read(file, src, lookup, readAll)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// parse is LoadPartial's: everything but the warnings, which its callers
// do not show (once leaves them to check and the daemon), and which cost
// it the most: at 10,000 watches that notify no target, 10,000 of them,
// each placed by an index of every line of the file.
func parse(file string, src []byte, lookup func(string) (string, bool)) (*Config, error) {
	return read(file, src, lookup, readPartial)
}

// parseTopLevel is parse reading of each watch only its name.
func parseTopLevel(file string, src []byte, lookup func(string) (string, bool)) (*Config, error) {
	return read(file, src, lookup, readNames)
}

// readMode is how much of a file read reads.
type readMode int

const (
	readAll     readMode = iota // everything, warnings too (Parse, Load)
	readPartial                 // everything but the warnings (LoadPartial)
	readNames                   // of each watch its name only, no warnings (LoadTopLevel)
)

// read decodes src and reads the configuration out of it, as much as
// mode says.
func read(file string, src []byte, lookup func(string) (string, bool), mode readMode) (*Config, error) {
	return readIn(file, src, lookup, mode, partSize)
}

// readIn is read decoding a large src in parts of about size bytes
// (see cutParts).
func readIn(file string, src []byte, lookup func(string) (string, bool), mode readMode, size int) (*Config, error) {
	text := string(src)
	r := newReader(file, src, lookup, mode)
	cfg := r.readParts(cutParts(text, size))
	if cfg == nil {
		r = newReader(file, src, lookup, mode)
		var tree map[string]any
		if _, err := toml.Decode(text, &tree); err != nil {
			var pe toml.ParseError
			if errors.As(err, &pe) {
				return nil, Errors{r.decodeError(pe)}
			}
			return nil, Errors{{File: r.file, Err: err}}
		}
		cfg = r.config(tree)
	}
	// Validation goes by kind of check (tables, then names, then
	// references): the reader of the list goes down the file.
	byLine(r.errs)
	byLine(r.warnings)
	cfg.Warnings = r.warnings
	if len(r.errs) > 0 {
		return cfg, r.errs
	}
	return cfg, nil
}

// newReader is a reader of src, the file named file, reading as much
// as mode says.
func newReader(file string, src []byte, lookup func(string) (string, bool), mode readMode) *reader {
	return &reader{file: file, src: src, vars: vars{lookup: lookup, dir: filepath.Dir(file)},
		namesOnly: mode == readNames, noWarnings: mode != readAll}
}

// decodeError is a problem the TOML decoder found (a syntax error, a
// number out of range, a key given twice) at its line, naming the table
// and key the line belongs to as validation errors do (watch "shop":
// max_events), when it is a key's line.
func (r *reader) decodeError(pe toml.ParseError) *Error {
	e := &Error{File: r.file, Line: pe.Position.Line, Err: errors.New(pe.Message)}
	if at := pe.Position.Start; pe.Message == "strings cannot contain newlines" && at >= 0 && at < len(r.src) && r.src[at] == '\r' {
		// BurntSushi/toml places the error on the line before the
		// newline it met, as if the line had been counted at it; a CR is
		// not counted, so the line it gives for a CRLF line's string is
		// the line before.
		e.Line++
	}
	if pe.LastKey == "" || e.Line == 0 {
		return e
	}
	lines := r.index()
	path, header := lines.tableAt(e.Line)
	if header {
		return e
	}
	top, _, _ := strings.Cut(path, ".")
	kind, index, array := strings.Cut(strings.TrimSuffix(top, "]"), "[")
	key := pe.LastKey
	if path != "" {
		var ok bool
		if key, ok = strings.CutPrefix(pe.LastKey, kind+"."); !ok || key == "" {
			return e
		}
	}
	e.Key, e.Section = key, kind
	if array {
		i, _ := strconv.Atoi(index)
		e.Section = kind + " #" + strconv.Itoa(i+1)
		if name, ok := lines.value(top, "name").(string); ok && name != "" {
			e.Section = kind + " " + strconv.Quote(name)
		}
	}
	return e
}

// byLine sorts problems in the order of the file, those of the whole file
// (line 0) first; problems of one line stay in the order they were found.
func byLine(es Errors) {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Line < es[j].Line })
}

// defaults are the [defaults] table: settings every watch inherits.
type defaults struct {
	schedule string
	timeout  time.Duration
	maxBody  int64
	polling  pollDefaults
	diff     diffDefaults
	shardBy  string
}

func (r *reader) config(tree map[string]any) *Config {
	top := r.section(tree, "", "")
	cfg := &Config{File: r.file, DB: DefaultDB, Listen: DefaultListen,
		Retention: DefaultRetention, History: DefaultHistory, LogLevel: "info", LogFormat: "text",
		MetricsPerWatch: MetricsMinimal}
	top.str("db", &cfg.DB)
	r.globals(top, cfg)
	r.shardKeys(top, cfg)
	if !filepath.IsAbs(cfg.DB) {
		// Under systemd (StateDirectory=) a relative db lives in the
		// service's state folder; elsewhere beside the configuration.
		base := filepath.Dir(r.file)
		if dirs, ok := r.vars.lookup("STATE_DIRECTORY"); ok && dirs != "" {
			base, _, _ = strings.Cut(dirs, ":")
		}
		cfg.DB = filepath.Join(base, cfg.DB)
	}
	// Absolute, so that the daemon and the CLI name the same file whatever
	// their working folders: the CLI checks the daemon's proof against it.
	if abs, err := filepath.Abs(cfg.DB); err == nil {
		cfg.DB = abs
	}
	top.str("auth_token", &cfg.AuthToken)
	if top.str("listen", &cfg.Listen) && cfg.Listen != "" {
		if err := checkListen(cfg.Listen, cfg.AuthToken); err != nil {
			top.errorf("listen", "%v", err)
		}
	}
	top.duration("retention", &cfg.Retention)
	top.integer("history", 1, &cfg.History)
	if top.str("log_level", &cfg.LogLevel) {
		switch cfg.LogLevel {
		case "debug", "info", "warn", "error":
		default:
			top.errorf("log_level", "want debug, info, warn or error, got %q", cfg.LogLevel)
		}
	}
	if top.str("log_format", &cfg.LogFormat) && cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		top.errorf("log_format", "want text or json, got %q", cfg.LogFormat)
	}
	if top.str("metrics_per_watch", &cfg.MetricsPerWatch) && cfg.MetricsPerWatch != MetricsMinimal && cfg.MetricsPerWatch != MetricsFull {
		top.errorf("metrics_per_watch", "want minimal or full, got %q", cfg.MetricsPerWatch)
	}
	r.subscriptions(top, cfg)

	def := defaults{schedule: DefaultSchedule, timeout: DefaultTimeout, maxBody: DefaultMaxBody,
		diff: diffDefaults{maxChanges: DefaultMaxChanges}, shardBy: ShardByHost}
	if r.namesOnly {
		// What only watches inherit, but for what shards them.
		if v, ok := top.raw("defaults"); ok {
			if m, ok := v.(map[string]any); ok {
				shardBy(r.section(m, "defaults", "defaults"), &def.shardBy)
			}
		}
	} else if d := top.table("defaults"); d != nil {
		d.label, d.prefix = "defaults", ""
		if d.str("schedule", &def.schedule) {
			if _, err := parseSchedule(def.schedule); err != nil {
				d.errorf("schedule", "%v", err)
				def.schedule = DefaultSchedule // reported once here, not again per watch
			}
		}
		d.duration("timeout", &def.timeout)
		d.size("max_body", MaxBodyLimit, &def.maxBody)
		r.pollDefaults(d, &def.polling)
		diffDefaultKeys(d, &def.diff)
		shardBy(d, &def.shardBy)
		d.finish()
	}

	for i, m := range r.tables(top, "target") {
		cfg.Targets = append(cfg.Targets, r.target(i, m))
	}
	watches, count := r.watches(top)
	if !r.stream {
		cfg.Watches = make([]*Watch, 0, count)
	}
	var refs []watchRef // what the checks across watches need
	if !r.namesOnly {
		refs = make([]watchRef, 0, count)
	}
	for i, m := range watches {
		if r.namesOnly {
			// The name, and what shards the watch.
			s, name := r.named("watch", i, m)
			w := &Watch{Name: name}
			s.str("url", &w.URL)
			by := def.shardBy
			shardBy(s, &by)
			w.ShardKey = shardKey(w, by)
			cfg.Watches = append(cfg.Watches, w)
			continue
		}
		w := r.watch(i, m, def)
		refs = append(refs, refOf(w))
		if !r.stream {
			cfg.Watches = append(cfg.Watches, w)
		}
	}
	top.finish()

	r.unique(top, "target", names(cfg.Targets, func(t *Target) string { return t.Name }))
	if r.namesOnly {
		r.unique(top, "watch", names(cfg.Watches, func(w *Watch) string { return w.Name }))
		// The rest needs what a watch notifies, which was not read.
		return cfg
	}
	r.unique(top, "watch", names(refs, func(w watchRef) string { return w.name }))
	for i, w := range refs {
		for _, n := range w.notify {
			if cfg.Target(n) == nil {
				s := r.section(nil, fmt.Sprintf("watch[%d]", i), fmt.Sprintf("watch %q", w.name))
				s.errorf("notify", "no target named %q", n)
			}
		}
	}
	r.checkErrorsTo(cfg, refs, def.polling)
	allowed := r.checkSubscriptions(cfg, refs, def.polling)
	for _, w := range cfg.Watches {
		w.Subscribable = allowed[w.Name]
	}
	if r.stream {
		r.again = watchesAgain{top: top, def: def, allowed: allowed, seed: maphash.MakeSeed(),
			sums: make([]uint64, len(refs)), shardKeys: make([]string, len(refs))}
		for i, w := range refs {
			r.again.sums[i], r.again.shardKeys[i] = r.again.sum(w), w.shardKey
		}
	}
	r.warn(cfg)
	return cfg
}

// watchRef is what the checks across watches, and the choice of a
// shard, need of one: all a stream (LoadStream) keeps of a watch while
// the file is read.
type watchRef struct {
	name             string
	notify, errorsTo []string
	errorsToOwn      bool
	shardKey         string
}

func refOf(w *Watch) watchRef {
	return watchRef{name: w.Name, notify: w.Notify, errorsTo: w.ErrorsTo, errorsToOwn: w.errorsToOwn, shardKey: w.ShardKey}
}

// warn notes what is valid but likely not what was meant: nothing to
// poll, a watch whose changes and failures go to no target, a target no
// watch sends to.
func (r *reader) warn(cfg *Config) {
	if r.noWarnings {
		// Not even the sections: at 10,000 watches notifying nothing
		// they were 20,000 names formatted for no warning.
		return
	}
	if len(cfg.Watches) == 0 {
		r.section(nil, "", "").warnf("", "no [[watch]]: there is nothing to poll")
	}
	used := map[string]bool{}
	for i, w := range cfg.Watches {
		for _, n := range w.Notify {
			used[n] = true
		}
		for _, n := range w.AlertTargets() {
			used[n] = true
		}
		if len(w.Notify) == 0 && len(w.AlertTargets()) == 0 {
			s := r.section(nil, fmt.Sprintf("watch[%d]", i), fmt.Sprintf("watch %q", w.Name))
			s.warnf("notify", "none, and no errors_to: its changes and failures go to no target")
		}
	}
	for i, t := range cfg.Targets {
		if t.Name != "" && !used[t.Name] {
			s := r.section(nil, fmt.Sprintf("target[%d]", i), fmt.Sprintf("target %q", t.Name))
			s.warnf("", "no watch sends to it (in notify or errors_to)")
		}
	}
}

func names[T any](xs []T, name func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = name(x)
	}
	return out
}

// unique reports names used twice among the [[kind]] tables.
func (r *reader) unique(top *section, kind string, names []string) {
	seen := map[string]bool{}
	for i, n := range names {
		if n == "" {
			continue
		}
		if seen[n] {
			s := r.section(nil, fmt.Sprintf("%s[%d]", kind, i), fmt.Sprintf("%s %q", kind, n))
			s.errorf("name", "duplicate name: another %s is already called %q", kind, n)
		}
		seen[n] = true
	}
}

// tables returns the [[kind]] array of tables.
func (r *reader) tables(top *section, kind string) []map[string]any {
	v, ok := top.raw(kind)
	if !ok {
		return nil
	}
	switch t := v.(type) {
	case []map[string]any:
		return t
	case []any:
		out := make([]map[string]any, 0, len(t))
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			} else {
				top.errorf(kind, "want [[%s]] tables, got %s", kind, typeName(e))
			}
		}
		return out
	}
	top.errorf(kind, "want [[%s]] tables, got %s", kind, typeName(v))
	return nil
}

// named starts a [[kind]] section, reading its name first so that every
// later error can say which one it is about.
func (r *reader) named(kind string, i int, m map[string]any) (*section, string) {
	// Concatenated, not Sprintf'd: this is done for every watch.
	path := kind + "[" + strconv.Itoa(i) + "]"
	s := r.section(m, path, kind+" #"+strconv.Itoa(i+1))
	var name string
	// (A name of the wrong type, or one that does not expand, has its own
	// error.)
	switch ok := s.str("name", &name); {
	case ok && name != "":
		s.label = kind + " " + strconv.Quote(name)
	case ok:
		s.errorf("name", "empty (every %s needs a name)", kind)
	case !s.has("name"):
		s.errorf("name", "missing (every %s needs a name)", kind)
	}
	return s, name
}

func (r *reader) target(i int, m map[string]any) *Target {
	s, name := r.named("target", i, m)
	if why := reservedTargetName(name); why != "" {
		s.errorf("name", "%q: %s", name, why)
	}
	t := &Target{Name: name, Kind: KindWebhook}
	s.str("kind", &t.Kind)
	keys, known := kindKeys[t.Kind]
	if !known {
		kinds := make([]string, 0, len(kindKeys))
		for k := range kindKeys {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		s.errorf("kind", "unknown kind %q (want one of %s)", t.Kind, strings.Join(kinds, ", "))
		// Which keys belong depends on the kind: reporting them all as
		// unknown would bury the one mistake.
		return t
	}
	article := "a"
	if strings.ContainsRune("aeiou", rune(t.Kind[0])) {
		article = "an" // an email target
	}
	for _, k := range keys.required {
		if !s.has(k) {
			s.errorf(k, "missing (%s %s target needs %s)", article, t.Kind, strings.Join(keys.required, ", "))
		}
	}
	allowed := map[string]bool{}
	for _, k := range append(keys.required, keys.optional...) {
		allowed[k] = true
	}
	// The keys of the other kinds, in the order of their names.
	var foreign []string
	for _, other := range kindKeys {
		for _, k := range slices.Concat(other.required, other.optional) {
			if s.has(k) && !allowed[k] && !slices.Contains(foreign, k) {
				foreign = append(foreign, k)
			}
		}
	}
	sort.Strings(foreign)
	for _, k := range foreign {
		s.raw(k)
		s.errorf(k, "not a key of %s targets", t.Kind)
	}
	if t.Kind == KindTelegram {
		t.URL = DefaultTelegramURL
	}
	if s.str("url", &t.URL) {
		if err := checkURL(t.URL); err != nil {
			s.errorf("url", "%v", err)
		}
	}
	s.str("channel", &t.Channel)
	s.str("username", &t.Username)
	if s.str("icon_url", &t.IconURL) {
		if err := checkURL(t.IconURL); err != nil {
			s.errorf("icon_url", "%v", err)
		}
	}
	s.str("token", &t.Token)
	s.str("chat_id", &t.ChatID)
	s.str("topic", &t.Topic)
	if s.integer("priority", 0, &t.Priority) {
		if t.Kind == KindNtfy && (t.Priority < 1 || t.Priority > 5) {
			s.errorf("priority", "ntfy priorities are 1 (min) to 5 (max), got %d", t.Priority)
		}
		if t.Kind == KindGotify && t.Priority > 10 {
			s.errorf("priority", "gotify priorities are 0 to 10, got %d", t.Priority)
		}
	}
	s.strings("tags", false, &t.Tags)
	if s.str("homeserver", &t.Homeserver) {
		if err := checkURL(t.Homeserver); err != nil {
			s.errorf("homeserver", "%v", err)
		}
	}
	if s.str("room", &t.Room) && !strings.HasPrefix(t.Room, "!") {
		s.errorf("room", "want a room id such as \"!abc123:example.org\" (not an alias), got %q", t.Room)
	}
	var tmpl string
	if s.str("template", &tmpl) {
		parsed, err := event.ParseTemplate(name, tmpl)
		if err != nil {
			s.errorf("template", "%v", err)
		}
		t.Template, t.TemplateText = parsed, tmpl
	}
	s.str("content_type", &t.ContentType)
	if t.Kind == KindEmail {
		r.emailTarget(s, t)
	}
	if t.Kind == KindNtfy && t.Template == nil {
		// ntfy takes JSON publishes at the server's root only; posted to
		// a topic URL the JSON would arrive as the message text.
		if u, err := url.Parse(t.URL); err == nil && strings.Trim(u.Path, "/") != "" {
			s.errorf("url", "want the ntfy server (e.g. \"https://ntfy.sh\"), not a topic URL: put the topic in topic = \"%s\"", strings.Trim(u.Path, "/"))
		}
	}
	// An empty list, written to sign, would send unsigned requests
	// without a word.
	s.list("secret", "empty list: give at least one secret, or remove the key to send unsigned requests", func(sec string) error {
		key, err := DecodeSecret(sec)
		if err == nil {
			t.Secrets = append(t.Secrets, key)
		}
		return err
	})
	s.stringMap("headers", &t.Headers)
	var retry []string
	if s.strings("retry", false, &retry) {
		t.Retry = make([]time.Duration, 0, len(retry))
		for j, r := range retry {
			d, err := ParseDuration(r)
			if err != nil || d <= 0 {
				s.errorf("retry", "element %d: bad delay %q (want e.g. \"5s\", \"30m\")", j, r)
				continue
			}
			t.Retry = append(t.Retry, d)
		}
	}
	s.duration("timeout", &t.Timeout)
	s.boolean("disabled", &t.Disabled)
	s.finish()
	return t
}

func (r *reader) watch(i int, m map[string]any, def defaults) *Watch {
	s, name := r.named("watch", i, m)
	w := &Watch{
		Name: name, Method: "GET",
		ScheduleSpec: def.schedule, Timeout: def.timeout, MaxBody: def.maxBody,
	}
	if s.str("url", &w.URL) {
		if err := checkURL(w.URL); err != nil {
			s.errorf("url", "%v", err)
		}
	} else if !s.has("url") {
		s.errorf("url", "missing")
	}
	s.str("schedule", &w.ScheduleSpec)
	sched, err := parseSchedule(w.ScheduleSpec)
	if err != nil {
		s.errorf("schedule", "%v", err)
	}
	w.Schedule = sched
	s.duration("timeout", &w.Timeout)
	s.size("max_body", MaxBodyLimit, &w.MaxBody)
	if s.str("method", &w.Method) {
		w.Method = strings.ToUpper(w.Method)
		if !validMethod(w.Method) {
			s.errorf("method", "unknown HTTP method %q", w.Method)
		}
	}
	s.str("body", &w.Body)
	s.stringMap("headers", &w.Headers)
	s.strings("notify", false, &w.Notify)

	watchDiffKeys(s, w, def.diff)
	differ, err := r.compile(listed(w))
	if err != nil {
		reportOptionErrors(s, err)
	}
	w.Differ = differ
	r.watchPolling(s, w, def.polling)
	by := def.shardBy
	shardBy(s, &by)
	w.ShardKey = shardKey(w, by)
	if w.Paginate != nil && !s.has("conditional") {
		// Only the first page can be asked "changed since?", and an edit on
		// a later page leaves the first one as it was: a paginated watch
		// fetches every page unless the user says page 1 tells it all.
		w.Conditional = false
	}
	s.finish()
	return w
}

// reportOptionErrors puts diff's option errors on the lines of their keys.
func reportOptionErrors(s *section, err error) {
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	for _, e := range list {
		var oe *diff.OptionError
		if errors.As(e, &oe) {
			s.errorf(oe.Option, "%v", oe.Err)
		} else {
			s.errorf("", "%v", e)
		}
	}
}

var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour |
	cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// parseSchedule parses a cron spec: 5 fields, an optional leading seconds
// field, @hourly-style descriptors, "@every 30s", and a CRON_TZ= prefix.
func parseSchedule(spec string) (sched cron.Schedule, err error) {
	defer func() {
		// robfig/cron panics on a few malformed specs; a config typo must
		// be an error, never a crash.
		if p := recover(); p != nil {
			sched, err = nil, fmt.Errorf("bad cron spec %q", spec)
		}
	}()
	sched, err = cronParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("bad cron spec %q: %v", spec, err)
	}
	if every, ok := strings.CutPrefix(spec, "@every "); ok {
		// cron rounds sub-second intervals up to 1s without a word.
		if d, err := time.ParseDuration(strings.TrimSpace(every)); err == nil && d < time.Second {
			return nil, fmt.Errorf("bad cron spec %q: @every needs at least 1s", spec)
		}
	}
	return sched, nil
}

// checkListen checks the local API's address. Anything reachable from
// another machine must be guarded by auth_token.
func checkListen(addr, token string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port such as \"127.0.0.1:9180\", got %q", addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("bad port in %q", addr)
	}
	if !IsLoopback(host) && token == "" {
		return fmt.Errorf("%q is reachable from other machines: set auth_token too, or listen on 127.0.0.1", addr)
	}
	return nil
}

// IsLoopback reports whether host (a name or an IP address without
// brackets) is this machine: the one test of where the API may listen
// without a token and where an email target may send its password
// without TLS. It is "localhost" in any case, and an IP address that
// net.ParseIP reads as a loopback one: 127.0.0.0/8 (127.0.0.2 too), ::1,
// and IPv4-mapped ones (::ffff:127.0.0.1). Not a name below localhost
// (RFC 6761 asks resolvers to answer loopback for it, but the system
// resolver may ask DNS), and not the short forms of inet_aton (127.1),
// which net.ParseIP does not read and a resolver may or may not.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkURL checks an http:// or https:// URL. The value itself stays out
// of its messages: webhook URLs are secrets (Slack's, Discord's), and the
// line names the key.
func checkURL(s string) error {
	if s == "" {
		return errors.New("empty, want an http:// or https:// URL")
	}
	u, err := url.Parse(s)
	if !strings.Contains(s, "://") && (err != nil || u.Scheme != "http" && u.Scheme != "https") {
		// "api.example.com/x", "localhost:8080": url.Parse reads a scheme
		// "localhost", or fails on the colon, and neither says what is wrong.
		return errors.New("bad URL: no scheme, want http:// or https://")
	}
	if err != nil {
		return fmt.Errorf("bad URL: %v", errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("bad URL: scheme %q, want http:// or https://", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("bad URL: no host")
	}
	return nil
}

func validMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "QUERY", "REPORT", "PROPFIND", "SEARCH":
		return true
	}
	return false
}

// DecodeSecret decodes a Standard Webhooks secret: "whsec_" + base64.
func DecodeSecret(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, "whsec_")
	if !ok {
		return nil, errors.New(`must start with "whsec_" followed by base64 (e.g. whsec_` +
			`$(head -c 32 /dev/urandom | base64))`)
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, errors.New(`the part after "whsec_" is not valid base64`)
	}
	if len(key) < 16 {
		return nil, fmt.Errorf("too short: %d bytes after decoding, want at least 16", len(key))
	}
	return key, nil
}
