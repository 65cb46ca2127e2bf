package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
)

// testCert writes a self-signed certificate and its key as PEM files in
// dir and returns their names.
func testCert(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	testkit.WriteTestCert(t, cert, key)
	return cert, key
}

func TestParse_Polling(t *testing.T) {
	dir := t.TempDir()
	testCert(t, dir)
	src := `max_per_host = 2
max_concurrent = 10

[defaults]
jitter = "30s"
alert_after = 5
errors_to = ["ops"]

[[target]]
name = "hook"
url = "https://example.com/h"

[[target]]
name = "ops"
url = "https://example.com/ops"

[[watch]]
name = "rest"
url = "https://api.example.com/v1/items?state=open&per_page=5"
bearer = "${TOKEN}"
query = { per_page = "100", q = "a b" }
paginate = { link_header = true, max_pages = 3 }
ca_file = "cert.pem"
client_cert = "cert.pem"
client_key = "key.pem"
notify = ["hook"]

[[watch]]
name = "gql"
url = "https://api.example.com/graphql"
basic = { username = "bob", password = "${file:` + filepath.Join(dir, "pw") + `}" }
graphql = '''
query($n: Int!) { items(first: $n) { id } }
'''
variables = { n = 10, tags = ["x"], nested = { on = true, at = 1979-05-27T07:32:00Z } }
jitter = "0s"
alert_after = 1
errors_to = []

[[watch]]
name = "table-form"
url = "https://api.example.com/c"
insecure_skip_verify = true
conditional = false

[watch.paginate]
cursor = "meta.next"
param = "after"
`
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(filepath.Join(dir, "p.toml"), []byte(src), env(map[string]string{"TOKEN": "tok"}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if cfg.MaxPerHost != 2 || cfg.MaxConcurrent != 10 {
		t.Errorf("limits = %d/%d", cfg.MaxPerHost, cfg.MaxConcurrent)
	}

	rest := cfg.Watch("rest")
	// A paginated watch is not conditional unless it says so.
	if rest.Bearer != "tok" || rest.Jitter != 30*time.Second || rest.AlertAfter != 5 || rest.Conditional {
		t.Errorf("rest = bearer %q jitter %v alert_after %d conditional %v", rest.Bearer, rest.Jitter, rest.AlertAfter, rest.Conditional)
	}
	if got := rest.AlertTargets(); len(got) != 1 || got[0] != "ops" {
		t.Errorf("rest alert targets = %v, want errors_to from defaults", got)
	}
	if rest.RequestURL != "https://api.example.com/v1/items?per_page=100&q=a+b&state=open" {
		t.Errorf("RequestURL = %q", rest.RequestURL)
	}
	if rest.URL != "https://api.example.com/v1/items?state=open&per_page=5" {
		t.Errorf("URL = %q, want it as written", rest.URL)
	}
	if pg := rest.Paginate; pg == nil || !pg.LinkHeader || pg.MaxPages != 3 {
		t.Errorf("paginate = %+v", pg)
	}
	if rest.TLS == nil || rest.TLS.Config == nil || rest.TLS.Config.RootCAs == nil || len(rest.TLS.Config.Certificates) != 1 ||
		rest.TLS.CAFile != filepath.Join(dir, "cert.pem") {
		t.Errorf("TLS = %+v", rest.TLS)
	}

	gql := cfg.Watch("gql")
	if gql.Basic == nil || gql.Basic.Username != "bob" || gql.Basic.Password != "hunter2" {
		t.Errorf("basic = %+v", gql.Basic)
	}
	if gql.Method != "POST" || gql.ContentType != "application/json" {
		t.Errorf("graphql request = %s %s", gql.Method, gql.ContentType)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(gql.Body), &body); err != nil {
		t.Fatalf("graphql body %q: %v", gql.Body, err)
	}
	vars, _ := json.Marshal(body["variables"])
	if !strings.Contains(body["query"].(string), "items(first: $n)") ||
		string(vars) != `{"n":10,"nested":{"at":"1979-05-27T07:32:00Z","on":true},"tags":["x"]}` {
		t.Errorf("graphql body = %s", gql.Body)
	}
	if gql.Jitter != 0 || gql.AlertAfter != 1 || gql.AlertTargets() == nil || len(gql.AlertTargets()) != 0 {
		t.Errorf("gql jitter %v alert_after %d targets %#v", gql.Jitter, gql.AlertAfter, gql.AlertTargets())
	}
	if gql.TLS != nil || gql.Paginate != nil {
		t.Errorf("gql has TLS %+v paginate %+v", gql.TLS, gql.Paginate)
	}

	tf := cfg.Watch("table-form")
	if pg := tf.Paginate; pg == nil || pg.Cursor != "meta.next" || pg.Param != "after" || pg.MaxPages != DefaultMaxPages {
		t.Errorf("[watch.paginate] = %+v", pg)
	}
	if tf.TLS == nil || !tf.TLS.Config.InsecureSkipVerify || tf.Conditional {
		t.Errorf("table-form TLS %+v conditional %v", tf.TLS, tf.Conditional)
	}
}

func TestParse_PollingDefaults(t *testing.T) {
	cfg, err := Parse("c.toml", []byte("[[target]]\nname = \"h\"\nurl = \"https://x.example/\"\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\nnotify = [\"h\"]\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.Watches[0]
	if cfg.MaxPerHost != DefaultMaxPerHost || cfg.MaxConcurrent != DefaultMaxConcurrent {
		t.Errorf("limits = %d/%d", cfg.MaxPerHost, cfg.MaxConcurrent)
	}
	if w.AlertAfter != 3 || w.Jitter != 0 || !w.Conditional || w.RequestURL != w.URL || w.TLS != nil || w.Paginate != nil {
		t.Errorf("watch = %+v", w)
	}
	if got := w.AlertTargets(); len(got) != 1 || got[0] != "h" {
		t.Errorf("alert targets = %v, want notify", got)
	}
}

func TestParse_PollingErrors(t *testing.T) {
	dir := t.TempDir()
	cert, key := testCert(t, dir)
	notPEM := filepath.Join(dir, "not.pem")
	_ = os.WriteFile(notPEM, []byte("hello"), 0o600)
	const head = "[[target]]\nname = \"hook\"\nurl = \"https://example.com/h\"\n\n[[watch]]\nname = \"a\"\nurl = \"https://x.example/\"\n"
	// Line 8 is the first line after head.
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"bearer and basic", head + "bearer = \"t\"\nbasic = { username = \"u\", password = \"p\" }\n", []string{`c.toml:9: watch "a": basic: bearer and basic both set`}},
		{"bearer and Authorization header", head + "bearer = \"t\"\nheaders = { authorization = \"x\" }\n", []string{`c.toml:9: watch "a": headers.authorization: conflicts with bearer/basic`}},
		{"basic without username", head + "basic = { password = \"p\" }\n", []string{`c.toml:8: watch "a": basic.username: missing`}},
		{"basic unknown key", head + "basic = { username = \"u\", pass = \"p\" }\n", []string{`c.toml:8: watch "a": basic.pass: unknown key`}},
		{"graphql and body", head + "body = \"{}\"\ngraphql = \"{ a }\"\n", []string{`c.toml:9: watch "a": graphql: conflicts with body`}},
		{"graphql and GET", head + "method = \"GET\"\ngraphql = \"{ a }\"\n", []string{`c.toml:8: watch "a": method: graphql requests are POST, not GET`}},
		{"graphql and content_type", head + "graphql = \"{ a }\"\ncontent_type = \"application/graphql\"\n", []string{`c.toml:9: watch "a": content_type: conflicts with graphql`}},
		{"variables without graphql", head + "variables = { a = 1 }\n", []string{`c.toml:8: watch "a": variables: set without graphql`}},
		{"variables not a table", head + "graphql = \"{ a }\"\nvariables = [1]\n", []string{`c.toml:9: watch "a": variables: want a table, got an array`}},
		{"variables with an unset variable", head + "graphql = \"{ a }\"\nvariables = { a = \"${NOPE}\" }\n", []string{`c.toml:9: watch "a": variables: a: environment variable NOPE is not set`}},
		{"content_type without body", head + "content_type = \"text/plain\"\n", []string{`c.toml:8: watch "a": content_type: set without body`}},
		{"query not strings", head + "query = { per_page = 100 }\n", []string{`c.toml:8: watch "a": query.per_page: want a string, got an integer`}},
		{"paginate empty", head + "paginate = {}\n", []string{`c.toml:8: watch "a": paginate: want one of next, link_header = true, or cursor`}},
		{"paginate two ways", head + "paginate = { next = \"a\", link_header = true }\n", []string{`c.toml:8: watch "a": paginate.link_header: conflicts with next`}},
		{"cursor without param", head + "paginate = { cursor = \"meta.c\" }\n", []string{`c.toml:8: watch "a": paginate.param: missing`}},
		{"param without cursor", head + "paginate = { next = \"n\", param = \"p\" }\n", []string{`c.toml:8: watch "a": paginate.param: set without cursor`}},
		{"bad gjson path", head + "paginate = { next = \"links.#(\" }\n", []string{`c.toml:8: watch "a": paginate.next:`}},
		// Run on the answer before it is checked: a modifier such as
		// @dig reads by recursion, for minutes on 8 MB of "[".
		{"paginate next with a modifier", head + "paginate = { next = \"@dig:next\" }\n", []string{`c.toml:8: watch "a": paginate.next: modifiers (@...), pipes, multipaths and literals are not supported here`}},
		{"paginate cursor with a pipe", head + "paginate = { cursor = \"meta|c\", param = \"c\" }\n", []string{`c.toml:8: watch "a": paginate.cursor: modifiers`}},
		{"max_pages 0", head + "paginate = { link_header = true, max_pages = 0 }\n", []string{`c.toml:8: watch "a": paginate.max_pages: must be at least 1`}},
		{"paginate unknown key", head + "paginate = { link_header = true, maxpages = 3 }\n", []string{`c.toml:8: watch "a": paginate.maxpages: unknown key`}},
		{"paginate table form error", head + "\n[watch.paginate]\nlink_header = true\nnext = \"x\"\n", []string{`c.toml:10: watch "a": paginate.link_header: conflicts with next`}},
		{"client_cert without client_key", head + "client_cert = \"" + cert + "\"\n", []string{`c.toml:8: watch "a": client_cert: set without client_key`}},
		{"client_key without client_cert", head + "client_key = \"" + key + "\"\n", []string{`c.toml:8: watch "a": client_key: set without client_cert`}},
		{"client_key not a key", head + "client_cert = \"" + cert + "\"\nclient_key = \"" + notPEM + "\"\n", []string{`c.toml:8: watch "a": client_cert: load client certificate:`}},
		{"ca_file missing", head + "ca_file = \"nope.pem\"\n", []string{`c.toml:8: watch "a": ca_file:`, "nope.pem"}},
		{"ca_file not PEM", head + "ca_file = \"" + notPEM + "\"\n", []string{`c.toml:8: watch "a": ca_file: no PEM certificate in`}},
		{"insecure not a boolean", head + "insecure_skip_verify = \"yes\"\n", []string{`c.toml:8: watch "a": insecure_skip_verify: want true or false`}},
		{"errors_to unknown target", head + "errors_to = [\"ops\"]\n", []string{`c.toml:8: watch "a": errors_to: no target named "ops"`}},
		{"errors_to in defaults unknown", "[defaults]\nerrors_to = [\"ops\"]\n", []string{`c.toml:2: defaults: errors_to: no target named "ops"`}},
		{"alert_after 0", head + "alert_after = 0\n", []string{`c.toml:8: watch "a": alert_after: must be at least 1`}},
		{"jitter negative", "[defaults]\njitter = \"-5s\"\n", []string{`c.toml:2: defaults: jitter: must not be negative`}},
		{"jitter bad", head + "jitter = \"soon\"\n", []string{`c.toml:8: watch "a": jitter: bad duration "soon"`}},
		{"max_per_host 0", "max_per_host = 0\n", []string{`c.toml:1: max_per_host: must be at least 1`}},
		{"max_concurrent a string", "max_concurrent = \"8\"\n", []string{`c.toml:1: max_concurrent: want an integer`}},
		{"conditional not a boolean", head + "conditional = 1\n", []string{`c.toml:8: watch "a": conditional: want true or false`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(tt.src), env(nil))
			if err == nil {
				t.Fatal("Parse accepted the config")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestParse_URLErrorsHideQuery checks that a bad URL's query values (API
// tokens often travel there) stay out of configuration errors.
func TestParse_URLErrorsHideQuery(t *testing.T) {
	_, err := Parse("c.toml", []byte("[[watch]]\nname = \"a\"\nurl = \"ftp://u:pw@x.example/?token=s3cret\"\n"), env(nil))
	if err == nil || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "pw@") {
		t.Errorf("error = %v", err)
	}
}
