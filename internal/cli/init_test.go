package cli

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/testkit"
)

// recordings is where the recorded API answers are, the project's one copy
// (testdata/api/README.md says where each comes from).
var recordings = filepath.Join("..", "..", "testdata", "api")

func readAPI(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(recordings, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// quietConfig writes a configuration that turns the local API off (tests
// must not depend on, or collide at, the default port) for init to append
// to, and returns its path.
func quietConfig(t *testing.T) string {
	t.Helper()
	return testkit.WriteFile(t, filepath.Join(t.TempDir(), "pollhook.toml"), "listen = \"\"\n")
}

// TestInit_recorded runs pollhook init on every recording, served by a
// test API, appends the watch to a configuration that check then passes,
// and polls it with once: the same data again is no change, and the later
// recording of the same endpoint, where there is one, reports its real
// changes.
func TestInit_recorded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, later string
		summary     []string // on stderr
		stanza      []string // on stdout
		// The elements the later recording added, removed and changed.
		added, removed, changed int
		// elements names them, by kind of change and key, when they
		// are few.
		elements string
	}{
		{file: "github_releases_github-hub_2019-10-03.json",
			summary: []string{"array of 30 objects at `.` keyed by `id` (unique in both fetches)",
				"`#.assets` keyed by `id`", "`#.assets.#.download_count` named like a counter → ignored"},
			stanza: []string{"\nkey = \"id\"", `keys = { "#.assets" = "id" }`, `label = "name"`, `link = "html_url"`,
				`"#.assets.#.download_count",  # a counter`}},
		{file: "github_issues_github-api-github-api_closed_page1_2019-10-04.json",
			later:   "github_issues_github-api-github-api_closed_page1_2020-01-10.json",
			summary: []string{"array of 30 objects at `.` keyed by `id`"},
			stanza:  []string{`label = "title"`, `"#.updated_at",`},
			// The whole window of 30 closed issues was replaced.
			added: 30, removed: 30},
		{file: "github_actions_runs_2021-03-25T093707Z.json", later: "github_actions_runs_2021-03-25T093821Z.json",
			summary: []string{"array of 20 objects at `workflow_runs` keyed by `id`"},
			stanza:  []string{`select = "workflow_runs"`, `link = "html_url"`},
			added:   2, removed: 2,
			elements: "added 686036126, 686038131; removed 676215901, 676231410"},
		{file: "statuspage_githubstatus_summary_2022-11-25.json",
			summary: []string{"array of 11 objects at `components` keyed by `id`"},
			stanza:  []string{`select = "components"`, `label = "name"`}},
		{file: "calfire_incidents_2021-09-06T1705Z.json", later: "calfire_incidents_2021-09-06T2321Z.json",
			summary: []string{"array of 18 objects at `Incidents` keyed by `UniqueId`", "`#.Updated` named like a last-changed time → ignored"},
			stanza:  []string{`select = "Incidents"`, `key = "UniqueId"`, `label = "Name"`},
			// Caballo Fire added; Lawrence Fire, Caldor Fire (its Updated
			// moved too, and its ConditionStatement) and Bridge Fire changed.
			added: 1, changed: 3,
			elements: "added 6a36efca-0cb1-465f-be4d-06b3e3b528c1; " +
				"changed 5ddee2f6-f32b-4664-a416-5cf4996290a5, a21c4d1f-87ed-4db1-85ea-eae41c90a0ac, ff71cd3b-2261-4248-92fa-f24733cfdcfe"},
		{file: "npm_registry_react_2018-10-25.json",
			summary: []string{"map of 160 objects at `versions`"},
			stanza:  []string{`select = "versions"`, `"*.maintainers" = "name"`}},
		{file: "pypi_json_pendulum_2018.json",
			summary: []string{"map of 47 arrays at `releases`"},
			stanza:  []string{`select = "releases"`, `keys = { "*" = "filename" }`, `"*.#.downloads",`}},
	}
	t.Run("every recording", func(t *testing.T) {
		t.Parallel()
		files, err := filepath.Glob(filepath.Join(recordings, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no recordings in %s: %v", recordings, err)
		}
		tested := map[string]bool{}
		for _, tt := range tests {
			tested[tt.file], tested[tt.later] = true, true
		}
		for _, f := range files {
			if !tested[filepath.Base(f)] {
				t.Errorf("%s is not tested", filepath.Base(f))
			}
		}
	})
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			t.Parallel()
			api := testkit.NewAPI(readAPI(t, tt.file))
			srv := httptest.NewServer(api)
			defer srv.Close()
			cfg := quietConfig(t)
			out, errOut, code := tryCLI(t, "init", srv.URL+"/v1/items", "--append", "--wait", "0s", "--config", cfg)
			if code != 0 {
				t.Fatalf("init: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if n := api.Count(); n != 2 {
				t.Errorf("init fetched %d times, want 2", n)
			}
			for _, want := range tt.summary {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			for _, want := range tt.stanza {
				if !strings.Contains(out, want) {
					t.Errorf("stanza lacks %q:\n%s", want, out)
				}
			}
			if !strings.HasSuffix(out, cfg+": ok (1 watch, 0 targets; 1 warning)\n") {
				t.Errorf("--append did not check the file:\n%s", out)
			}
			mustCLI(t, "check", "--config", cfg)

			if out, errOut, code := tryCLI(t, "once", "--config", cfg); code != 0 || out != "" || !strings.Contains(errOut, "items: baseline stored") {
				t.Fatalf("first once: exit %d, stdout %q\n%s", code, out, errOut)
			}
			if out, errOut, code := tryCLI(t, "once", "--config", cfg); code != 0 || out != "" || !strings.Contains(errOut, "items: no change") {
				t.Fatalf("once on the same data: exit %d, stdout %q\n%s", code, out, errOut)
			}
			if tt.later == "" {
				return
			}
			api.Set(readAPI(t, tt.later))
			out, errOut, code = tryCLI(t, "once", "--config", cfg)
			if code != 0 {
				t.Fatalf("once on the later data: exit %d\n%s", code, errOut)
			}
			var ev event.Event
			if err := json.Unmarshal([]byte(out), &ev); err != nil {
				t.Fatalf("once printed %q: %v\n%s", out, err, errOut)
			}
			elements := map[string]map[string]bool{}
			for _, c := range ev.Data.Changes {
				op := string(c.Op)
				if elements[op] == nil {
					elements[op] = map[string]bool{}
				}
				elements[op][c.Key] = true
			}
			if a, r, c := len(elements["added"]), len(elements["removed"]), len(elements["changed"]); a != tt.added || r != tt.removed || c != tt.changed {
				t.Errorf("elements %d added, %d removed, %d changed; want %d, %d, %d\n%s", a, r, c, tt.added, tt.removed, tt.changed, out)
			}
			if tt.elements == "" {
				return
			}
			var got []string
			for _, op := range []string{"added", "changed", "removed"} {
				if len(elements[op]) > 0 {
					got = append(got, op+" "+strings.Join(slices.Sorted(maps.Keys(elements[op])), ", "))
				}
			}
			if g := strings.Join(got, "; "); g != tt.elements {
				t.Errorf("elements: %s\nwant:     %s", g, tt.elements)
			}
		})
	}
}

