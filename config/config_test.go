package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

const validConfig = `db = "state/pollhook.db"

[defaults]
schedule = "@every 5m"
timeout = "10s"
max_body = "10MiB"

[[target]]
name = "hook"
kind = "webhook"
url = "https://example.com/hooks/pollhook"
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
headers = { "X-Env" = "prod" }

[[watch]]
name = "releases"
url = "https://api.example.com/v1/releases"
schedule = "*/10 * * * *"
method = "GET"
headers = { Authorization = "Bearer ${API_TOKEN}" }
select = "data.items"
key = "id"
ignore = ["#.updated_at"]
notify = ["hook"]

[[watch]]
name = "status"
url = "https://status.example.com/api/v2/summary.json"
notify = ["hook"]
`

func TestParse_Valid(t *testing.T) {
	cfg, err := Parse("/etc/pollhook/pollhook.toml", []byte(validConfig), env(map[string]string{"API_TOKEN": "s3cret"}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if cfg.DB != "/etc/pollhook/state/pollhook.db" {
		t.Errorf("DB = %q, want it relative to the config's folder", cfg.DB)
	}
	w := cfg.Watch("releases")
	if w == nil {
		t.Fatal("no watch releases")
	}
	if got := w.Headers["Authorization"]; got != "Bearer s3cret" {
		t.Errorf("Authorization = %q, want ${API_TOKEN} expanded", got)
	}
	if w.Diff.Select != "data.items" || w.Diff.Key != "id" || len(w.Diff.Ignore) != 1 {
		t.Errorf("diff options = %+v", w.Diff)
	}
	if w.Timeout != 10*time.Second || w.MaxBody != 10<<20 {
		t.Errorf("timeout %v max_body %d, want defaults", w.Timeout, w.MaxBody)
	}
	from := time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)
	if next := w.Schedule.Next(from); !next.Equal(from.Add(9 * time.Minute)) {
		t.Errorf("next run after %v = %v, want 00:10", from, next)
	}
	s := cfg.Watch("status")
	if s.ScheduleSpec != "@every 5m" || s.Method != "GET" {
		t.Errorf("status inherits schedule %q method %q", s.ScheduleSpec, s.Method)
	}
	tg := cfg.Target("hook")
	if len(tg.Secrets) != 1 || len(tg.Secrets[0]) != 24 {
		t.Errorf("secret not decoded: %v", tg.Secrets)
	}
	if tg.Headers["X-Env"] != "prod" {
		t.Errorf("target headers = %v", tg.Headers)
	}
}

// TestParse_Errors checks each kind of mistake is reported with its file,
// line, section and key.
func TestParse_Errors(t *testing.T) {
	const target = "\n[[target]]\nname = \"hook\"\nurl = \"https://example.com/h\"\n"
	tests := []struct {
		name string
		src  string
		env  map[string]string
		want []string // each must appear in the error text
	}{
		{
			name: "typo in a watch key",
			src:  target + "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nschedul = \"@hourly\"\n",
			want: []string{`c.toml:9: watch "a": schedul: unknown key`},
		},
		{
			name: "unknown top-level key",
			src:  "dbb = \"x.db\"\n",
			want: []string{`c.toml:1: dbb: unknown key`},
		},
		{
			name: "wrong type",
			src:  target + "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nmethod = 1\n",
			want: []string{`c.toml:9: watch "a": method: want a string, got an integer`},
		},
		{
			name: "duplicate watch name",
			src:  target + "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\n\n[[watch]]\nname = \"a\"\nurl = \"https://y.example/\"\n",
			want: []string{`c.toml:11: watch "a": name: duplicate name`},
		},
		{
			// check passed it, and once failed to store its state.
			name: "empty watch name",
			src:  target + "\n[[watch]]\nname = \"\"\nurl = \"https://x.example/\"\n\n[[watch]]\nname = \"${EMPTY}\"\nurl = \"https://y.example/\"\n",
			env:  map[string]string{"EMPTY": ""},
			want: []string{`c.toml:7: watch #1: name: empty (every watch needs a name)`, `c.toml:11: watch #2: name: empty`},
		},
		{
			name: "duplicate target name",
			src:  target + target,
			want: []string{`c.toml:7: target "hook": name: duplicate name`},
		},
		{
			name: "unknown target in notify",
			src:  target + "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nnotify = [\"hook\", \"slack\"]\n",
			want: []string{`c.toml:9: watch "a": notify: no target named "slack"`},
		},
		{
			name: "bad cron spec",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nschedule = \"*/10 * * *\"\n",
			want: []string{`c.toml:4: watch "a": schedule: bad cron spec "*/10 * * *"`},
		},
		{
			name: "bad cron in defaults",
			src:  "[defaults]\nschedule = \"@sometimes\"\n",
			want: []string{`c.toml:2: defaults: schedule: bad cron spec`},
		},
		{
			name: "bad URL scheme",
			src:  "[[watch]]\nname = \"a\"\nurl = \"ftp://x.example/\"\n",
			want: []string{`c.toml:3: watch "a": url: bad URL: scheme "ftp", want http:// or https://`},
		},
		{
			name: "URL without host",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https:///path\"\n",
			want: []string{`c.toml:3: watch "a": url: bad URL`, "no host"},
		},
		{
			name: "missing url",
			src:  "[[watch]]\nname = \"a\"\n",
			want: []string{`watch "a": url: missing`},
		},
		{
			name: "secret without prefix",
			src:  "[[target]]\nname = \"h\"\nurl = \"https://x.example/\"\nsecret = \"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n",
			want: []string{`c.toml:4: target "h": secret: must start with "whsec_"`},
		},
		{
			name: "secret not base64",
			src:  "[[target]]\nname = \"h\"\nurl = \"https://x.example/\"\nsecret = \"whsec_not base64!!\"\n",
			want: []string{`c.toml:4: target "h": secret: the part after "whsec_" is not valid base64`},
		},
		{
			name: "unset variable",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nheaders = { Authorization = \"Bearer ${API_TOKEN}\" }\n",
			want: []string{`c.toml:4: watch "a": headers.Authorization: environment variable API_TOKEN is not set`},
		},
		{
			name: "bad size",
			src:  "[defaults]\nmax_body = \"ten megs\"\n",
			want: []string{`c.toml:2: defaults: max_body: bad size "ten megs"`},
		},
		{
			name: "size that overflows",
			src:  "[defaults]\nmax_body = \"8589934592GiB\"\n",
			want: []string{`c.toml:2: defaults: max_body: size "8589934592GiB" is too large`},
		},
		{
			name: "max_body over its maximum",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nmax_body = \"2GiB\"\n",
			want: []string{`c.toml:4: watch "a": max_body: must be at most 1GiB, got "2GiB"`},
		},
		{
			name: "max_body in bytes over its maximum",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nmax_body = 1073741825\n",
			want: []string{`c.toml:4: watch "a": max_body: must be at most 1GiB, got 1073741825`},
		},
		{
			name: "TOML syntax error",
			src:  "[[watch]]\nname = \"a\nurl = \"x\"\n",
			want: []string{`c.toml:2:`},
		},
		{
			name: "unknown target kind",
			src:  "[[target]]\nname = \"h\"\nkind = \"pager\"\nurl = \"https://x.example/\"\n",
			want: []string{`c.toml:3: target "h": kind: unknown kind "pager"`},
		},
		{
			name: "bad method",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nmethod = \"FETCH\"\n",
			want: []string{`c.toml:4: watch "a": method: unknown HTTP method "FETCH"`},
		},
		{
			name: "invalid gjson select",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nselect = \"data.#(id==\"\n",
			want: []string{`c.toml:4: watch "a": select:`},
		},
		{
			name: "invalid gjson ignore",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nignore = [\"#.ok\", \"#.(x\"]\n",
			want: []string{`c.toml:4: watch "a": ignore: element 2 "#.(x"`},
		},
		{
			name: "unknown change kind in on",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\non = [\"added\", \"moved\"]\n",
			want: []string{`c.toml:4: watch "a": on:`, "moved"},
		},
		{
			name: "bad include in defaults",
			src:  "[defaults]\ninclude = [\"everything\"]\n\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\n",
			want: []string{`c.toml:2: defaults: include:`},
		},
		{
			name: "key on a text watch",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nformat = \"text\"\nkey = \"id\"\n",
			want: []string{`c.toml:5: watch "a": key:`},
		},
		{
			name: "bad regexp select on a text watch",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nformat = \"text\"\nselect = \"(unclosed\"\n",
			want: []string{`c.toml:5: watch "a": select:`},
		},
		{
			name: "confirm below 1",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nconfirm = 0\n",
			want: []string{`c.toml:4: watch "a": confirm: must be at least 1`},
		},
		{
			name: "max_changes 0 is not unbounded",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nmax_changes = 0\n",
			want: []string{`c.toml:4: watch "a": max_changes: must be 1 to 100000, got 0 (0 does not mean unbounded: the default is 1000)`},
		},
		{
			name: "max_changes over its maximum",
			src:  "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nmax_changes = 100001\n",
			want: []string{`c.toml:4: watch "a": max_changes: must be 1 to 100000, got 100001`},
		},
		{
			name: "max_changes in defaults over its maximum",
			src:  "[defaults]\nmax_changes = 1000000\n",
			want: []string{`c.toml:2: defaults: max_changes: must be 1 to 100000, got 1000000`},
		},
		{
			name: "empty secret list",
			src:  "[[target]]\nname = \"h\"\nurl = \"https://x.example/\"\nsecret = []\n",
			want: []string{`c.toml:4: target "h": secret: empty list`},
		},
		{
			name: "ntfy topic URL",
			src:  "[[target]]\nname = \"n\"\nkind = \"ntfy\"\nurl = \"https://ntfy.sh/alerts\"\ntopic = \"alerts\"\n",
			want: []string{`c.toml:4: target "n": url: want the ntfy server`},
		},
		{
			name: "metrics_per_watch neither minimal nor full",
			src:  "log_level = \"warn\"\nmetrics_per_watch = \"detailed\"\n",
			want: []string{`c.toml:2: metrics_per_watch: want minimal or full, got "detailed"`},
		},
		{
			name: "metrics_per_watch not a string",
			src:  "metrics_per_watch = true\n",
			want: []string{`c.toml:1: metrics_per_watch: want a string, got a boolean`},
		},
		{
			name: "every problem at once",
			src:  "[[watch]]\nname = \"a\"\nurl = \"nope\"\nschedule = \"bad\"\nnotify = [\"x\"]\nschedul = 1\n",
			want: []string{`c.toml:3: watch "a": url:`, `c.toml:4: watch "a": schedule:`,
				`c.toml:5: watch "a": notify: no target named "x"`, `c.toml:6: watch "a": schedul: unknown key`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(tt.src), env(tt.env))
			if err == nil {
				t.Fatal("Parse accepted the config")
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want config.Errors", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestParse_MetricsPerWatch(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"default", "", MetricsMinimal},
		{"minimal", "metrics_per_watch = \"minimal\"\n", MetricsMinimal},
		{"full", "metrics_per_watch = \"full\"\n", MetricsFull},
		{"from the environment", "metrics_per_watch = \"${DETAIL:-full}\"\n", MetricsFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("c.toml", []byte(tt.src), env(nil))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MetricsPerWatch != tt.want {
				t.Errorf("MetricsPerWatch = %q, want %q", cfg.MetricsPerWatch, tt.want)
			}
		})
	}
}

func TestParse_DiffOptions(t *testing.T) {
	src := `[defaults]
on = ["added", "changed"]
confirm = 2
max_changes = 50

[[watch]]
name = "shop"
url = "https://shop.example/api/products"
select = "products"
key = "id"
keys = { "#.variants" = "sku", "#.tags" = "." }
when = 'price<100'
include = ["patch"]

[[watch]]
name = "quiet"
url = "https://shop.example/api/other"
on = ["removed"]
confirm = 1
`
	cfg, err := Parse("c.toml", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	shop, quiet := cfg.Watch("shop"), cfg.Watch("quiet")
	if got := fmt.Sprint(shop.Diff.On, shop.Confirm, shop.Diff.MaxChanges, shop.Diff.Include, shop.Diff.When); got != "[added changed] 2 50 [patch]price<100" {
		t.Errorf("shop options = %s", got)
	}
	if shop.Diff.Keys["#.variants"] != "sku" || shop.Diff.Keys["#.tags"] != "." {
		t.Errorf("keys = %v", shop.Diff.Keys)
	}
	if got := fmt.Sprint(quiet.Diff.On, quiet.Confirm, quiet.Diff.MaxChanges); got != "[removed] 1 50" {
		t.Errorf("quiet options = %s", got)
	}
}

func TestParse_DBInStateDirectory(t *testing.T) {
	cfg, err := Parse("/etc/pollhook/pollhook.toml", []byte(`db = "pollhook.db"`), env(map[string]string{"STATE_DIRECTORY": "/var/lib/pollhook"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "/var/lib/pollhook/pollhook.db" {
		t.Errorf("DB = %q, want it in $STATE_DIRECTORY", cfg.DB)
	}
}

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "token")
	if err := os.WriteFile(secretFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	lookup := env(map[string]string{"SET": "value", "EMPTY": ""})
	tests := []struct {
		in, want, err string
	}{
		{in: "plain", want: "plain"},
		{in: "${SET}", want: "value"},
		{in: "a-${SET}-b", want: "a-value-b"},
		{in: "${UNSET:-fallback}", want: "fallback"},
		{in: "${EMPTY:-fallback}", want: "fallback"},
		{in: "${EMPTY}", want: ""},
		{in: "$$HOME", want: "$HOME"},
		{in: "cost: $5", want: "cost: $5"},
		{in: "${file:" + secretFile + "}", want: "file-token"},
		{in: "${file:token}", want: "file-token"}, // relative to the config's folder
		{in: "${UNSET}", err: "environment variable UNSET is not set"},
		{in: "${SET", err: "unclosed ${"},
		{in: "${1BAD}", err: "bad variable name"},
		{in: "${file:" + filepath.Join(dir, "missing") + "}", err: "read secret file"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := expand(tt.in, vars{lookup: lookup, dir: dir})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("expand(%q) error = %v, want %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("expand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestExpand_CredentialsDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "api-token"), []byte("from-systemd\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := expand("Bearer ${file:api-token}", vars{lookup: env(map[string]string{"CREDENTIALS_DIRECTORY": dir}), dir: "/nowhere"})
	if err != nil || got != "Bearer from-systemd" {
		t.Fatalf("expand = %q, %v", got, err)
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"512", 512}, {"64KiB", 64 << 10}, {"10MiB", 10 << 20}, {"1GB", 1e9}, {"2 MiB", 2 << 20},
		{"8589934591GiB", 8589934591 << 30}, {"9223372036854775807", 1<<63 - 1},
	}
	for _, tt := range tests {
		if got, err := ParseSize(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "MiB", "10XB", "-5", "0",
		"8589934592GiB", "9223372036854775807KiB", "9223372036854775808", "9223372036854775808B", "-9223372036854775809"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

func TestParseSchedule(t *testing.T) {
	for _, spec := range []string{"*/10 * * * *", "0 */10 * * * *", "@hourly", "@every 30s", "CRON_TZ=Europe/Paris 0 9 * * 1-5"} {
		if _, err := parseSchedule(spec); err != nil {
			t.Errorf("parseSchedule(%q): %v", spec, err)
		}
	}
	for _, spec := range []string{"", "@every 10ms", "61 * * * *", "CRON_TZ=Nowhere/City * * * * *", "TZ="} {
		if _, err := parseSchedule(spec); err == nil {
			t.Errorf("parseSchedule(%q) accepted", spec)
		}
	}
}

// TestLoad_ExampleConfig: the shipped example passes pollhook check as it
// is, with nothing in the environment and without a warning, and uses
// the secrets the environment gives it.
func TestLoad_ExampleConfig(t *testing.T) {
	path := filepath.Join("..", "config.example.toml")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(path, src, env(nil))
	if err != nil {
		t.Fatalf("config.example.toml with an empty environment: %v", err)
	}
	if len(cfg.Warnings) > 0 {
		t.Errorf("config.example.toml warns:\n%v", cfg.Warnings)
	}
	if w := cfg.Watch("releases"); w == nil || w.Bearer != "" {
		t.Errorf("without GITHUB_TOKEN, releases = %+v, want no bearer", w)
	}

	cfg, err = Parse(path, src, env(map[string]string{"GITHUB_TOKEN": "ghp_x", "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X"}))
	if err != nil {
		t.Fatalf("config.example.toml with its variables set: %v", err)
	}
	if w := cfg.Watch("releases"); w == nil || w.Bearer != "ghp_x" {
		t.Errorf("with GITHUB_TOKEN, releases = %+v, want its bearer", w)
	}
	if tg := cfg.Target("team-slack"); tg == nil || tg.URL != "https://hooks.slack.com/services/T/B/X" {
		t.Errorf("with SLACK_WEBHOOK_URL, team-slack = %+v, want its URL", tg)
	}
}

// TestParse_Templates: a template that parses but cannot render with one of
// the event types a target gets is an error at its line, like any other.
func TestParse_Templates(t *testing.T) {
	src := "[[target]]\nname = \"ok\"\nurl = \"https://x.example/\"\ntemplate = '{{title .}} {{.Data.Watch}}'\n\n" +
		"[[target]]\nname = \"typo\"\nurl = \"https://x.example/\"\ntemplate = '{{.Data.Nope}}'\n\n" +
		"[[target]]\nname = \"changes-only\"\nurl = \"https://x.example/\"\ntemplate = '{{(index .Data.Changes 0).Op}}'\n"
	_, err := Parse("t.toml", []byte(src), func(string) (string, bool) { return "", false })
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse = %v, want Errors", err)
	}
	got := errs.Error()
	if len(errs) != 2 || !strings.Contains(got, `t.toml:9: target "typo": template: cannot render a watch.changed event`) ||
		!strings.Contains(got, `t.toml:14: target "changes-only": template: cannot render a watch.failing event`) {
		t.Errorf("Parse = %v", got)
	}
}

// TestParse_Limits checks the bounded keys at and inside their limits, and
// the defaults of the ones left out.
func TestParse_Limits(t *testing.T) {
	const watch = "\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\n"
	tests := []struct {
		name       string
		src        string
		maxBody    int64
		maxChanges int
	}{
		{"defaults", watch, DefaultMaxBody, DefaultMaxChanges},
		{"largest max_body", watch + "max_body = \"1GiB\"\n", 1 << 30, DefaultMaxChanges},
		{"largest max_body in bytes", watch + "max_body = 1073741824\n", 1 << 30, DefaultMaxChanges},
		{"max_body from defaults", "[defaults]\nmax_body = \"512MiB\"\n" + watch, 512 << 20, DefaultMaxChanges},
		{"max_changes from defaults", "[defaults]\nmax_changes = 50\n" + watch, DefaultMaxBody, 50},
		{"smallest max_changes", watch + "max_changes = 1\n", DefaultMaxBody, 1},
		{"largest max_changes", watch + "max_changes = 100000\n", DefaultMaxBody, 100000},
		{"watch max_changes over defaults", "[defaults]\nmax_changes = 50\n" + watch + "max_changes = 5000\n", DefaultMaxBody, 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("c.toml", []byte(tt.src), env(nil))
			if err != nil {
				t.Fatal(err)
			}
			w := cfg.Watches[0]
			if w.MaxBody != tt.maxBody || w.Diff.MaxChanges != tt.maxChanges {
				t.Errorf("max_body %d max_changes %d, want %d %d", w.MaxBody, w.Diff.MaxChanges, tt.maxBody, tt.maxChanges)
			}
		})
	}
	options := testkit.DocSection(t, "docs/configuration.md", "### Options")
	if row := fmt.Sprintf("| `max_changes` | %d |", DefaultMaxChanges); !strings.Contains(options, row) {
		t.Errorf("docs/configuration.md's options do not say the default max_changes, %d", DefaultMaxChanges)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "10s", want: 10 * time.Second},
		{in: "30d", want: 30 * 24 * time.Hour},
		{in: "1.5d", want: 36 * time.Hour},
		{in: "106751d", want: 106751 * 24 * time.Hour},
		{in: "106752d", err: `duration "106752d" is too large`},
		{in: "1e300d", err: `duration "1e300d" is too large`},
		{in: "Infd", err: `bad duration "Infd"`},
		{in: "NaNd", err: `bad duration "NaNd"`},
		{in: "-1d", err: `bad duration "-1d"`},
		{in: "3000000h", err: `bad duration "3000000h"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseDuration(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestParse_LabelLink: label and link name the elements of keyed arrays;
// for an array without a key they are an error at their line.
func TestParse_LabelLink(t *testing.T) {
	src := `[[watch]]
name = "releases"
url = "https://api.example/releases"
key = "id"
label = "tag_name"
link = "html_url"
keys = { "#.assets" = "id" }
labels = { "#.assets" = "name" }

[[watch]]
name = "bad"
url = "https://api.example/x"
label = "name"
labels = { "#.items" = "title" }
links = { "#.assets" = "" }
keys = { "#.assets" = "id" }
`
	_, err := Parse("t.toml", []byte(src), func(string) (string, bool) { return "", false })
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse = %v, want Errors", err)
	}
	got := errs.Error()
	for _, want := range []string{
		`t.toml:13: watch "bad": label: names the elements of the keyed top-level array: set key too`,
		`t.toml:14: watch "bad": labels.#.items: "#.items" is not a keyed array: give it a key in keys`,
		`t.toml:15: watch "bad": links.#.assets: empty path`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, `"releases"`) {
		t.Errorf("the valid watch has errors:\n%s", got)
	}
	cfg, err := Parse("t.toml", []byte(src[:strings.Index(src, "\n[[watch]]\nname = \"bad\"")]), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if o := cfg.Watches[0].Diff; o.Label != "tag_name" || o.Link != "html_url" || o.Labels["#.assets"] != "name" {
		t.Errorf("options %+v", o)
	}
}

// The inspection commands read the top-level keys, the targets and the
// watches' names: what is wrong in the rest of a watch, or in
// [defaults], does not stop them, while what they read is still checked
// and placed.
func TestParseTopLevel(t *testing.T) {
	const src = `db = "state.db"
listen = "127.0.0.1:9180"

[defaults]
schedul = "@every 1m"

[[target]]
name = "hook"
url = "https://example.com/hook"
secret = "${HOOK_SECRET}"

[[watch]]
name = "releases"
url = "https://api.example.com/releases"
schedule = "every day"
headers = { Authorization = "Bearer ${API_TOKEN}" }
notify = ["hook", "gone"]

[[watch]]
name = "status"
url = "https://status.example.com"
colour = "blue"
`
	lookup := env(map[string]string{"HOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	_, err := Parse("/etc/p.toml", []byte(src), lookup)
	var all Errors
	if !errors.As(err, &all) || len(all) != 5 {
		t.Fatalf("Parse: %v, want the 5 problems of [defaults] and the watches", err)
	}
	cfg, err := parseTopLevel("/etc/p.toml", []byte(src), lookup)
	if err != nil {
		t.Fatalf("parseTopLevel: %v, want no problem: it does not read the rest of a watch, nor [defaults]", err)
	}
	if cfg.DB != "/etc/state.db" || cfg.Listen != "127.0.0.1:9180" {
		t.Errorf("db %q listen %q", cfg.DB, cfg.Listen)
	}
	if tg := cfg.Target("hook"); tg == nil || len(tg.Secrets) != 1 {
		t.Errorf("target hook = %+v, want it read with its secret", tg)
	}
	if len(cfg.Watches) != 2 || cfg.Watch("releases") == nil || cfg.Watch("status") == nil {
		t.Errorf("watches %v, want releases and status by name", names(cfg.Watches, func(w *Watch) string { return w.Name }))
	}

	// What it reads is checked, each problem in its place.
	bad := strings.Replace(src, `listen = "127.0.0.1:9180"`, `listen = "0.0.0.0:9180"`, 1) + `
[[watch]]
name = "releases"
`
	_, err = parseTopLevel("/etc/p.toml", []byte(bad), lookup)
	want := []string{
		`/etc/p.toml:2: listen: "0.0.0.0:9180" is reachable from other machines: set auth_token too, or listen on 127.0.0.1`,
		`/etc/p.toml:25: watch "releases": name: duplicate name: another watch is already called "releases"`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("parseTopLevel of a bad file:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

// TestParse_decodeErrors: a problem the TOML decoder finds (a number out
// of range, a key given twice, a bad string) names the table and key its
// line belongs to, as the problems found later do; a broken table header
// names none.
func TestParse_decodeErrors(t *testing.T) {
	t.Parallel()
	const big = "99999999999999999999"
	const two = "[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\n\n[[watch]]\nname = \"b\"\nurl = \"https://x.example/\"\nkey = \"id\"\n"
	tests := []struct{ name, src, want string }{
		{"max_events of the second watch", two + "max_events = " + big + "\n",
			`c.toml:9: watch "b": max_events: ` + big + ` is out of range for int64`},
		{"a watch before its name", "[[watch]]\nmax_events = " + big + "\nname = \"a\"\n",
			`c.toml:2: watch "a": max_events: ` + big + ` is out of range for int64`},
		{"a watch without a name", "[[watch]]\nurl = \"https://x.example/\"\nmax_events = " + big + "\n",
			`c.toml:3: watch #1: max_events: ` + big + ` is out of range for int64`},
		{"the name itself", "[[watch]]\nname = " + big + "\n",
			`c.toml:2: watch #1: name: ` + big + ` is out of range for int64`},
		{"a sub-table", two + "[watch.paginate]\nmax_pages = " + big + "\n",
			`c.toml:10: watch "b": paginate.max_pages: ` + big + ` is out of range for int64`},
		{"an inline table", two + "headers = { A = " + big + " }\n",
			`c.toml:9: watch "b": headers.A: ` + big + ` is out of range for int64`},
		{"a key twice", two + "max_events = 1\nmax_events = 2\n",
			`c.toml:10: watch "b": max_events: Key 'watch.max_events' has already been defined.`},
		{"a string with a newline", "[[target]]\nname = \"t\"\nurl = \"https://x\n",
			`c.toml:3: target "t": url: strings cannot contain newlines`},
		{"a multi-line array", "[[target]]\nname = \"m\"\nkind = \"email\"\nto = [\n  \"a@example.com\",\n  " + big + ",\n]\n",
			`c.toml:6: target "m": to: ` + big + ` is out of range for int64`},
		{"defaults", "[defaults]\nmax_events = " + big + "\n",
			`c.toml:2: defaults: max_events: ` + big + ` is out of range for int64`},
		{"the top level", "state_dir = \"s\"\nlisten = " + big + "\n",
			`c.toml:2: listen: ` + big + ` is out of range for int64`},
		{"a broken header", two + "[[watch]\nname = \"c\"\n",
			`c.toml:10: expected end of table array name delimiter ']', but got '\n' instead`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("c.toml", []byte(tt.src), env(nil))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error\n%v\nwant\n%s", err, tt.want)
			}
		})
	}
}
