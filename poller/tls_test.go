package poller

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/testkit"
)

func writePEM(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// clientCert makes a self-signed client certificate and returns it and
// the paths of its PEM files.
func clientCert(t *testing.T) (*x509.Certificate, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pollhook-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return cert, writePEM(t, "client.pem", "CERTIFICATE", der), writePEM(t, "client-key.pem", "EC PRIVATE KEY", keyDER)
}

func TestPoll_TLS(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{}`)) })
	quiet := log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv := httptest.NewUnstartedServer(ok)
	srv.Config.ErrorLog = quiet
	srv.StartTLS()
	defer srv.Close()
	caFile := writePEM(t, "ca.pem", "CERTIFICATE", srv.Certificate().Raw)

	cert, certFile, keyFile := clientCert(t)
	mtls := httptest.NewUnstartedServer(ok)
	mtls.Config.ErrorLog = quiet
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	mtls.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	mtls.StartTLS()
	defer mtls.Close()

	tests := []struct {
		name  string
		url   string
		lines []string
		fail  string // in the error; "" for success
		warn  bool
	}{
		{"verification on by default", srv.URL, nil, "certificate", false},
		{"ca_file", srv.URL, []string{`ca_file = "` + caFile + `"`}, "", false},
		{"insecure_skip_verify", srv.URL, []string{`insecure_skip_verify = true`}, "", true},
		{"client certificate", mtls.URL, []string{`ca_file = "` + caFile + `"`, `client_cert = "` + certFile + `"`, `client_key = "` + keyFile + `"`}, "", false},
		{"no client certificate", mtls.URL, []string{`ca_file = "` + caFile + `"`}, "request", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := parseConfig(t, watchTables(1, tt.url, tt.lines...), nil).Watches[0]
			var logs testkit.SyncBuffer
			p := pollerWith(t, openStore(t), func(o *Options) {
				o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			// Run warns at start; stop it at once.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			p.Run(ctx, ctx, []*config.Watch{w})
			if got := strings.Contains(logs.String(), "insecure_skip_verify"); got != tt.warn {
				t.Errorf("warning logged = %v, want %v:\n%s", got, tt.warn, logs.String())
			}
			_, err := p.Poll(context.Background(), w, PollOptions{})
			switch {
			case tt.fail == "" && err != nil:
				t.Errorf("poll: %v", err)
			case tt.fail != "" && (err == nil || !strings.Contains(err.Error(), tt.fail)):
				t.Errorf("poll = %v, want an error about %q", err, tt.fail)
			}
		})
	}
}

func TestPoller_clientFor(t *testing.T) {
	t.Parallel()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	tlsSrv.Close()
	ca := writePEM(t, "ca.pem", "CERTIFICATE", tlsSrv.Certificate().Raw)
	cfg := parseConfig(t, watchTables(1, "https://a.example/")+`
[[watch]]
name = "x1"
url = "https://a.example/"
insecure_skip_verify = true

[[watch]]
name = "x2"
url = "https://b.example/"
insecure_skip_verify = true

[[watch]]
name = "x3"
url = "https://b.example/"
ca_file = "`+ca+`"
`, nil)
	p := New(Options{})
	plain, x1, x2, x3 := p.clientFor(cfg.Watch("w0")), p.clientFor(cfg.Watch("x1")), p.clientFor(cfg.Watch("x2")), p.clientFor(cfg.Watch("x3"))
	if plain != p.client || x1 == plain || x1 != x2 || x3 == x1 {
		t.Errorf("clients: plain %p x1 %p x2 %p x3 %p; want one per distinct TLS setting", plain, x1, x2, x3)
	}
	for _, c := range []*http.Client{plain, x1, x3} {
		tr, ok := c.Transport.(*http.Transport)
		if !ok || tr.Proxy == nil {
			t.Errorf("transport %T without proxies from the environment", c.Transport)
		}
	}
	if !x1.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify {
		t.Error("insecure transport verifies")
	}
}

// TestTLS_RenewedFileIsANewSetting checks that a certificate renewed at
// the same path changes the watch's fingerprint, so a reload restarts it
// with a client built from the new file.
func TestTLS_RenewedFileIsANewSetting(t *testing.T) {
	t.Parallel()
	certA, _, _ := clientCert(t)
	certB, _, _ := clientCert(t)
	path := filepath.Join(t.TempDir(), "ca.pem")
	fingerprint := func(c *x509.Certificate) string {
		t.Helper()
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		return parseConfig(t, watchTables(1, "https://api.example", `ca_file = "`+path+`"`), nil).Watches[0].Fingerprint()
	}
	a := fingerprint(certA)
	if again := fingerprint(certA); again != a {
		t.Fatal("the same file gave another fingerprint")
	}
	if b := fingerprint(certB); b == a {
		t.Error("a renewed CA file at the same path kept the watch's fingerprint")
	}
}