// TestInit_appendCreates: --append to a file that does not exist creates
// it, mode 0600, with a commented [[target]] stub, and check passes it.
func TestInit_appendCreates(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(testkit.NewAPI(testkit.ReleasesV1))
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "pollhook.toml")
	out, errOut, code := tryCLI(t, "init", "--wait", "0s", srv.URL+"/api/v2/releases.json", "--config", cfg, "--append")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if want := fmt.Sprintf("created %s with watch \"releases\" (and a [[target]] to fill in)\n", cfg); !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
	if !strings.HasSuffix(out, cfg+": ok (1 watch, 0 targets; 1 warning)\n") {
		t.Errorf("stdout:\n%s", out)
	}
	src, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(cfg); fi.Mode().Perm() != 0o600 {
		t.Errorf("created with mode %v, want 0600 (a configuration holds secrets)", fi.Mode().Perm())
	}
	for _, want := range []string{"# [[target]]\n# name = \"hook\"\n", "[[watch]]\nname = \"releases\"\n", `select = "data.items"`, `# notify = ["hook"]`} {
		if !strings.Contains(string(src), want) {
			t.Errorf("the new file lacks %q:\n%s", want, src)
		}
	}
	if !strings.HasSuffix(out, string(src[strings.Index(string(src), "# Written by pollhook init"):])+cfg+": ok (1 watch, 0 targets; 1 warning)\n") {
		t.Errorf("the file holds another stanza than init printed:\n%s\nprinted:\n%s", src, out)
	}
	if entries, _ := os.ReadDir(filepath.Dir(cfg)); len(entries) != 1 {
		t.Errorf("%d files in the folder, want the configuration only", len(entries))
	}
	mustCLI(t, "check", "--config", cfg)
}

