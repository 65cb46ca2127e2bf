// Package ssrf keeps consumer-registered webhook endpoints from reaching
// what only pollhook's host can reach: loopback, private networks, the
// cloud metadata service and every other address that is not public
// unicast. URLs are checked when an endpoint is created or changed (so the
// consumer gets the reason at once) and every connection is checked again
// at dial time, on the address actually dialed, because a name may resolve
// elsewhere later.
//
// Addresses that embed an IPv4 address are judged by the embedded one when
// the embedding is fixed and translatable: IPv4-mapped (::ffff:0:0/96),
// NAT64 well-known prefix (64:ff9b::/96) and 6to4 (2002::/16). Forms whose
// embedding is deprecated, local or obfuscated are refused outright:
// IPv4-compatible (::/96), local-use NAT64 (64:ff9b:1::/48) and Teredo
// (2001::/32).
//
// An allowed prefix (allow_cidrs) opens a range on purpose; it matches the
// address as written or dialed, not an embedded one, so allowing
// 127.0.0.0/8 does not allow ::ffff:127.0.0.1.
package ssrf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/pollhook/pollhook/internal/httpclient"
)

// ErrRefused is what every refusal wraps.
var ErrRefused = errors.New("refused")

// Error is a refusal of one address or URL, with the reason.
type Error struct {
	// Subject is the address or host refused.
	Subject string
	// Reason completes "Subject is ...", e.g. "link-local".
	Reason string
}

// Error says what was refused and why: "169.254.169.254 is link-local".
func (e *Error) Error() string { return e.Subject + " is " + e.Reason }

// Unwrap makes errors.Is(err, ErrRefused) true.
func (e *Error) Unwrap() error { return ErrRefused }

type blocked struct {
	p      netip.Prefix
	reason string
}

