package testkit

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// MailpitVersion is the Mailpit the email tests run against, as
// .ci/run installs it: go install github.com/axllent/mailpit@MailpitVersion.
const MailpitVersion = "v1.33.1"

// MailpitBinary finds the mailpit command on PATH or in $(go env
// GOPATH)/bin, where go install puts it. Without one the test is skipped,
// unless CI is set: CI installs Mailpit, so there a missing one is a
// failure, not a reason to skip.
func MailpitBinary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, dir := range filepath.SplitList(strings.TrimSpace(string(out))) {
			p := filepath.Join(dir, "bin", "mailpit")
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				return p
			}
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no mailpit found on PATH or in $(go env GOPATH)/bin and CI is set: go install github.com/axllent/mailpit@" + MailpitVersion + " (.ci/run does)")
	}
	t.Skip("no mailpit found on PATH or in $(go env GOPATH)/bin: go install github.com/axllent/mailpit@" + MailpitVersion + " to run the email tests")
	return ""
}

// Mailpit is a Mailpit server the test started on loopback ports.
type Mailpit struct {
	// SMTP is its SMTP address (host:port); API is its HTTP root.
	SMTP string
	API  string
	// CA is the PEM file of the certificate its TLS presents (for
	// localhost and 127.0.0.1), when started with TLS or ImplicitTLS.
	CA string
}

// MailpitOptions shape a Mailpit.
type MailpitOptions struct {
	// TLS gives it a test certificate and requires STARTTLS;
	// ImplicitTLS gives it one and requires TLS from the first byte
	// (smtps://).
	TLS, ImplicitTLS bool
	// AuthFile, when set, is a password file (user:password lines) it
	// checks AUTH against; otherwise it accepts any AUTH, and none.
	AuthFile string
}

// StartMailpit starts Mailpit on free loopback ports, with chaos
// (SetChaos) enabled, and stops it when the test ends.
func StartMailpit(t testing.TB, o MailpitOptions) *Mailpit {
	t.Helper()
	bin := MailpitBinary(t)
	dir := t.TempDir()
	for try := 0; ; try++ {
		m := &Mailpit{SMTP: FreeAddr(t)}
		httpAddr := FreeAddr(t)
		m.API = "http://" + httpAddr
		args := []string{"--smtp", m.SMTP, "--listen", httpAddr, "--database", filepath.Join(dir, fmt.Sprintf("mailpit-%d.db", try)),
			"--disable-version-check", "--smtp-disable-rdns", "--enable-chaos", "--quiet"}
		if o.AuthFile != "" {
			args = append(args, "--smtp-auth-file", o.AuthFile)
		} else {
			args = append(args, "--smtp-auth-accept-any")
		}
		if o.TLS || o.ImplicitTLS {
			m.CA = filepath.Join(dir, "mailpit-cert.pem")
			key := filepath.Join(dir, "mailpit-key.pem")
			WriteTestCert(t, m.CA, key)
			args = append(args, "--smtp-tls-cert", m.CA, "--smtp-tls-key", key)
			if o.ImplicitTLS {
				args = append(args, "--smtp-require-tls")
			} else {
				args = append(args, "--smtp-require-starttls")
			}
		} else {
			args = append(args, "--smtp-auth-allow-insecure")
		}
		var out SyncBuffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("start mailpit: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() {
			_ = cmd.Process.Kill()
			<-exited
		}
		if m.ready(exited) {
			t.Cleanup(stop)
			return m
		}
		stop()
		if try == 2 { // a port taken between FreeAddr and the start, three times
			t.Fatalf("mailpit did not start:\n%s", out.String())
		}
	}
}

// ready waits for Mailpit's /readyz and its SMTP port, and reports false
// when it exited first or took more than 30 seconds.
func (m *Mailpit) ready(exited <-chan struct{}) bool {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get(m.API + "/readyz")
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			continue
		}
		if c, err := net.Dial("tcp", m.SMTP); err == nil {
			c.Close()
			return true
		}
	}
	return false
}

// MailpitAddress is an address as Mailpit's API gives it.
type MailpitAddress struct {
	Name, Address string
}

// MailpitMessage is a message as Mailpit's API gives it: the summary of
// /api/v1/messages, and the parts of /api/v1/message/{ID}.
type MailpitMessage struct {
	ID        string
	MessageID string
	From      *MailpitAddress
	To        []MailpitAddress
	Subject   string
	// Username is the user the client authenticated as, "" for none.
	Username string
	Text     string
	HTML     string
	Size     int
}

// Messages returns the messages Mailpit holds, newest first.
func (m *Mailpit) Messages(t testing.TB) []MailpitMessage {
	t.Helper()
	var list struct {
		Messages []MailpitMessage `json:"messages"`
	}
	m.get(t, "/api/v1/messages?limit=1000", &list)
	return list.Messages
}

// Count is how many messages Mailpit holds.
func (m *Mailpit) Count(t testing.TB) int {
	t.Helper()
	var list struct {
		Total int `json:"total"`
	}
	m.get(t, "/api/v1/messages?limit=1", &list)
	return list.Total
}

// Message returns one message with its text and HTML parts, the text's
// CRLF line ends as \n.
func (m *Mailpit) Message(t testing.TB, id string) MailpitMessage {
	t.Helper()
	var msg MailpitMessage
	m.get(t, "/api/v1/message/"+url.PathEscape(id), &msg)
	msg.Text = strings.ReplaceAll(msg.Text, "\r\n", "\n")
	return msg
}

// Headers returns one message's headers, decoded.
func (m *Mailpit) Headers(t testing.TB, id string) map[string][]string {
	t.Helper()
	var h map[string][]string
	m.get(t, "/api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h
}

// WaitMessages waits until Mailpit holds n messages and returns them,
// oldest first.
func (m *Mailpit) WaitMessages(t testing.TB, n int) []MailpitMessage {
	t.Helper()
	var got []MailpitMessage
	WaitUntil(t, 30*time.Second, fmt.Sprintf("%d messages in mailpit", n), func() bool {
		got = m.Messages(t)
		return len(got) >= n
	})
	for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
		got[i], got[j] = got[j], got[i]
	}
	return got
}

// SetChaos makes Mailpit answer RCPT TO with code, always (probability
// 100), or never (code 0).
func (m *Mailpit) SetChaos(t testing.TB, code int) {
	t.Helper()
	p := 0
	if code != 0 {
		p = 100
	} else {
		code = 451
	}
	m.call(t, http.MethodPut, "/api/v1/chaos", fmt.Sprintf(`{"Recipient":{"ErrorCode":%d,"Probability":%d}}`, code, p), nil)
}

func (m *Mailpit) get(t testing.TB, path string, v any) {
	t.Helper()
	m.call(t, http.MethodGet, path, "", v)
}

// call makes a request of Mailpit's API, with body as JSON when it is
// not "", and decodes the answer into v when v is not nil.
func (m *Mailpit) call(t testing.TB, method, path, body string, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, m.API+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, answer)
	}
	if v == nil {
		return
	}
	if err := json.Unmarshal(answer, v); err != nil {
		t.Fatalf("%s %s: %v in %s", method, path, err, answer)
	}
}

// WriteTestCert writes a self-signed certificate for localhost and
// 127.0.0.1, valid for a day, and its key, as PEM files.
func WriteTestCert(t testing.TB, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	var c, k bytes.Buffer
	_ = pem.Encode(&c, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	_ = pem.Encode(&k, &pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	WriteFile(t, certFile, c.String())
	WriteFile(t, keyFile, k.String())
}