// TestInit_appendExisting: --append keeps what the file holds, byte for
// byte, and its mode; a second watch of the same URL gets a name of its
// own.
func TestInit_appendExisting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, before string
	}{
		{"ends with a newline", "listen = \"\"\n"},
		{"ends without one", "listen = \"\"  # off"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(testkit.NewAPI(testkit.ReleasesV1))
			defer srv.Close()
			cfg := testkit.WriteFile(t, filepath.Join(t.TempDir(), "pollhook.toml"), tt.before)
			if err := os.Chmod(cfg, 0o640); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"appended watch \"releases\" to ", "appended watch \"releases-2\" to "} {
				_, errOut := mustCLIErr(t, "init", srv.URL+"/releases", "--append", "--config", cfg, "--wait", "0s")
				if !strings.Contains(errOut, want+cfg) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			src, err := os.ReadFile(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(src), tt.before) {
				t.Errorf("what the file held is changed:\n%s", src)
			}
			if fi, _ := os.Stat(cfg); fi.Mode().Perm() != 0o640 {
				t.Errorf("mode %v, want 0640 as before", fi.Mode().Perm())
			}
			c, err := config.Load(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if names := []string{c.Watches[0].Name, c.Watches[1].Name}; !slices.Equal(names, []string{"releases", "releases-2"}) {
				t.Errorf("watches %q", names)
			}
		})
	}
}

// TestInit_appendRefuses: what --append cannot do leaves the file as it
// was, says why and where, and exits 1; what can be known before fetching
// is, and nothing is fetched.
func TestInit_appendRefuses(t *testing.T) {
	t.Parallel()
	const existing = "listen = \"\"\n\n[[watch]]\nname = \"releases\"\nurl = \"https://api.example/releases\"\n"
	tests := []struct {
		name, before string
		args         []string
		fetches      int
		want         []string // on stderr, with FILE for the file's path
	}{
		{name: "a taken name", before: existing, args: []string{"--name", "releases"},
			want: []string{`pollhook: a watch named "releases" already exists in FILE: choose another with --name`}},
		{name: "a file check refuses", before: existing + "schedul = \"@hourly\"\n", fetches: 2,
			want: []string{`pollhook: nothing written to FILE: with watch "releases-2" it would not pass check:`, `FILE:6: watch "releases": schedul: unknown key`}},
		{name: "not TOML", before: "[[watch]\n",
			want: []string{"pollhook: FILE:2: expected end of table array"}},
		{name: "a credential in no variable", before: existing, args: []string{"--header", "X-Api-Key=k3y"},
			want: []string{"--header X-Api-Key: a credential is not written into FILE, the watch reads it from ${RELEASES_2_X_API_KEY}, which is not set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := testkit.NewAPI(testkit.ReleasesV1)
			srv := httptest.NewServer(api)
			defer srv.Close()
			cfg := testkit.WriteFile(t, filepath.Join(t.TempDir(), "pollhook.toml"), tt.before)
			args := append([]string{"init", srv.URL + "/releases", "--append", "--config", cfg, "--wait", "0s"}, tt.args...)
			out, errOut, code := tryCLI(t, args...)
			if code != 1 {
				t.Errorf("exit %d, want 1\n%s", code, errOut)
			}
			for _, want := range tt.want {
				if want = strings.ReplaceAll(want, "FILE", cfg); !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if strings.Contains(out, ": ok (") {
				t.Errorf("stdout says the file is ok:\n%s", out)
			}
			if n := api.Count(); n != tt.fetches {
				t.Errorf("%d fetches, want %d", n, tt.fetches)
			}
			if after, _ := os.ReadFile(cfg); string(after) != tt.before {
				t.Errorf("the file changed:\n%s", after)
			}
			if entries, _ := os.ReadDir(filepath.Dir(cfg)); len(entries) != 1 {
				t.Errorf("%d files in the folder, want the configuration only", len(entries))
			}
		})
	}
}

// TestInit_flags: flags come before, between or after the URL, with the
// same result.
func TestInit_flags(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(testkit.NewAPI(testkit.ReleasesV1))
	defer srv.Close()
	u := srv.URL + "/releases"
	tests := []struct {
		name string
		args []string
	}{
		{"before", []string{"--name", "mine", "--wait=0s", "--header", "Accept=application/json", u}},
		{"after", []string{u, "--name", "mine", "--wait=0s", "--header", "Accept=application/json"}},
		{"around", []string{"--name", "mine", u, "--wait=0s", "--header", "Accept=application/json"}},
	}
	var want string
	for _, tt := range tests {
		out := mustCLI(t, append([]string{"init"}, tt.args...)...)
		if !strings.Contains(out, "name = \"mine\"\n") || !strings.Contains(out, `headers = { "Accept" = "application/json" }`) {
			t.Errorf("%s: the flags are not taken:\n%s", tt.name, out)
		}
		if want == "" {
			want = out
		} else if out != want {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.name, out, want)
		}
	}
}

