package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/internal/redact"
	"github.com/pollhook/pollhook/internal/suggest"
	"github.com/pollhook/pollhook/poller"
)

// defaultInitWait is the time between init's two fetches: long enough for
// what moves on its own (a counter, a timestamp) to move, short enough to
// wait for.
const defaultInitWait = 2 * time.Second

// initCmd is pollhook init URL: fetch the URL twice, a few seconds apart,
// through the request a watch makes (poller.Fetch), and print a [[watch]]
// stanza worked out from the two answers (internal/suggest), with
// comments; the summary goes to stderr. --append adds the stanza to the
// configuration file (created with a commented [[target]] stub when it
// does not exist), once the whole file passes check's validation.
func (c *cli) initCmd(ctx context.Context, args []string) error {
	flags := c.flags("init")
	cfgPath := flags.String("config", config.DefaultFile, "configuration `file`: the watch's name must be new there, and --append writes to it")
	name := flags.String("name", "", "the watch's `name` (default: from the URL's path)")
	var headers headerFlags
	flags.Var(&headers, "header", "a request header `K=V` (or \"K: V\"), repeatable; a value may use ${VAR}")
	appendTo := flags.Bool("append", false, "add the watch to the configuration file, then check it")
	wait := flags.Duration("wait", defaultInitWait, "the `time` between the two fetches")
	pos, err := parseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"init takes one URL"}
	}
	if *wait < 0 {
		return usageError{"--wait must not be negative"}
	}
	rawURL := pos[0]
	taken, err := watchNames(*cfgPath, *appendTo)
	if err != nil {
		return err
	}
	watchName := *name
	switch {
	case watchName == "":
		watchName = uniqueName(nameFromURL(rawURL), taken)
	case taken[watchName]:
		return fmt.Errorf("a watch named %q already exists in %s: choose another with --name", watchName, *cfgPath)
	}
	if *appendTo {
		// What would stop the file from being written stops init before
		// it fetches.
		if err := canAppend(*cfgPath, watchName, headers); err != nil {
			return err
		}
	}
	w, err := c.initWatch(watchName, rawURL, headers)
	if err != nil {
		return err
	}

	shown := redact.PublicURL(w.RequestURL)
	fmt.Fprintf(c.stderr, "fetching %s twice, %s apart\n", human.Printable(shown), *wait)
	first, second, contentType, err := fetchTwice(ctx, w, *wait, c.version)
	if err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	s, err := suggest.Analyze(first, second, contentType)
	if err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}

	st := stanza{name: watchName, url: rawURL, shownURL: shown, wait: *wait, headers: headers, s: s}
	text := st.String()
	fmt.Fprint(c.stdout, text)
	c.initSummary(s, len(first), len(second))
	if !*appendTo {
		return nil
	}
	return c.appendWatch(*cfgPath, watchName, text)
}

// fetchTwice fetches a watch's answer twice, wait apart: the first page
// of each (init's watches do not paginate), and the first one's
// Content-Type.
func fetchTwice(ctx context.Context, w *config.Watch, wait time.Duration, version string) (first, second []byte, contentType string, err error) {
	p := poller.New(poller.Options{Version: version})
	pages, contentType, err := p.Fetch(ctx, w)
	if err != nil {
		return nil, nil, "", fmt.Errorf("first fetch: %w", err)
	}
	first = pages[0]
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, nil, "", ctx.Err()
	case <-t.C:
	}
	pages, _, err = p.Fetch(ctx, w)
	if err != nil {
		return nil, nil, "", fmt.Errorf("second fetch, %s after the first: %w", wait, err)
	}
	return first, pages[0], contentType, nil
}

// initWatch is the watch init fetches with: the stanza of its name, URL
// and headers, parsed as the configuration is, so that the request is a
// watch's, validated the same way (${VAR} expanded, the URL checked).
func (c *cli) initWatch(name, rawURL string, headers headerFlags) (*config.Watch, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "[[watch]]\nname = %s\nurl = %s\n", tomlValue(name), tomlString(rawURL))
	if len(headers) > 0 {
		fmt.Fprintf(&b, "headers = %s\n", headers.table(func(h header) string { return h.value }))
	}
	cfg, err := config.Parse("pollhook init", []byte(b.String()), os.LookupEnv)
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			msg := e.Err.Error()
			if e.Key != "" {
				msg = e.Key + ": " + msg
			}
			fmt.Fprintln(c.stderr, "pollhook: "+human.Printable(msg))
		}
		return nil, exitError{1}
	}
	if err != nil {
		return nil, err
	}
	return cfg.Watches[0], nil
}

