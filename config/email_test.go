package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// emailConfig is a configuration with one email target whose keys are
// extra, on the lines after line 3.
func emailConfig(extra string) string {
	return "[[target]]\nname = \"mail\"\nkind = \"email\"\n" + extra +
		"\n[[watch]]\nname = \"releases\"\nurl = \"https://api.example.com/r\"\nnotify = [\"mail\"]\n"
}

func TestParse_emailTarget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pass := filepath.Join(dir, "smtp-password")
	if err := os.WriteFile(pass, []byte("s3cr3t-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, keys string
		check      func(t *testing.T, tg *Target)
	}{
		{"STARTTLS with a secret from the environment", `smtp = "smtp://ops:${SMTP_PASSWORD}@mail.example.com"
from = "pollhook <pollhook@example.com>"
to = ["ops@example.com", "Dev Team <dev@example.com>"]`, func(t *testing.T, tg *Target) {
			e := tg.Email
			if e.Host != "mail.example.com" || e.Port != DefaultSMTPPort || e.ImplicitTLS || !e.StartTLS {
				t.Errorf("server = %+v, want mail.example.com:587 with STARTTLS", e)
			}
			if e.Username != "ops" || e.Password != "pa55word" || !e.AuthAllowed() {
				t.Errorf("credentials %q %q, auth allowed %t", e.Username, e.Password, e.AuthAllowed())
			}
			if e.From != `"pollhook" <pollhook@example.com>` || len(e.To) != 2 || e.To[1] != `"Dev Team" <dev@example.com>` {
				t.Errorf("from %q to %q", e.From, e.To)
			}
		}},
		{"implicit TLS with a secret file and a port", `smtp = "smtps://ops:${file:` + pass + `}@mail.example.com:2465"
from = "pollhook@example.com"
to = "ops@example.com"
tls = { insecure_skip_verify = true }
subject = "[pollhook] {{title .}}"`, func(t *testing.T, tg *Target) {
			e := tg.Email
			if !e.ImplicitTLS || e.StartTLS || e.Port != 2465 || e.Password != "s3cr3t-from-file" {
				t.Errorf("server = %+v, want smtps on 2465 with the file's password", e)
			}
			if e.From != "pollhook@example.com" || e.TLS == nil || !e.TLS.InsecureSkipVerify || len(e.To) != 1 || e.Subject == nil {
				t.Errorf("from %q, tls %+v, to %q, subject %v", e.From, e.TLS, e.To, e.Subject)
			}
		}},
		{"no TLS to a relay on this machine, with a password", `smtp = "smtp://u:p4ss@127.0.0.1:1025"
from = "pollhook@example.com"
to = ["ops@example.com"]
starttls = false`, func(t *testing.T, tg *Target) {
			if e := tg.Email; e.Secure() || !e.AuthAllowed() || e.Port != 1025 {
				t.Errorf("server = %+v, want plain SMTP with AUTH allowed on loopback", e)
			}
		}},
		{"no TLS and no password to another host", `smtp = "smtp://relay.internal:25"
from = "pollhook@example.com"
to = ["ops@example.com"]
starttls = false`, func(t *testing.T, tg *Target) {
			if e := tg.Email; e.Secure() || e.AuthAllowed() || e.Password != "" {
				t.Errorf("server = %+v, want plain SMTP, no AUTH", e)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse(filepath.Join(dir, "pollhook.toml"), []byte(emailConfig(tt.keys)), env(map[string]string{"SMTP_PASSWORD": "pa55word"}))
			if err != nil {
				t.Fatal(err)
			}
			tg := cfg.Target("mail")
			if tg.Kind != KindEmail || tg.Email == nil {
				t.Fatalf("kind %q email %v", tg.Kind, tg.Email)
			}
			tt.check(t, tg)
		})
	}
}

func TestParse_emailTargetErrors(t *testing.T) {
	t.Parallel()
	const ok = "from = \"pollhook@example.com\"\nto = [\"ops@example.com\"]\n"
	tests := []struct {
		name, keys string
		want       []string // each a whole problem, file:line included
	}{
		{"password without TLS to another host", "smtp = \"smtp://u:${SMTP_PASSWORD}@mail.example.com\"\nstarttls = false\n" + ok,
			[]string{`t.toml:4: target "mail": smtp: a password, but starttls = false: pollhook never sends credentials over a connection that is not TLS`}},
		{"bad recipient", "smtp = \"smtp://mail.example.com\"\nfrom = \"pollhook@example.com\"\nto = [\"ops@example.com\", \"not an address\"]\n",
			[]string{`t.toml:6: target "mail": to: element 1: bad address "not an address"`}},
		{"bad sender", "smtp = \"smtp://mail.example.com\"\nfrom = \"pollhook\"\nto = [\"ops@example.com\"]\n",
			[]string{`t.toml:5: target "mail": from: bad address "pollhook"`}},
		{"no recipient", "smtp = \"smtp://mail.example.com\"\nfrom = \"pollhook@example.com\"\nto = []\n",
			[]string{`t.toml:6: target "mail": to: empty list`}},
		{"http URL", "smtp = \"https://mail.example.com\"\n" + ok,
			[]string{`t.toml:4: target "mail": smtp: want smtp://HOST[:PORT] (STARTTLS) or smtps://HOST[:PORT] (TLS), got scheme "https"`}},
		{"a password that is not URL-encoded", "smtp = \"smtp://u:pa55word%zz@mail.example.com\"\n" + ok,
			[]string{`t.toml:4: target "mail": smtp: bad URL: the user and password must be URL-encoded`}},
		{"user without a password", "smtp = \"smtp://ops@mail.example.com\"\n" + ok,
			[]string{`t.toml:4: target "mail": smtp: a user without a password`}},
		{"a path", "smtp = \"smtp://mail.example.com:587/x?y=1\"\n" + ok,
			[]string{`t.toml:4: target "mail": smtp: want no path or query`}},
		{"bad port", "smtp = \"smtp://mail.example.com:0\"\n" + ok,
			[]string{`t.toml:4: target "mail": smtp: bad port "0"`}},
		{"starttls on smtps", "smtp = \"smtps://mail.example.com\"\nstarttls = true\n" + ok,
			[]string{`t.toml:5: target "mail": starttls: an smtps:// URL is TLS from the start`}},
		{"missing keys", "tls = { ca_file = \"nope.pem\", verify = true }\n",
			[]string{`t.toml:1: target "mail": smtp: missing (an email target needs smtp, from, to)`,
				`t.toml:4: target "mail": tls.ca_file: stat nope.pem: no such file`, `t.toml:4: target "mail": tls.verify: unknown key`}},
		{"a key of another kind, and headers", "smtp = \"smtp://mail.example.com\"\ntoken = \"x\"\nheaders = { X = \"y\" }\n" + ok,
			[]string{`t.toml:5: target "mail": token: not a key of email targets`, `t.toml:6: target "mail": headers: not a key of email targets`}},
		{"a content type mail cannot carry", "smtp = \"smtp://mail.example.com\"\ntemplate = \"{}\"\ncontent_type = \"application/json\"\n" + ok,
			[]string{`t.toml:6: target "mail": content_type: an email template writes text/plain or text/html, got "application/json"`}},
		{"bad subject template", "smtp = \"smtp://mail.example.com\"\nsubject = \"{{.Nope}}\"\n" + ok,
			[]string{`t.toml:5: target "mail": subject: cannot render`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("t.toml", []byte(emailConfig(tt.keys)), env(map[string]string{"SMTP_PASSWORD": "pa55word"}))
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("errors lack %q:\n%v", want, err)
				}
			}
			if strings.Contains(err.Error(), "pa55word") || strings.Contains(err.Error(), "%zz") {
				t.Errorf("an error shows the password:\n%v", err)
			}
		})
	}
}

