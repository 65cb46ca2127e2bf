package config

import (
	"errors"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const subsWatches = `
[[target]]
name = "ops"
url = "https://ops.example.com/hook"

[[watch]]
name = "releases"
url = "https://api.example.com/releases"
notify = ["ops"]

[[watch]]
name = "incidents"
url = "https://status.example.com/incidents"
notify = ["ops"]
`

func TestParse_Subscriptions(t *testing.T) {
	src := `[subscriptions]
listen = "hooks.example.com:9181"
admin_token = "${SUBS_ADMIN}"
allow_watches = ["releases"]
max_endpoints_per_app = 3
allow_cidrs = ["10.1.2.3/8", "fd00::/8"]
https_only = false
disable_after = "48h"
errors_to = ["ops"]
max_body = "16KiB"
` + subsWatches
	cfg, err := Parse("p.toml", []byte(src), env(map[string]string{"SUBS_ADMIN": "an-admin-token-of-some-length"}))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Subscriptions
	if s == nil {
		t.Fatal("no Subscriptions")
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	if s.Listen != "hooks.example.com:9181" || s.AdminToken != "an-admin-token-of-some-length" ||
		!slices.Equal(s.AllowWatches, []string{"releases"}) || s.MaxEndpointsPerApp != 3 ||
		!slices.Equal(s.AllowCIDRs, want) || s.HTTPSOnly || s.DisableAfter != 48*time.Hour ||
		!slices.Equal(s.ErrorsTo, []string{"ops"}) || s.MaxBody != 16<<10 || s.Origin != "hooks.example.com" || s.TLS != nil {
		t.Errorf("Subscriptions = %+v", s)
	}
	if !cfg.Watch("releases").Subscribable || cfg.Watch("incidents").Subscribable {
		t.Errorf("Subscribable: releases %v, incidents %v; want true, false",
			cfg.Watch("releases").Subscribable, cfg.Watch("incidents").Subscribable)
	}

	// The defaults, and enabled = false.
	cfg, err = Parse("p.toml", []byte("[subscriptions]\nadmin_token = \"0123456789abcdef\"\n"+subsWatches), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	s = cfg.Subscriptions
	if s == nil || s.Listen != DefaultSubsListen || s.MaxEndpointsPerApp != 10 || !s.HTTPSOnly ||
		s.DisableAfter != 120*time.Hour || s.MaxBody != 64<<10 || s.Origin != "pollhook" || s.AllowWatches != nil || s.ErrorsTo != nil {
		t.Errorf("defaults: Subscriptions = %+v", s)
	}
	cfg, err = Parse("p.toml", []byte("[subscriptions]\nenabled = false\n"+subsWatches), env(nil))
	if err != nil || cfg.Subscriptions != nil {
		t.Errorf("enabled = false: %v, %+v; want no Subscriptions", err, cfg.Subscriptions)
	}

	// errors_to defaults to [defaults] errors_to.
	cfg, err = Parse("p.toml", []byte("[subscriptions]\nadmin_token = \"0123456789abcdef\"\n[defaults]\nerrors_to = [\"ops\"]\n"+subsWatches), env(nil))
	if err != nil || !slices.Equal(cfg.Subscriptions.ErrorsTo, []string{"ops"}) {
		t.Errorf("errors_to from [defaults]: %v, %+v", err, cfg.Subscriptions)
	}
}

func TestParse_SubscriptionsTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := testCert(t, dir)
	src := "[subscriptions]\nadmin_token = \"0123456789abcdef\"\ntls = { cert_file = \"" + filepath.Base(cert) + "\", key_file = \"" + filepath.Base(key) + "\" }\n" + subsWatches
	cfg, err := Parse(filepath.Join(dir, "p.toml"), []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if tl := cfg.Subscriptions.TLS; tl == nil || tl.CertFile != cert || tl.KeyFile != key {
		t.Errorf("TLS = %+v, want %s and %s", tl, cert, key)
	}
}

func TestParse_SubscriptionsErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown watch", "[subscriptions]\nadmin_token = \"0123456789abcdef\"\nallow_watches = [\"releases\", \"nope\"]\n",
			[]string{`p.toml:3: subscriptions: allow_watches: no watch named "nope"`}},
		{"no admin token", "[subscriptions]\nlisten = \"0.0.0.0:9181\"\n",
			[]string{`p.toml:1: subscriptions: admin_token: missing`}},
		{"short admin token", "[subscriptions]\nadmin_token = \"short\"\n",
			[]string{`p.toml:2: subscriptions: admin_token: too short: 5 characters`}},
		{"bad values", "[subscriptions]\nadmin_token = \"0123456789abcdef\"\nallow_cidrs = [\"10.0.0.0/33\"]\nmax_endpoints_per_app = 0\ndisable_after = \"soon\"\nlisten = \"9181\"\nsecret = \"x\"\n",
			[]string{
				`p.toml:3: subscriptions: allow_cidrs: element 0: want a CIDR range`,
				`p.toml:4: subscriptions: max_endpoints_per_app: must be at least 1`,
				`p.toml:5: subscriptions: disable_after: `,
				`p.toml:6: subscriptions: listen: want host:port`,
				`p.toml:7: subscriptions: secret: unknown key`,
			}},
		{"listen of the local API", "listen = \"127.0.0.1:9180\"\n[subscriptions]\nadmin_token = \"0123456789abcdef\"\nlisten = \"127.0.0.1:9180\"\n",
			[]string{`p.toml:4: subscriptions: listen: "127.0.0.1:9180" is the local API's listen`}},
		{"tls without key", "[subscriptions]\nadmin_token = \"0123456789abcdef\"\ntls = { cert_file = \"c.pem\" }\n",
			[]string{`p.toml:3: subscriptions: tls.key_file: missing`}},
		{"errors_to unknown", "[subscriptions]\nadmin_token = \"0123456789abcdef\"\nerrors_to = [\"pager\"]\n",
			[]string{`p.toml:3: subscriptions: errors_to: no target named "pager"`}},
		{"sharded", "shard = \"auto\"\nshards = 3\n[subscriptions]\nadmin_token = \"0123456789abcdef\"\n",
			[]string{`p.toml:3: subscriptions: runtime subscriptions need one shared registry of endpoints: they are refused in sharded mode`}},
		{"reserved target names", "[[target]]\nname = \"ep_1\"\nurl = \"https://a.example.com/\"\n[[target]]\nname = \"app_x\"\nurl = \"https://a.example.com/\"\n",
			[]string{
				`p.toml:2: target "ep_1": name: "ep_1": names starting with "ep_" are kept for the endpoints consumers register`,
				`p.toml:5: target "app_x": name: "app_x": names starting with "app_" are kept`,
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("p.toml", []byte(c.src+subsWatches), env(nil))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v, want Errors", err)
			}
			got := errs.Error()
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("errors:\n%s\nwant one with %q", got, w)
				}
			}
			if len(errs) != len(c.want) {
				t.Errorf("%d errors, want %d:\n%s", len(errs), len(c.want), got)
			}
		})
	}
}

// TestSelectShard_Subscriptions: a shard given by flag or environment is
// refused with [subscriptions] too, not only shard in the file.
func TestSelectShard_Subscriptions(t *testing.T) {
	cfg, err := Parse("p.toml", []byte("[subscriptions]\nadmin_token = \"0123456789abcdef\"\n"+subsWatches), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.SelectShard(ShardSources{Flag: "1/2"}); !errors.Is(err, ErrSubscriptionsSharded) {
		t.Errorf("SelectShard(1/2) = %v, want ErrSubscriptionsSharded", err)
	}
	if err := cfg.SelectShard(ShardSources{}); err != nil {
		t.Errorf("SelectShard() unsharded = %v", err)
	}
}
