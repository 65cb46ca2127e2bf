package ssrf_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/ssrf"
)

func TestCheck(t *testing.T) {
	loop := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	tests := []struct {
		ip     string
		allow  []netip.Prefix
		reason string // "" = allowed
	}{
		{"93.184.215.14", nil, ""},
		{"8.8.8.8", nil, ""},
		{"2606:4700::1111", nil, ""},
		{"127.0.0.1", nil, "127.0.0.1 is loopback"},
		{"127.0.0.1", loop, ""},
		{"127.255.0.9", loop, ""},
		{"10.1.2.3", loop, "10.1.2.3 is private"},
		{"172.16.0.1", nil, "private"},
		{"172.31.255.255", nil, "private"},
		{"172.32.0.1", nil, ""},
		{"192.168.1.1", nil, "private"},
		{"169.254.169.254", nil, "169.254.169.254 is link-local"},
		{"100.64.0.1", nil, "carrier-grade NAT"},
		{"100.127.255.255", nil, "carrier-grade NAT"},
		{"100.128.0.1", nil, ""},
		{"0.0.0.0", nil, "0.0.0.0 is unspecified"},
		{"0.1.2.3", nil, "reserved"},
		{"255.255.255.255", nil, "broadcast"},
		{"224.0.0.1", nil, "multicast"},
		{"239.255.255.250", nil, "multicast"},
		{"240.0.0.1", nil, "reserved"},
		{"192.0.0.8", nil, "reserved"},
		{"192.0.2.1", nil, "documentation"},
		{"198.18.0.1", nil, "benchmarking"},
		{"198.19.255.1", nil, "benchmarking"},
		{"198.51.100.7", nil, "documentation"},
		{"203.0.113.9", nil, "documentation"},
		{"::1", nil, "::1 is loopback"},
		{"::", nil, ":: is unspecified"},
		{"fc00::1", nil, "unique local"},
		{"fd12:3456::1", nil, "unique local"},
		{"fe80::1", nil, "link-local"},
		{"fe80::1%eth0", nil, "link-local"},
		{"ff02::1", nil, "multicast"},
		{"2001:db8::1", nil, "documentation"},
		{"::ffff:127.0.0.1", nil, "::ffff:127.0.0.1 is IPv4-mapped and embeds 127.0.0.1, which is loopback"},
		{"::ffff:127.0.0.1", loop, "loopback"}, // allow matches the address as written
		{"::ffff:169.254.169.254", nil, "link-local"},
		{"::ffff:8.8.8.8", nil, ""},
		{"::127.0.0.1", nil, "IPv4-compatible"},
		{"::8.8.8.8", nil, "IPv4-compatible"},
		{"64:ff9b::7f00:1", nil, "NAT64 and embeds 127.0.0.1, which is loopback"},
		{"64:ff9b::a9fe:a9fe", nil, "link-local"},
		{"64:ff9b::808:808", nil, ""},
		{"64:ff9b:1::808:808", nil, "local-use NAT64"},
		{"2002:7f00:1::1", nil, "6to4 and embeds 127.0.0.1, which is loopback"},
		{"2002:0a00:0001::1", nil, "private"},
		{"2002:0808:0808::1", nil, ""},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", nil, "Teredo"},
		{"100::1", nil, "discard"},
		{"3fff::1", nil, "documentation"},
		{"4000::1", nil, "not global unicast"},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			err := ssrf.Check(netip.MustParseAddr(tt.ip), tt.allow)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Check(%s) = %v, want allowed", tt.ip, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("Check(%s) = %v, want %q", tt.ip, err, tt.reason)
			}
			if !errors.Is(err, ssrf.ErrRefused) {
				t.Errorf("Check(%s) error does not wrap ErrRefused", tt.ip)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	r := ssrf.StaticResolver(map[string][]netip.Addr{
		"hooks.example.com": {netip.MustParseAddr("93.184.215.14")},
		"evil.example.com":  {netip.MustParseAddr("127.0.0.1")},
		"mixed.example.com": {netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("10.0.0.1")},
		"v6.example.com":    {netip.MustParseAddr("fe80::1")},
	})
	loop := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	tests := []struct {
		name      string
		url       string
		httpsOnly bool
		allow     []netip.Prefix
		want      string // "" = accepted
	}{
		{"public name", "https://hooks.example.com/in", true, nil, ""},
		{"public ip", "https://93.184.215.14/in", true, nil, ""},
		{"http refused", "http://hooks.example.com/in", true, nil, "https_only"},
		{"http allowed", "http://hooks.example.com/in", false, nil, ""},
		{"other scheme", "ftp://hooks.example.com/", false, nil, `scheme "ftp"`},
		{"userinfo", "https://user:pw@hooks.example.com/", true, nil, "user info"},
		{"userinfo name only", "https://user@hooks.example.com/", true, nil, "user info"},
		{"no host", "https:///x", true, nil, "missing a host"},
		{"loopback", "https://127.0.0.1:8443/", true, nil, "127.0.0.1 is loopback"},
		{"loopback allowed", "https://127.0.0.1:8443/", true, loop, ""},
		{"metadata", "http://169.254.169.254/latest/meta-data/", false, nil, "169.254.169.254 is link-local"},
		{"mapped", "https://[::ffff:127.0.0.1]/", true, nil, "IPv4-mapped"},
		{"v6 loopback", "https://[::1]:443/", true, nil, "loopback"},
		{"name to loopback", "https://evil.example.com/", true, nil, "evil.example.com resolves to 127.0.0.1 is loopback"},
		{"name to loopback allowed", "https://evil.example.com/", true, loop, ""},
		{"one bad address", "https://mixed.example.com/", true, nil, "10.0.0.1 is private"},
		{"name to v6 link-local", "https://v6.example.com/", true, nil, "link-local"},
		{"short ipv4", "https://127.1/", true, nil, "not a canonical IP address"},
		{"decimal ipv4", "https://2130706433/", true, nil, "not a canonical IP address"},
		{"hex ipv4", "https://0x7f.0.0.1/", true, nil, "not a canonical IP address"},
		{"unknown name", "https://nowhere.example.com/", true, nil, "resolve nowhere.example.com"},
		{"unparsable", "https://[::1/", true, nil, "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ssrf.CheckURL(context.Background(), r, tt.url, tt.httpsOnly, tt.allow)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckURL(%s) = %v, want accepted", tt.url, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CheckURL(%s) = %v, want %q", tt.url, err, tt.want)
			}
		})
	}
}