func TestParse_smtpKeysOnOtherKinds(t *testing.T) {
	t.Parallel()
	src := "[[target]]\nname = \"hook\"\nurl = \"https://example.com/h\"\nsmtp = \"smtp://mail.example.com\"\nto = [\"a@example.com\"]\n"
	_, err := Parse("t.toml", []byte(src), env(nil))
	for _, want := range []string{`t.toml:4: target "hook": smtp: not a key of webhook targets`, `t.toml:5: target "hook": to: not a key of webhook targets`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q: %v", want, err)
		}
	}
}

func TestTarget_FingerprintOfEmail(t *testing.T) {
	t.Parallel()
	parse := func(keys string) string {
		cfg, err := Parse("t.toml", []byte(emailConfig(keys)), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		return cfg.Target("mail").Fingerprint()
	}
	base := parse("smtp = \"smtp://mail.example.com\"\nfrom = \"a@example.com\"\nto = [\"b@example.com\"]\n")
	for name, keys := range map[string]string{
		"another recipient": "smtp = \"smtp://mail.example.com\"\nfrom = \"a@example.com\"\nto = [\"c@example.com\"]\n",
		"another sender":    "smtp = \"smtp://mail.example.com\"\nfrom = \"c@example.com\"\nto = [\"b@example.com\"]\n",
		"a subject":         "smtp = \"smtp://mail.example.com\"\nfrom = \"a@example.com\"\nto = [\"b@example.com\"]\nsubject = \"x\"\n",
		"another server":    "smtp = \"smtps://mail.example.com\"\nfrom = \"a@example.com\"\nto = [\"b@example.com\"]\n",
	} {
		if parse(keys) == base {
			t.Errorf("%s: the fingerprint did not change", name)
		}
	}
}

// TestParse_emailPasswordWithoutTLS: a password may go without TLS only
// to this machine, decided by IsLoopback for the configuration and the
// sender alike: localhost in any case, and every IP address net.ParseIP
// reads as loopback; not names below localhost, nor 127.1, which only
// some resolvers read as an address.
func TestParse_emailPasswordWithoutTLS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host    string
		allowed bool
	}{
		{"localhost", true},
		{"LOCALHOST", true},
		{"LocalHost", true},
		{"127.0.0.1", true},
		{"127.0.0.2", true},
		{"127.255.255.254", true},
		{"[::1]", true},
		{"[::ffff:127.0.0.1]", true},
		{"127.1", false},
		{"mail.localhost", false},
		{"localhost.example.com", false},
		{"0.0.0.0", false},
		{"[::]", false},
		{"10.0.0.1", false},
		{"[::ffff:10.0.0.1]", false},
		{"mail.example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			t.Parallel()
			src := emailConfig("smtp = \"smtp://u:${SMTP_PASSWORD}@" + tt.host + ":1025\"\nstarttls = false\n" +
				"from = \"pollhook@example.com\"\nto = [\"ops@example.com\"]\n")
			cfg, err := Parse("t.toml", []byte(src), env(map[string]string{"SMTP_PASSWORD": "pa55word"}))
			if !tt.allowed {
				if err == nil || !strings.Contains(err.Error(), "a password, but starttls = false") {
					t.Errorf("allowed a password without TLS (error %v)", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if e := cfg.Targets[0].Email; !e.AuthAllowed() || !IsLoopback(e.Host) {
				t.Errorf("host %q: AuthAllowed %t", e.Host, e.AuthAllowed())
			}
		})
	}
}