// watchNames are the names of the watches of the configuration file, if
// it exists. A file that cannot be read as a configuration stops init
// only when init is to append to it.
func watchNames(path string, appendTo bool) (map[string]bool, error) {
	names := map[string]bool{}
	cfg, err := config.LoadPartial(path)
	if cfg == nil {
		if errors.Is(err, fs.ErrNotExist) || !appendTo {
			return names, nil
		}
		return nil, err
	}
	for _, w := range cfg.Watches {
		names[w.Name] = true
	}
	return names, nil
}

// canAppend finds out what would stop --append after the fetches: a
// folder that is not there, and a credential the stanza reads from a
// variable that is not set (check would refuse the file).
func canAppend(path, watchName string, headers headerFlags) error {
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("cannot write %s: no folder %s", path, dir)
	}
	for _, h := range headers {
		if !writtenAsVariable(h) {
			continue
		}
		v := envName(watchName, h.name)
		if _, ok := os.LookupEnv(v); !ok {
			return fmt.Errorf("--header %s: a credential is not written into %s, the watch reads it from ${%s}, which is not set: "+
				"export %s first, or pass --header '%s=${YOUR_VARIABLE}'", h.name, path, v, v, h.name)
		}
	}
	return nil
}

// appendWatch adds the stanza to the configuration file, or creates the
// file with a commented [[target]] stub before it, and says what check
// says of the result. The file is validated as check validates it before
// it is written, and replaced whole (a temporary file renamed over it):
// a file that would not pass is left as it was, and no reader ever sees
// half of one. The file is read again here, not kept from before the
// fetches (watchNames): an edit made in the meantime is not lost.
func (c *cli) appendWatch(path, watchName, text string) error {
	target := path
	if real, err := filepath.EvalSymlinks(path); err == nil {
		target = real // replace the file a link points to, not the link
	}
	old, err := os.ReadFile(target)
	created := errors.Is(err, fs.ErrNotExist)
	if err != nil && !created {
		return fmt.Errorf("read config: %w", err)
	}
	src := withStanza(old, created, text)
	cfg, err := config.Parse(path, src, os.LookupEnv)
	if err != nil {
		fmt.Fprintf(c.stderr, "pollhook: nothing written to %s: with watch %q it would not pass check:\n", path, watchName)
		return c.configErrors(err)
	}
	perm := fs.FileMode(0o600) // a configuration holds secrets
	if fi, err := os.Stat(target); err == nil {
		perm = fi.Mode().Perm()
	}
	if err := writeAtomically(target, src, perm); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	done := "appended watch %q to %s\n"
	if created {
		done = "created %[2]s with watch %[1]q (and a [[target]] to fill in)\n"
	}
	fmt.Fprintf(c.stderr, done, watchName, path)
	c.checked(path, cfg)
	return nil
}

// withStanza is a configuration file's text with a stanza added: after
// what it holds (a blank line between), or, for a file to create, after
// a commented [[target]] stub.
func withStanza(old []byte, created bool, text string) []byte {
	if created {
		return []byte(newConfigHead + "\n" + text)
	}
	sep := "\n"
	switch {
	case len(old) == 0:
		sep = ""
	case old[len(old)-1] != '\n':
		sep = "\n\n"
	}
	return append(old[:len(old):len(old)], sep+text...)
}

