package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Subscriptions is the [subscriptions] section: the API on which
// consumers register their own webhook endpoints at runtime. Unlike
// [[target]], what they register is not trusted (see docs/subscriptions.md).
type Subscriptions struct {
	// Listen is the address of the subscription API, its own listener.
	Listen string
	// TLS, when set, is the certificate it serves; without it a proxy
	// must terminate TLS in front of it.
	TLS *TLSFiles
	// AdminToken creates applications and their tokens.
	AdminToken string
	// AllowWatches are the watches consumers may subscribe to.
	AllowWatches []string
	// MaxEndpointsPerApp is the endpoint quota of one application.
	MaxEndpointsPerApp int
	// AllowCIDRs are receiver addresses allowed despite the SSRF guard.
	AllowCIDRs []netip.Prefix
	// HTTPSOnly refuses http:// endpoint URLs.
	HTTPSOnly bool
	// DisableAfter disables an endpoint whose deliveries have failed,
	// without a success, for this long.
	DisableAfter time.Duration
	// Origin is the WebHook-Request-Origin of the validation handshake.
	Origin string
	// ErrorsTo are the targets told when an endpoint is disabled.
	ErrorsTo []string
	// MaxBody bounds an API request's body.
	MaxBody int64
}

// TLSFiles is a certificate and its key, as resolved paths.
type TLSFiles struct {
	CertFile, KeyFile string
}

// Defaults of [subscriptions].
const (
	DefaultSubsListen          = "127.0.0.1:9181"
	DefaultMaxEndpointsPerApp  = 10
	DefaultDisableAfter        = 120 * time.Hour
	DefaultSubsMaxBody         = 64 << 10
	DefaultSubscriptionsOrigin = "pollhook"
)

// maxSubsMaxBody bounds [subscriptions] max_body.
const maxSubsMaxBody = 16 << 20

// Reserved prefixes of endpoint and application ids: no [[target]] may be
// named with them, so that an endpoint id never names an operator target.
var reservedTargetPrefixes = []string{"ep_", "app_"}

// subscriptions reads the [subscriptions] table; nil when it is absent or
// enabled = false. Checks that need the watches and targets run in
// checkSubscriptions.
func (r *reader) subscriptions(top *section, cfg *Config) {
	s := top.table("subscriptions")
	if s == nil {
		return
	}
	s.label, s.prefix = "subscriptions", ""
	enabled := true
	s.boolean("enabled", &enabled)
	sub := &Subscriptions{Listen: DefaultSubsListen, MaxEndpointsPerApp: DefaultMaxEndpointsPerApp,
		HTTPSOnly: true, DisableAfter: DefaultDisableAfter, MaxBody: DefaultSubsMaxBody}
	if s.str("listen", &sub.Listen) {
		host, port, err := net.SplitHostPort(sub.Listen)
		switch {
		case err != nil || port == "":
			s.errorf("listen", "want host:port such as \"0.0.0.0:9181\", got %q", sub.Listen)
		case sub.Listen == cfg.Listen:
			s.errorf("listen", "%q is the local API's listen: the subscription API needs its own", sub.Listen)
		case host != "" && net.ParseIP(host) == nil && !strings.EqualFold(host, "localhost"):
			// A name: the origin the handshake sends, unless origin says.
			sub.Origin = host
		}
	}
	if t := s.table("tls"); t != nil {
		f := &TLSFiles{}
		t.str("cert_file", &f.CertFile)
		t.str("key_file", &f.KeyFile)
		switch {
		case f.CertFile == "" && f.KeyFile == "":
			t.errorf("cert_file", "missing (tls needs cert_file and key_file)")
		case f.CertFile == "":
			t.errorf("cert_file", "missing: key_file is set without it")
		case f.KeyFile == "":
			t.errorf("key_file", "missing: cert_file is set without it")
		default:
			f.CertFile, f.KeyFile = r.path(f.CertFile), r.path(f.KeyFile)
			if _, err := loadKeyPair(f.CertFile, f.KeyFile); err != nil {
				t.errorf("cert_file", "load certificate: %v", err)
			}
			sub.TLS = f
		}
		t.finish()
	}
	if s.str("admin_token", &sub.AdminToken) && len(sub.AdminToken) < 16 {
		s.errorf("admin_token", "too short: %d characters, want at least 16 (e.g. $(head -c 24 /dev/urandom | base64))", len(sub.AdminToken))
	} else if !s.has("admin_token") && enabled {
		s.errorf("admin_token", "missing (it creates the applications and their tokens)")
	}
	s.strings("allow_watches", false, &sub.AllowWatches)
	s.integer("max_endpoints_per_app", 1, &sub.MaxEndpointsPerApp)
	var cidrs []string
	if s.strings("allow_cidrs", false, &cidrs) {
		for i, c := range cidrs {
			p, err := netip.ParsePrefix(c)
			if err != nil {
				s.errorf("allow_cidrs", "element %d: want a CIDR range such as \"10.0.0.0/8\", got %q", i, c)
				continue
			}
			sub.AllowCIDRs = append(sub.AllowCIDRs, p.Masked())
		}
	}
	s.boolean("https_only", &sub.HTTPSOnly)
	s.duration("disable_after", &sub.DisableAfter)
	if s.str("origin", &sub.Origin) && (sub.Origin == "" || strings.ContainsAny(sub.Origin, " \t\r\n,")) {
		s.errorf("origin", "want a host name such as \"hooks.example.com\", got %q", sub.Origin)
	}
	if sub.Origin == "" {
		sub.Origin = DefaultSubscriptionsOrigin
	}
	s.strings("errors_to", false, &sub.ErrorsTo)
	s.size("max_body", maxSubsMaxBody, &sub.MaxBody)
	s.finish()
	if enabled {
		cfg.Subscriptions = sub
	}
}

// checkSubscriptions checks what [subscriptions] names: its watches and
// targets, and that it is not sharded; and returns the names of the
// watches consumers may subscribe to.
func (r *reader) checkSubscriptions(cfg *Config, watches []watchRef, def pollDefaults) map[string]bool {
	sub := cfg.Subscriptions
	if sub == nil {
		return nil
	}
	s := r.section(nil, "subscriptions", "subscriptions")
	var allowed map[string]bool
	if len(sub.AllowWatches) > 0 {
		known := make(map[string]bool, len(watches))
		for _, w := range watches {
			known[w.name] = true
		}
		allowed = map[string]bool{}
		for _, n := range sub.AllowWatches {
			if !known[n] {
				s.errorf("allow_watches", "no watch named %q", n)
				continue
			}
			allowed[n] = true
		}
	}
	if sub.ErrorsTo == nil {
		sub.ErrorsTo = def.errorsTo
	}
	for _, n := range sub.ErrorsTo {
		if cfg.Target(n) == nil {
			s.errorf("errors_to", "no target named %q", n)
		}
	}
	if sh := cfg.Sharding; sh.Shard != "" || sh.Shards > 1 {
		s.errorf("", "%v", ErrSubscriptionsSharded)
	}
	return allowed
}

// ErrSubscriptionsSharded is why [subscriptions] and sharding do not go
// together: every pod would keep its own registry of endpoints.
var ErrSubscriptionsSharded = errors.New("runtime subscriptions need one shared registry of endpoints: they are refused in sharded mode (remove [subscriptions], or shard and shards)")

// reservedTargetName reports why a [[target]] may not have name, or "".
func reservedTargetName(name string) string {
	for _, p := range reservedTargetPrefixes {
		if strings.HasPrefix(name, p) {
			return fmt.Sprintf("names starting with %q are kept for the endpoints consumers register", p)
		}
	}
	return ""
}