// TestInit_text: an answer that is not JSON gives a text watch; a
// timestamp that moved between the two fetches is ignored.
func TestInit_text(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><title>Downloads</title>\n<p>Latest version: 1.4.2</p>\n<p>Generated 2024-05-01T10:00:%02dZ</p>\n</html>\n", n.Add(1))
	}))
	defer srv.Close()
	cfg := quietConfig(t)
	out, errOut, code := tryCLI(t, "init", srv.URL+"/downloads", "--wait", "10ms", "--append", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{`format = "text"`, `ignore = [`, `'\d{4}-\d{2}-\d{2}[T ]`, "# a date and time: changed between the two fetches"} {
		if !strings.Contains(out, want) {
			t.Errorf("stanza lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "not JSON: text") || !strings.Contains(errOut, "text of 4 lines") {
		t.Errorf("summary:\n%s", errOut)
	}
	mustCLI(t, "once", "--config", cfg)
	if out, errOut, _ := tryCLI(t, "once", "--config", cfg); out != "" || !strings.Contains(errOut, "downloads: no change") {
		t.Errorf("a moved timestamp is a change: %s\n%s", out, errOut)
	}
}

// TestInit_twoFetches: what moved between the fetches is ignored, with a
// comment that says so.
func TestInit_twoFetches(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		k := n.Add(1)
		fmt.Fprintf(w, `[{"id":1,"name":"a","score":%d},{"id":2,"name":"b","score":7}]`, k)
	}))
	defer srv.Close()
	out, errOut, code := tryCLI(t, "init", srv.URL, "--wait", "1ms", "--name", "scores")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if !strings.Contains(out, `"#.score",  # changed between the two fetches (1 of 2 values)`) {
		t.Errorf("stanza:\n%s", out)
	}
	if !strings.Contains(errOut, "`#.score` changed between fetches (1 of 2 values) → ignored") {
		t.Errorf("summary:\n%s", errOut)
	}
	if _, err := config.Parse("t.toml", []byte(out), func(string) (string, bool) { return "", false }); err != nil {
		t.Errorf("the stanza does not parse: %v\n%s", err, out)
	}
}

// TestInit_headers: --header goes into both requests and the stanza; a
// credential is sent but not written out: the stanza names a variable.
func TestInit_headers(t *testing.T) {
	t.Parallel()
	var good atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "s3cret-k3y" || r.Header.Get("Accept") != "application/vnd.github+json" {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		good.Add(1)
		fmt.Fprint(w, `[{"id":1},{"id":2}]`)
	}))
	defer srv.Close()
	out, errOut, code := tryCLI(t, "init", srv.URL+"/repos/o/r/releases", "--wait", "0s",
		"--header", "X-Api-Key=s3cret-k3y", "--header", "Accept: application/vnd.github+json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if n := good.Load(); n != 2 {
		t.Errorf("%d requests with the headers, want 2", n)
	}
	if strings.Contains(out+errOut, "s3cret-k3y") {
		t.Errorf("the credential is printed:\n%s\n%s", out, errOut)
	}
	want := `headers = { "X-Api-Key" = "${RELEASES_X_API_KEY}", "Accept" = "application/vnd.github+json" }`
	if !strings.Contains(out, want) || !strings.Contains(out, "export RELEASES_X_API_KEY=") {
		t.Errorf("stanza lacks %s:\n%s", want, out)
	}
	lookup := func(k string) (string, bool) { return "s3cret-k3y", k == "RELEASES_X_API_KEY" }
	c, err := config.Parse("t.toml", []byte(out), lookup)
	if err != nil {
		t.Fatalf("the stanza does not parse: %v\n%s", err, out)
	}
	if c.Watches[0].Headers["X-Api-Key"] != "s3cret-k3y" {
		t.Errorf("headers %v", c.Watches[0].Headers)
	}

	// A credential given as ${VAR} is sent expanded, and written as it
	// was given.
	out, errOut, code = tryCLI(t, "init", srv.URL+"/repos/o/r/releases", "--wait", "0s",
		"--header", "X-Api-Key=${POLLHOOK_INIT_TEST_UNSET:-s3cret-k3y}", "--header", "Accept: application/vnd.github+json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if want := `headers = { "X-Api-Key" = "${POLLHOOK_INIT_TEST_UNSET:-s3cret-k3y}", `; !strings.Contains(out, want) || strings.Contains(out, "export ") {
		t.Errorf("stanza lacks %s:\n%s", want, out)
	}
	if n := good.Load(); n != 4 {
		t.Errorf("%d requests with the headers, want 4", n)
	}
}