// blockedRanges are the non-public ranges, most specific first where they
// nest (broadcast inside 240/4).
var blockedRanges = func() []blocked {
	list := []struct{ cidr, reason string }{
		{"255.255.255.255/32", "the broadcast address"},
		{"0.0.0.0/32", "unspecified"},
		{"0.0.0.0/8", "reserved (this network)"},
		{"10.0.0.0/8", "private"},
		{"100.64.0.0/10", "carrier-grade NAT (shared address space)"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "reserved (IETF protocol assignments)"},
		{"192.0.2.0/24", "reserved for documentation"},
		{"192.88.99.0/24", "reserved (6to4 relay anycast)"},
		{"192.168.0.0/16", "private"},
		{"198.18.0.0/15", "reserved for benchmarking"},
		{"198.51.100.0/24", "reserved for documentation"},
		{"203.0.113.0/24", "reserved for documentation"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved"},
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::/96", "IPv4-compatible (deprecated)"},
		{"64:ff9b:1::/48", "local-use NAT64"},
		{"100::/64", "reserved (discard-only)"},
		{"2001::/32", "Teredo"},
		{"2001:2::/48", "reserved for benchmarking"},
		{"2001:10::/28", "reserved (ORCHID)"},
		{"2001:20::/28", "reserved (ORCHIDv2)"},
		{"2001:db8::/32", "reserved for documentation"},
		{"3fff::/20", "reserved for documentation"},
		{"5f00::/16", "reserved (SRv6 SIDs)"},
		{"fc00::/7", "private (unique local)"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local (deprecated)"},
		{"ff00::/8", "multicast"},
	}
	out := make([]blocked, len(list))
	for i, b := range list {
		out[i] = blocked{netip.MustParsePrefix(b.cidr), b.reason}
	}
	return out
}()

var (
	mapped   = netip.MustParsePrefix("::ffff:0:0/96")
	nat64    = netip.MustParsePrefix("64:ff9b::/96")
	sixToF   = netip.MustParsePrefix("2002::/16")
	global6  = netip.MustParsePrefix("2000::/3")
	embedded = []struct {
		p    netip.Prefix
		name string
		at   int // byte offset of the IPv4 address
	}{
		{mapped, "IPv4-mapped", 12},
		{nat64, "NAT64", 12},
		{sixToF, "6to4", 2},
	}
)

// Check refuses ip unless it is public unicast or inside one of allow. The
// error is an *Error naming the reason.
func Check(ip netip.Addr, allow []netip.Prefix) error {
	if !ip.IsValid() {
		return &Error{Subject: "the address", Reason: "invalid"}
	}
	ip = ip.WithZone("")
	for _, p := range allow {
		if p.Contains(ip) {
			return nil
		}
	}
	return check(ip, ip.String())
}

func check(ip netip.Addr, subject string) error {
	for _, e := range embedded {
		if !e.p.Contains(ip) {
			continue
		}
		b := ip.As16()
		v4 := netip.AddrFrom4([4]byte(b[e.at : e.at+4]))
		if err := check(v4, v4.String()); err != nil {
			var r *Error
			errors.As(err, &r)
			return &Error{Subject: subject, Reason: fmt.Sprintf("%s and embeds %s, which is %s", e.name, v4, r.Reason)}
		}
		return nil
	}
	for _, b := range blockedRanges {
		if b.p.Contains(ip) {
			return &Error{Subject: subject, Reason: b.reason}
		}
	}
	if ip.Is6() && !global6.Contains(ip) {
		return &Error{Subject: subject, Reason: "not global unicast"}
	}
	return nil
}

// CheckURL refuses a consumer endpoint URL: a scheme other than https (or
// http when httpsOnly is false), user info, a missing host, a host that
// only a lax parser would read as an IP address ("127.1", "0x7f.0.0.1"),
// and a host that is or resolves to an address Check refuses (every
// address it resolves to must pass). r nil is net.DefaultResolver.
func CheckURL(ctx context.Context, r *net.Resolver, raw string, httpsOnly bool, allow []netip.Prefix) error {
	u, err := url.Parse(raw)
	if err != nil {
		// Its Op and URL say "parse <url>": the caller names the key.
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("not a URL: %w", ue.Err)
		}
		return fmt.Errorf("not a URL: %w", err)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if httpsOnly {
			return &Error{Subject: "http://", Reason: "not allowed (https_only): use https://"}
		}
	default:
		return &Error{Subject: fmt.Sprintf("scheme %q", u.Scheme), Reason: "not allowed: use https://"}
	}
	if u.User != nil {
		return &Error{Subject: "user info in the URL", Reason: "not allowed"}
	}
	host := u.Hostname()
	if host == "" {
		return &Error{Subject: "the URL", Reason: "missing a host"}
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return Check(ip, allow)
	}
	if numericLike(host) {
		return &Error{Subject: host, Reason: "not a canonical IP address or a host name"}
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, ip := range ips {
		// A resolver may answer an IPv4 address in its IPv4-mapped form;
		// the connection goes to the IPv4 address, and so is checked.
		if err := Check(ip.Unmap(), allow); err != nil {
			return fmt.Errorf("%s resolves to %w", host, err)
		}
	}
	return nil
}

// numericLike reports a host whose last label is a number (decimal, octal
// or hex): no DNS name ends so, but C resolvers read "127.1" or
// "2130706433" as IPv4 addresses.
func numericLike(host string) bool {
	last := strings.TrimSuffix(strings.ToLower(host), ".")
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		last = last[i+1:]
	}
	if last == "" {
		return false
	}
	digits := strings.TrimPrefix(last, "0x")
	hex := digits != last
	for _, c := range digits {
		switch {
		case c >= '0' && c <= '9':
		case hex && c >= 'a' && c <= 'f':
		default:
			return false
		}
	}
	return true
}

// Control is a net.Dialer Control function refusing connections to an
// address Check refuses with the prefixes allow returns (read at every
// dial, so a reload applies; nil: none); it sees the address actually
// dialed, after DNS.
func Control(allow func() []netip.Prefix) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("dial %s: %w", address, &Error{Subject: address, Reason: "not an IP address and port"})
		}
		var prefixes []netip.Prefix
		if allow != nil {
			prefixes = allow()
		}
		if err := Check(ap.Addr(), prefixes); err != nil {
			return fmt.Errorf("dial %s: %w", address, err)
		}
		return nil
	}
}

// NewClient returns the client for consumer endpoints: every dial checked
// (Control), redirects never followed (a 3xx is the answer), no proxy from
// the environment (a proxy would dial for us, unchecked), timeout bounding
// each request (0: none, the caller's context bounds it).
func NewClient(allow []netip.Prefix, timeout time.Duration) *http.Client {
	return New(Options{Allow: func() []netip.Prefix { return allow }, Timeout: timeout})
}

// Options configure a guarded client (New).
type Options struct {
	// Allow returns the prefixes opened on purpose (allow_cidrs), read
	// at every dial; nil: none.
	Allow func() []netip.Prefix
	// Timeout bounds each request; 0: none.
	Timeout time.Duration
	// Resolver resolves names; nil: the system's. Tests give one that
	// answers what they need (StaticResolver).
	Resolver *net.Resolver
	// MaxIdleConnsPerHost sizes the pool of kept-alive connections per
	// host; 0 is net/http's default (2).
	MaxIdleConnsPerHost int
}

// New is NewClient with all its options.
func New(o Options) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Resolver: o.Resolver, Control: Control(o.Allow)}
	return httpclient.New(httpclient.Options{
		NoRedirects: true, NoProxy: true, Timeout: o.Timeout, DialContext: d.DialContext,
		MaxIdleConnsPerHost: o.MaxIdleConnsPerHost,
	})
}