// writeAtomically writes src to path with mode perm, through a temporary
// file in the same folder renamed over it.
func writeAtomically(path string, src []byte, perm fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, werr := f.Write(src)
	if err := errors.Join(werr, f.Chmod(perm), f.Sync(), f.Close()); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// newConfigHead starts a configuration file init creates.
const newConfigHead = `# pollhook configuration, started by pollhook init. Check it with
# pollhook check; every key is in docs/configuration.md.

# Where change events go: uncomment a target, set its url, and name it in
# each watch's notify. Any number of [[target]] sections may follow.
# [[target]]
# name = "hook"
# url = "https://example.com/hooks/pollhook"
# secret = "whsec_..."   # signs each webhook: echo "whsec_$(head -c 32 /dev/urandom | base64)"
# A chat tool instead: kind = "slack" (or discord, teams, ntfy...) and its url.
`

// header is one --header.
type header struct{ name, value string }

// headerFlags are the --header flags, in order.
type headerFlags []header

// String is the flag's value, for flag's help.
func (h *headerFlags) String() string { return "" }

// Set adds a header given as K=V or "K: V".
func (h *headerFlags) Set(s string) error {
	i := strings.IndexAny(s, "=:")
	if i <= 0 {
		return errors.New(`want K=V or "K: V"`)
	}
	name, value := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/;<>?@[\]{}`, r) }) {
		return fmt.Errorf("bad header name %q", name)
	}
	*h = append(*h, header{name, value})
	return nil
}

// table is the headers as a TOML inline table, each value as value says.
func (h headerFlags) table(value func(header) string) string {
	parts := make([]string, len(h))
	for i, x := range h {
		parts[i] = tomlString(x.name) + " = " + tomlString(value(x))
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// writtenAsVariable reports whether a header's value is left out of the
// stanza, which reads it from a variable instead (envName): a credential
// given as it is, not as ${VAR}. A credential header is one the poller
// scrubs from what it shows (redact.IsSecretName: Authorization too).
func writtenAsVariable(h header) bool {
	return redact.IsSecretName(h.name) && !strings.Contains(h.value, "${")
}

// stanza is the [[watch]] init writes.
type stanza struct {
	name, url, shownURL string
	wait                time.Duration
	headers             headerFlags
	s                   *suggest.Suggestion
}

// envName is the variable a watch's credential header is read from:
// RELEASES_X_API_KEY.
func envName(watchName, headerName string) string {
	n := strings.ToUpper(strings.ReplaceAll(slug(watchName)+"_"+slug(headerName), "-", "_"))
	if n == "" || n[0] >= '0' && n[0] <= '9' || n[0] == '_' {
		n = "POLLHOOK_" + strings.TrimLeft(n, "_")
	}
	return n
}

// String renders the stanza, with a comment on each choice.
func (st *stanza) String() string {
	s := st.s
	var b strings.Builder
	line := func(text, comment string) {
		b.WriteString(text)
		if comment != "" {
			b.WriteString("  # " + oneLineComment(comment))
		}
		b.WriteByte('\n')
	}
	line("# Written by pollhook init from two fetches of "+oneLineComment(st.shownURL)+", "+st.wait.String()+" apart.", "")
	line("# Before relying on it: pollhook once --dry-run --watch "+oneLineComment(st.name), "")
	line("[[watch]]", "")
	line("name = "+tomlValue(st.name), "")
	line("url = "+tomlString(st.url), "")
	line(`schedule = "*/10 * * * *"`, "every 10 minutes; a new watch's first poll comes at start")
	line(`# notify = ["hook"]`, "the targets that get its changes")
	if len(st.headers) > 0 {
		for _, h := range st.headers {
			if writtenAsVariable(h) {
				line(fmt.Sprintf("# %s is a credential, not written here: export %s='…' before pollhook runs (or use ${file:…})",
					oneLineComment(h.name), envName(st.name, h.name)), "")
			}
		}
		line("headers = "+st.headers.table(func(h header) string {
			if writtenAsVariable(h) {
				return "${" + envName(st.name, h.name) + "}"
			}
			return h.value
		}), "")
	}

	sh := s.Shape
	switch {
	case s.Format == diff.Text:
		line(`format = "text"`, "the answer is not JSON: it is compared line by line")
	case s.Select != "" && sh.Kind == suggest.Map:
		line("select = "+tomlValue(s.Select), fmt.Sprintf("an object of %s by name: each member is one element", human.Count(sh.Len, strings.TrimSuffix(sh.Of, "s"), sh.Of)))
	case s.Select != "":
		line("select = "+tomlValue(s.Select), "the "+shapeWords(sh)+" the answer is about")
	case sh.Kind == suggest.Array && sh.Of == "objects":
		line("# select: none, the answer is the "+shapeWords(sh)+" to watch", "")
	default:
		line("# select: none, the whole answer ("+shapeWords(sh)+") is watched", "")
	}
	switch {
	case s.Key != "":
		line("key = "+tomlValue(s.Key), "unique in every element of both fetches: elements are matched by it, their order does not count")
	case sh.Kind == suggest.Array && sh.Of == "objects":
		line("# key: none, no member is unique in every element: elements are matched by content and position", "")
	}
	if len(s.Keys) > 0 {
		line("keys = "+inlineTable(s.Keys), "the keys of the arrays inside the elements")
	}
	if s.Label != "" {
		line("label = "+tomlValue(s.Label), "what people read instead of the key")
	}
	if s.Link != "" {
		line("link = "+tomlValue(s.Link), "each element's own page")
	}
	if len(s.Labels) > 0 {
		line("labels = "+inlineTable(s.Labels), "")
	}
	if len(s.Links) > 0 {
		line("links = "+inlineTable(s.Links), "")
	}
	if s.Splittable() {
		line("# split = true", "one event per added, removed or changed element instead of one per poll")
	}
	if len(s.Ignore) > 0 {
		unit := compared(s.Format)
		entries := make([]string, len(s.Ignore))
		width := 0
		for i, ig := range s.Ignore {
			if s.Format == diff.Text {
				entries[i] = tomlRegexp(ig.Path) + ","
			} else {
				entries[i] = tomlValue(ig.Path) + ","
			}
			width = max(width, len(entries[i]))
		}
		line("ignore = [", "")
		for i, ig := range s.Ignore {
			line("  "+entries[i]+strings.Repeat(" ", width-len(entries[i])), ignoreComment(ig, unit))
		}
		line("]", "")
	}
	return b.String()
}

// ignoreComment says why a path is ignored.
func ignoreComment(ig suggest.Ignore, unit string) string {
	var parts []string
	if ig.Why != "" {
		why := ig.Why
		if b := ig.Because(); b != "" {
			why += ": " + b
		}
		parts = append(parts, why)
	}
	if ig.Differed > 0 {
		parts = append(parts, fmt.Sprintf("changed between the two fetches (%d of %d %s)", ig.Differed, ig.Compared, unit))
	}
	sep := "; "
	if ig.Why != "" && ig.Because() == "" {
		sep = ": " // text: "a date and time: changed between..."
	}
	return strings.Join(parts, sep)
}

// initSummary says on stderr what init found, one line per choice.
func (c *cli) initSummary(s *suggest.Suggestion, n1, n2 int) {
	say := func(format string, args ...any) {
		fmt.Fprintln(c.stderr, human.Printable(fmt.Sprintf(format, args...)))
	}
	same := "different answers"
	if s.Identical {
		same = "the same answer both times"
	}
	format := "JSON"
	if s.Format == diff.Text {
		format = "not JSON: text"
	}
	say("%s, %d and %d bytes (%s)", format, n1, n2, same)
	at := s.Select
	if at == "" {
		at = "."
	}
	sh := s.Shape
	what := shapeWords(sh)
	if s.Format == diff.JSON {
		what += " at `" + at + "`"
	}
	switch {
	case s.Key != "":
		what += " keyed by `" + s.Key + "` (unique in both fetches)"
	case sh.Kind == suggest.Array && sh.Of == "objects":
		what += " with no key"
	}
	say("%s", what)
	for _, p := range slices.Sorted(maps.Keys(s.Keys)) {
		say("`%s` keyed by `%s`", p, s.Keys[p])
	}
	unit := compared(s.Format)
	for _, ig := range s.Ignore {
		var why []string
		if ig.Why != "" && s.Format == diff.JSON {
			why = append(why, "named like "+ig.Why)
		}
		if ig.Differed > 0 {
			why = append(why, fmt.Sprintf("changed between fetches (%d of %d %s)", ig.Differed, ig.Compared, unit))
		}
		p := ig.Path
		if s.Format == diff.Text {
			p += "` (" + ig.Why + ")"
		} else {
			p += "`"
		}
		say("`%s %s → ignored", p, strings.Join(why, ", and "))
	}
	if s.Label != "" || s.Link != "" {
		say("%s", labelLink("", s.Label, s.Link))
	}
	for _, p := range slices.Sorted(maps.Keys(s.Keys)) {
		if s.Labels[p] != "" || s.Links[p] != "" {
			say("%s", labelLink(p, s.Labels[p], s.Links[p]))
		}
	}
	for _, n := range s.Notes {
		say("note: %s", n)
	}
}

// compared is what Ignore.Differed and Compared count in a watch of
// format f: values, or lines of a text.
func compared(f diff.Format) string {
	if f == diff.Text {
		return "lines"
	}
	return "values"
}

// labelLink is the summary's line of the label and link of the elements
// of the array at p ("" for the selected one).
func labelLink(p, label, link string) string {
	var parts []string
	if label != "" {
		parts = append(parts, "label `"+label+"`")
	}
	if link != "" {
		parts = append(parts, "link `"+link+"`")
	}
	out := strings.Join(parts, ", ")
	if p != "" {
		out = "`" + p + "`: " + out
	}
	return out
}

// shapeWords describes a selected value: "array of 30 objects", "map of
// 47 arrays", "object of 5 members", "text of 12 lines".
func shapeWords(sh suggest.Shape) string {
	switch sh.Kind {
	case suggest.Array, suggest.Map:
		of := sh.Of
		if of == "" {
			of = "elements"
		}
		return fmt.Sprintf("%s of %s", sh.Kind, human.Count(sh.Len, strings.TrimSuffix(of, "s"), of))
	case suggest.Object:
		return "object of " + human.Count(sh.Len, "member", "members")
	case suggest.Text:
		return "text of " + human.Count(sh.Len, "line", "lines")
	}
	return "a single value"
}

// inlineTable renders paths to values as a TOML inline table.
func inlineTable(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, tomlString(k)+" = "+tomlValue(m[k]))
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// tomlString is s as a TOML basic string, every control character
// escaped. The configuration expands ${VAR} in it.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f || unicode.Is(unicode.C, r) && r > 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlValue is a value init worked out (a path, a name) as a TOML string
// the configuration reads back as it is: "$" doubled, as ${...} is
// expanded in every value.
func tomlValue(s string) string {
	return tomlString(strings.ReplaceAll(s, "$", "$$"))
}

// tomlRegexp is a regular expression as a TOML literal string, which
// needs no doubled backslashes, when it can be one.
func tomlRegexp(re string) string {
	re = strings.ReplaceAll(re, "$", "$$")
	if strings.ContainsFunc(re, func(r rune) bool { return r == '\'' || r < 0x20 || r == 0x7f }) {
		return tomlString(re)
	}
	return "'" + re + "'"
}

// oneLineComment makes text from outside fit a TOML comment: one line,
// no control characters.
func oneLineComment(s string) string {
	return human.Printable(strings.NewReplacer("\r", " ", "\n", " ").Replace(s))
}

// nameFromURL names a watch after its URL: the last segment of its path
// that says something (not "json", "api" or "v2"), else its host.
func nameFromURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "watch"
	}
	segs := strings.Split(u.Path, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		seg := strings.TrimSuffix(segs[i], path.Ext(segs[i]))
		if s := slug(seg); s != "" && !genericSegment(s) {
			return s
		}
	}
	labels := strings.Split(u.Hostname(), ".")
	for i, l := range labels {
		if i == len(labels)-1 || unicode.IsDigit([]rune(l + "x")[0]) {
			break
		}
		if s := slug(l); s != "" && s != "www" && s != "api" {
			return s
		}
	}
	return "watch"
}

// genericSegment reports whether a URL path segment names no data.
func genericSegment(s string) bool {
	switch s {
	case "json", "xml", "api", "rest", "index", "graphql":
		return true
	}
	return len(s) >= 2 && s[0] == 'v' && strings.Trim(s[1:], "0123456789") == ""
}

// slug is s in lowercase letters and digits, runs of anything else one
// "-", at most 40 bytes.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	out := b.String()
	if len(out) > 40 {
		out = strings.TrimRight(out[:40], "-")
	}
	return out
}

// uniqueName is name, or name-2, name-3... when the configuration has it.
func uniqueName(name string, taken map[string]bool) string {
	if !taken[name] {
		return name
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s-%d", name, i); !taken[n] {
			return n
		}
	}
}