// TestInit_fetchFails: an answer init cannot use is an error that names
// the URL and which fetch failed, exit 1, and no stanza.
func TestInit_fetchFails(t *testing.T) {
	t.Parallel()
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL + "/gone"
	refused.Close()
	tests := []struct {
		name    string
		handler func(n int64, w http.ResponseWriter)
		url     string // instead of the server's
		want    string // after "pollhook: URL: "
	}{
		{name: "server error", handler: func(_ int64, w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "<html><head><title>Internal Server Error</title></head><body><h1>Oops</h1></body></html>")
		}, want: "first fetch: HTTP 500"},
		{name: "not found", handler: func(_ int64, w http.ResponseWriter) {
			http.Error(w, "no such repository", http.StatusNotFound)
		}, want: "first fetch: HTTP 404: no such repository"},
		{name: "second fetch", handler: func(n int64, w http.ResponseWriter) {
			if n > 1 {
				http.Error(w, "slow down", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprint(w, `[{"id":1}]`)
		}, want: "second fetch, 0s after the first: HTTP 503: slow down"},
		{name: "not JSON after all", handler: func(_ int64, w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"items": [`)
		}, want: "the answer says it is JSON but is not valid JSON"},
		{name: "another shape", handler: func(n int64, w http.ResponseWriter) {
			if n > 1 {
				fmt.Fprint(w, `{"error":"rate limited"}`)
				return
			}
			fmt.Fprint(w, `[{"id":1}]`)
		}, want: "the second fetch answered another shape"},
		{name: "connection refused", url: refusedURL, want: "first fetch: request: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := tt.url
			if tt.handler != nil {
				var n atomic.Int64
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { tt.handler(n.Add(1), w) }))
				defer srv.Close()
				u = srv.URL + "/releases"
			}
			out, errOut, code := tryCLI(t, "init", u, "--wait", "0s")
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if want := "pollhook: " + u + ": " + tt.want; !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}

func TestInit_usage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"init"},
		{"init", "https://a.example/", "https://b.example/"},
		{"init", "https://a.example/", "--header", "novalue"},
		{"init", "https://a.example/", "--header", "bad name=x"},
		{"init", "https://a.example/", "--wait", "-1s"},
		{"init", "https://a.example/", "--nosuchflag"},
	} {
		if _, errOut, code := tryCLI(t, args...); code != 2 {
			t.Errorf("pollhook %q: exit %d, want 2\n%s", args, code, errOut)
		}
	}
	if _, errOut, code := tryCLI(t, "init", "ftp://a.example/", "--wait", "0s"); code != 1 || !strings.Contains(errOut, "url: ") {
		t.Errorf("a bad URL: exit %d\n%s", code, errOut)
	}
	// Nothing is fetched for a file that cannot be written.
	api := testkit.NewAPI(`[]`)
	srv := httptest.NewServer(api)
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "no", "such", "pollhook.toml")
	if _, errOut, code := tryCLI(t, "init", srv.URL, "--append", "--config", cfg); code != 1 || api.Count() != 0 ||
		!strings.Contains(errOut, "cannot write "+cfg+": no folder "+filepath.Dir(cfg)) {
		t.Errorf("--append to a missing folder: exit %d, %d fetches\n%s", code, api.Count(), errOut)
	}
	if out := mustCLI(t, "help"); !strings.Contains(out, "\n  pollhook init URL [--name N] [--header K=V]... [--append]") {
		t.Errorf("help does not list init:\n%s", out)
	}
}

// TestInit_binary runs init, check and once through the real binary:
// what a user types, flags after the URL.
func TestInit_binary(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t)
	api := testkit.NewAPI(readAPI(t, "calfire_incidents_2021-09-06T1705Z.json"))
	srv := httptest.NewServer(api)
	defer srv.Close()
	cfg := quietConfig(t)
	run := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		if _, ok := err.(*exec.ExitError); err != nil && !ok {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
	}
	out, errOut, code := run("init", srv.URL+"/umbraco/Api/IncidentApi/GetIncidents", "--append", "--config", cfg, "--wait", "100ms")
	if code != 0 || !strings.Contains(out, "name = \"getincidents\"\n") || !strings.Contains(out, `select = "Incidents"`) ||
		!strings.Contains(errOut, "array of 18 objects at `Incidents` keyed by `UniqueId`") {
		t.Fatalf("init: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if out, errOut, code := run("check", "--config", cfg); code != 0 || out != cfg+": ok (1 watch, 0 targets; 1 warning)\n" {
		t.Errorf("check: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"getincidents: baseline stored", "getincidents: no change (18 elements)"} {
		if out, errOut, code := run("once", "--config", cfg); code != 0 || out != "" || !strings.Contains(errOut, want) {
			t.Errorf("once: exit %d, stdout %q, want %q on stderr:\n%s", code, out, want, errOut)
		}
	}
	api.Set(readAPI(t, "calfire_incidents_2021-09-06T2321Z.json"))
	if out, errOut, code := run("once", "--config", cfg, "--pretty"); code != 0 || !strings.Contains(out, "1 added, 4 changed") || !strings.Contains(out, "+ Caballo Fire") {
		t.Errorf("once on the later data: exit %d\n%s%s", code, out, errOut)
	}

	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "upstream down", http.StatusBadGateway)
	}))
	defer down.Close()
	if out, errOut, code := run("init", down.URL+"/x", "--wait", "0s"); code != 1 || out != "" ||
		errOut != fmt.Sprintf("fetching %s/x twice, 0s apart\npollhook: %[1]s/x: first fetch: HTTP 502: upstream down\n", down.URL) {
		t.Errorf("init of a failing API: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
}

// TestInit_split: a stanza with keyed arrays offers split, commented out;
// uncommented it passes check, and once then prints one event per element
// that changed. Text and unkeyed stanzas do not offer it.
func TestInit_split(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(readAPI(t, "calfire_incidents_2021-09-06T1705Z.json"))
	srv := httptest.NewServer(api)
	defer srv.Close()
	cfg := quietConfig(t)
	out, errOut, code := tryCLI(t, "init", srv.URL+"/incidents", "--append", "--wait", "0s", "--config", cfg)
	const offer = "# split = true  # one event per added, removed or changed element instead of one per poll\n"
	if code != 0 || !strings.Contains(out, offer) {
		t.Fatalf("init: exit %d, stanza lacks %q:\n%s\n%s", code, offer, out, errOut)
	}
	src, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, cfg, strings.Replace(string(src), "# split = true", "split = true", 1))
	mustCLI(t, "check", "--config", cfg)
	mustCLI(t, "once", "--config", cfg)
	api.Set(readAPI(t, "calfire_incidents_2021-09-06T2321Z.json"))
	out, errOut, code = tryCLI(t, "once", "--config", cfg)
	if code != 0 {
		t.Fatalf("once: exit %d\n%s", code, errOut)
	}
	// Caballo Fire added; Lawrence, Caldor and Bridge Fire changed: in
	// the order of the new answer.
	var got []string
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev event.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("once printed %q: %v", line, err)
		}
		if ev.Data.Seq != uint64(i+1) {
			t.Errorf("event %d has seq %d", i, ev.Data.Seq)
		}
		got = append(got, ev.Title())
	}
	want := []string{"incidents: Caldor Fire changed", "incidents: Bridge Fire changed", "incidents: Lawrence Fire changed", "incidents: Caballo Fire added"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	for _, body := range []string{`[{"a":1},{"a":1}]`, "plain\ntext\n"} {
		api := testkit.NewAPI(body)
		srv := httptest.NewServer(api)
		out, _, _ := tryCLI(t, "init", srv.URL+"/x", "--wait", "0s", "--config", quietConfig(t))
		srv.Close()
		if strings.Contains(out, "split") {
			t.Errorf("a stanza without keys offers split:\n%s", out)
		}
	}
}