// A name that passed at creation but resolves to loopback when the
// connection is made is refused at dial time: DNS can change.
func TestNewClient_RefusesAtDial(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]

	c := ssrf.New(ssrf.Options{Timeout: 10 * time.Second, Resolver: ssrf.StaticResolver(map[string][]netip.Addr{
		"rebind.example.com": {netip.MustParseAddr("127.0.0.1")},
	})})
	for _, u := range []string{srv.URL, "http://rebind.example.com:" + port + "/", "http://[::ffff:127.0.0.1]:" + port + "/"} {
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("GET %s succeeded, want refused at dial", u)
		}
		if !errors.Is(err, ssrf.ErrRefused) || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("GET %s: %v, want a loopback refusal", u, err)
		}
	}
	if hits != 0 {
		t.Fatalf("server saw %d requests", hits)
	}

	// allow_cidrs opens the range on purpose.
	ok := ssrf.New(ssrf.Options{
		Allow:   func() []netip.Prefix { return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} },
		Timeout: 10 * time.Second,
		Resolver: ssrf.StaticResolver(map[string][]netip.Addr{
			"rebind.example.com": {netip.MustParseAddr("127.0.0.1")},
		}),
	})
	resp, err := ok.Get("http://rebind.example.com:" + port + "/")
	if err != nil {
		t.Fatalf("allowed GET: %v", err)
	}
	resp.Body.Close()
	if hits != 1 {
		t.Fatalf("server saw %d requests, want 1", hits)
	}
}

func TestNewClient_NoRedirectsNoProxy(t *testing.T) {
	var final bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/final" {
			final = true
			return
		}
		http.Redirect(w, r, "/final", http.StatusFound)
	}))
	defer srv.Close()
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	c := ssrf.NewClient([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, 10*time.Second)
	resp, err := c.Get(srv.URL + "/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || final {
		t.Fatalf("status %d, followed %v: want the 302 as the answer", resp.StatusCode, final)
	}
	if tr := c.Transport.(*http.Transport); tr.Proxy != nil {
		req := &http.Request{URL: &url.URL{Scheme: "http", Host: "x"}}
		if p, _ := tr.Proxy(req); p != nil {
			t.Fatalf("proxy %v used", p)
		}
	}
}

// TestCheckURL_HostsFile: a name the hosts file maps to 127.0.0.1, which
// Go's resolver answers IPv4-mapped (::ffff:127.0.0.1), is judged as the
// IPv4 address it dials: refused, or allowed by 127.0.0.0/8.
func TestCheckURL_HostsFile(t *testing.T) {
	ctx := context.Background()
	loop := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	if err := ssrf.CheckURL(ctx, nil, "https://localhost/", true, loop); err != nil {
		t.Errorf("localhost with 127.0.0.0/8 and ::1 allowed: %v", err)
	}
	if err := ssrf.CheckURL(ctx, nil, "https://localhost/", true, nil); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("localhost without allow_cidrs: %v, want loopback refused", err)
	}
}
