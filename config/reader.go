package config

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pollhook/pollhook/internal/human"
)

// Error is one problem in a configuration file, with the place it was found.
type Error struct {
	File    string // the configuration file
	Line    int    // 1-based; 0 when unknown
	Section string // `watch "releases"`, `target "hook"`, `defaults`, or "" for top-level keys
	Key     string // the key, dotted for nested keys ("paginate.next")
	Err     error
}

// Error formats the problem as FILE:LINE: SECTION: KEY: problem.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Section != "" {
		b.WriteString(e.Section)
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the problem itself.
func (e *Error) Unwrap() error { return e.Err }

// Errors is every problem found in a configuration file. Load returns all
// of them at once so a user can fix the file in one go.
type Errors []*Error

// Error lists every problem, one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// reader pulls typed values out of the decoded TOML tree, expanding
// variables and remembering every problem with its line.
type reader struct {
	file string
	src  []byte
	// lines is the index of src's keys, made when a first problem needs
	// its line (most files have none).
	lines    *lineIndex
	vars     vars // what ${...} expands from
	errs     Errors
	warnings Errors
	differs  differs // compiled, by their options
	// namesOnly reads of each watch its name only (LoadTopLevel).
	namesOnly bool
	// noWarnings gathers no warnings (LoadPartial, LoadTopLevel).
	noWarnings bool
	// parts, when the file is read in parts, are its [[watch]] sections,
	// which watches decodes; unsure is set when one of them says
	// something the whole file might not.
	parts  *fileParts
	unsure bool
	// stream keeps no watch, only what the checks across them need
	// (LoadStream); again is what decoding them again takes.
	stream bool
	again  watchesAgain
}

// index returns the index of src's lines, made at its first use.
func (r *reader) index() *lineIndex {
	if r.lines == nil {
		r.lines = indexLines(string(r.src))
	}
	return r.lines
}

// line returns the line where the key at path was written, or 0.
func (r *reader) line(path string) int {
	return r.index().at(path)
}

// section is one TOML table: the top level, [defaults], one [[watch]] ...
type section struct {
	r      *reader
	m      map[string]any
	path   string // key of the table in the line index: "watch[0]", "defaults", ""
	label  string // how errors name it: `watch "releases"`
	prefix string // for sub-tables: "paginate.", so errors name the full key
	used   map[string]bool
}

func (r *reader) section(m map[string]any, path, label string) *section {
	return &section{r: r, m: m, path: path, label: label, used: map[string]bool{}}
}

func (s *section) line(key string) int {
	p := key
	if s.path != "" {
		p = s.path + "." + key
	}
	if l := s.r.line(p); l > 0 {
		return l
	}
	// Dotted keys: report the line of their parent, or of the table.
	for i := strings.LastIndexByte(p, '.'); i > 0; i = strings.LastIndexByte(p, '.') {
		p = p[:i]
		if l := s.r.line(p); l > 0 {
			return l
		}
	}
	return 0
}

func (s *section) errorf(key, format string, args ...any) {
	s.r.errs = append(s.r.errs, &Error{
		File: s.r.file, Line: s.line(key), Section: s.label, Key: s.prefix + key,
		Err: fmt.Errorf(format, args...),
	})
}

// warnf notes a warning, placed like an error.
func (s *section) warnf(key, format string, args ...any) {
	if s.r.noWarnings {
		return
	}
	s.r.warnings = append(s.r.warnings, &Error{
		File: s.r.file, Line: s.line(key), Section: s.label, Key: s.prefix + key,
		Err: fmt.Errorf(format, args...),
	})
}

func (s *section) has(key string) bool {
	_, ok := s.m[key]
	return ok
}

func (s *section) raw(key string) (any, bool) {
	v, ok := s.m[key]
	if ok {
		s.used[key] = true
	}
	return v, ok
}

// finish reports every key of the table that nothing read: typos such as
// `schedul` must not be silently ignored.
func (s *section) finish() {
	keys := make([]string, 0, len(s.m))
	for k := range s.m {
		if !s.used[k] {
			keys = append(keys, k)
		}
	}
	// By line, and by name where the lines are the same (or unknown): the
	// map's order is random, a file's errors are not.
	sort.Slice(keys, func(i, j int) bool {
		li, lj := s.line(keys[i]), s.line(keys[j])
		return li < lj || li == lj && keys[i] < keys[j]
	})
	for _, k := range keys {
		s.errorf(k, "unknown key")
	}
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	case time.Time:
		return "a date"
	}
	return fmt.Sprintf("%T", v)
}

// str reads a string with ${VAR} expansion. It reports whether the key was
// present and valid.
func (s *section) str(key string, dst *string) bool {
	v, ok := s.raw(key)
	if !ok {
		return false
	}
	str, ok := v.(string)
	if !ok {
		s.errorf(key, "want a string, got %s", typeName(v))
		return false
	}
	out, err := expand(str, s.r.vars)
	if err != nil {
		s.errorf(key, "%v", err)
		return false
	}
	*dst = out
	return true
}

func (s *section) boolean(key string, dst *bool) bool {
	v, ok := s.raw(key)
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		s.errorf(key, "want true or false, got %s", typeName(v))
		return false
	}
	*dst = b
	return true
}

func (s *section) integer(key string, min int64, dst *int) bool {
	v, ok := s.raw(key)
	if !ok {
		return false
	}
	n, ok := v.(int64)
	if !ok {
		s.errorf(key, "want an integer, got %s", typeName(v))
		return false
	}
	if n < min {
		s.errorf(key, "must be at least %d, got %d", min, n)
		return false
	}
	*dst = int(n)
	return true
}

// strings reads an array of strings; a single string is accepted as a list
// of one when single is true (secret = "..." or secret = ["...", "..."]).
func (s *section) strings(key string, single bool, dst *[]string) bool {
	v, ok := s.raw(key)
	if !ok {
		return false
	}
	str, one := v.(string)
	if one && single {
		v = []any{str}
	}
	arr, ok := v.([]any)
	if !ok {
		s.errorf(key, "want an array of strings, got %s", typeName(v))
		return false
	}
	out := make([]string, 0, len(arr))
	good := true
	for i, e := range arr {
		str, ok := e.(string)
		if !ok {
			s.errorf(key, "element %d: want a string, got %s", i, typeName(e))
			good = false
			continue
		}
		x, err := expand(str, s.r.vars)
		if err != nil {
			if one {
				s.errorf(key, "%v", err) // written as one string: there are no elements
			} else {
				s.errorf(key, "element %d: %v", i, err)
			}
			good = false
			continue
		}
		out = append(out, x)
	}
	if good {
		*dst = out
	}
	return good
}

// list reads a list of strings as strings does (a single string is a
// list of one) and hands each to add: an error of add names its element
// when the list has more than one. empty is the error of an empty list.
func (s *section) list(key, empty string, add func(string) error) {
	var items []string
	if !s.strings(key, true, &items) {
		return
	}
	if len(items) == 0 {
		s.errorf(key, "%s", empty)
	}
	for i, item := range items {
		if err := add(item); err != nil {
			if len(items) > 1 {
				s.errorf(key, "element %d: %v", i, err)
			} else {
				s.errorf(key, "%v", err)
			}
		}
	}
}

// stringMap reads an inline table of strings (headers, query).
func (s *section) stringMap(key string, dst *map[string]string) bool {
	v, ok := s.raw(key)
	if !ok {
		return false
	}
	m, ok := v.(map[string]any)
	if !ok {
		s.errorf(key, "want a table of strings, got %s", typeName(v))
		return false
	}
	out := make(map[string]string, len(m))
	good := true
	// In the keys' order: their errors share the table's line, and a
	// file's errors come in one order, not the map's.
	for _, k := range slices.Sorted(maps.Keys(m)) {
		e := m[k]
		str, ok := e.(string)
		if !ok {
			s.errorf(key+"."+k, "want a string, got %s", typeName(e))
			good = false
			continue
		}
		x, err := expand(str, s.r.vars)
		if err != nil {
			s.errorf(key+"."+k, "%v", err)
			good = false
			continue
		}
		out[k] = x
	}
	if good {
		*dst = out
	}
	return good
}

// table returns a sub-table, or nil when the key is absent or not a table.
func (s *section) table(key string) *section {
	v, ok := s.raw(key)
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		s.errorf(key, "want a table, got %s", typeName(v))
		return nil
	}
	sub := s.r.section(m, joinPath(s.path, key), s.label)
	sub.prefix = s.prefix + key + "."
	return sub
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func (s *section) duration(key string, dst *time.Duration) bool {
	var str string
	if !s.durationString(key, &str) {
		return false
	}
	d, err := ParseDuration(str)
	if err != nil {
		s.errorf(key, "%v", err)
		return false
	}
	if d <= 0 {
		s.errorf(key, "must be positive, got %q", str)
		return false
	}
	*dst = d
	return true
}

// durationString reads a duration as written, before it is parsed. A
// number is an error that says how to write it: TOML has no durations,
// and "10" could be seconds or minutes.
func (s *section) durationString(key string, dst *string) bool {
	switch n := s.m[key].(type) {
	case int64, float64:
		s.used[key] = true
		s.errorf(key, "want a duration string like \"%vs\", got the number %v", n, n)
		return false
	}
	return s.str(key, dst)
}

// size reads a byte size, written as a string ("10MiB") or a number of
// bytes, of at most limit bytes.
func (s *section) size(key string, limit int64, dst *int64) bool {
	var str string
	v, ok := s.m[key]
	if n, isInt := v.(int64); ok && isInt {
		s.used[key] = true
		if n <= 0 {
			s.errorf(key, "must be positive, got %d", n)
			return false
		}
		if n > limit {
			s.errorf(key, "must be at most %s, got %d", formatSize(limit), n)
			return false
		}
		*dst = n
		return true
	}
	if !s.str(key, &str) {
		return false
	}
	n, err := ParseSize(str)
	if err != nil {
		s.errorf(key, "%v", err)
		return false
	}
	if n > limit {
		s.errorf(key, "must be at most %s, got %q", formatSize(limit), str)
		return false
	}
	*dst = n
	return true
}

// expand replaces ${VAR}, ${VAR:-default} and ${file:/path} in s. "$$" is a
// literal "$". An unset variable without a default is an error naming it.
func expand(s string, v vars) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '{':
		default:
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return "", fmt.Errorf("unclosed ${ in %q", redactRef(s))
		}
		ref := s[i+2 : i+2+end]
		i += 2 + end
		val, err := resolve(ref, v)
		if err != nil {
			return "", err
		}
		b.WriteString(val)
	}
	return b.String(), nil
}

// vars is what ${...} expands from: the environment, and the folder that
// relative ${file:...} paths start from.
type vars struct {
	lookup func(string) (string, bool)
	dir    string
}

func resolve(ref string, v vars) (string, error) {
	lookup := v.lookup
	if path, ok := strings.CutPrefix(ref, "file:"); ok {
		// systemd's LoadCredential= puts secrets in $CREDENTIALS_DIRECTORY:
		// ${file:api-token} names one there.
		if !filepath.IsAbs(path) {
			if dir, ok := lookup("CREDENTIALS_DIRECTORY"); ok && dir != "" {
				path = filepath.Join(dir, path)
			} else {
				path = filepath.Join(v.dir, path)
			}
		}
		data, err := readRegular(path, maxSecretFile)
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		return strings.TrimRight(string(data), "\r\n"), nil
	}
	name, def, hasDef := strings.Cut(ref, ":-")
	if !validVarName(name) {
		return "", fmt.Errorf("bad variable name %q in ${%s}", name, ref)
	}
	if v, ok := lookup(name); ok && (v != "" || !hasDef) {
		return v, nil
	}
	if hasDef {
		return def, nil
	}
	return "", fmt.Errorf("environment variable %s is not set (use ${%s:-default} for a default)", name, name)
}

// maxSecretFile bounds a ${file:...}: a token, a password or a webhook
// URL, not a document.
const maxSecretFile = 64 << 10

// readRegular reads a file of at most limit bytes. Only regular files, and
// symlinks to them, are read: that is what /run/secrets mounts, Kubernetes
// secret volumes and systemd credentials are, while a device (/dev/zero)
// would be read without end and a named pipe would block until someone
// writes to it.
func readRegular(path string, limit int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, err
	}
	// O_NONBLOCK in case the file was replaced by a named pipe since the
	// Stat: the open must not wait for a writer. Reads of a regular file
	// do not heed it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %s", path, formatSize(limit))
	}
	return data, nil
}

func checkRegular(path string, fi os.FileInfo) error {
	m := fi.Mode()
	if m.IsRegular() {
		return nil
	}
	kind := "mode " + m.Type().String()
	switch {
	case m.IsDir():
		kind = "a directory"
	case m&os.ModeNamedPipe != 0:
		kind = "a named pipe"
	case m&os.ModeSocket != 0:
		kind = "a socket"
	case m&os.ModeDevice != 0:
		kind = "a device"
	}
	return fmt.Errorf("%s is not a regular file (%s)", path, kind)
}

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// redactRef keeps a value out of an error message: only its shape matters.
func redactRef(s string) string {
	return human.CutRunes(s, 25)
}

// ParseDuration is time.ParseDuration plus a "d" unit for days ("30d").
func ParseDuration(s string) (time.Duration, error) {
	if strings.HasSuffix(s, "d") {
		n, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err != nil || n < 0 || math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		ns := n * float64(24*time.Hour)
		if ns >= math.MaxInt64 { // float64(math.MaxInt64) is 2⁶³: a Duration cannot hold it
			return 0, fmt.Errorf("duration %q is too large", s)
		}
		return time.Duration(ns), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q (want e.g. \"10s\", \"5m\", \"2h\", \"30d\")", s)
	}
	return d, nil
}

// sizeUnits are the units of ParseSize.
var sizeUnits = map[string]int64{
	"": 1, "B": 1,
	"KB": 1000, "MB": 1000 * 1000, "GB": 1000 * 1000 * 1000,
	"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30,
}

// ParseSize parses a byte size: "512", "64KiB", "10MiB", "1GB". A size
// that does not fit in an int64 is an error, never a wrapped-around one.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') {
		i--
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	mult := sizeUnits[unit]
	n, err := strconv.ParseInt(num, 10, 64)
	if errors.Is(err, strconv.ErrRange) && mult != 0 && !strings.HasPrefix(num, "-") {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	if err != nil || mult == 0 || n <= 0 {
		return 0, fmt.Errorf("bad size %q (want e.g. \"512KiB\", \"10MiB\")", s)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mult, nil
}

// formatSize writes a byte size in the largest binary unit that divides
// it: "1GiB", "64KiB", "1500B". ParseSize reads it back.
func formatSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}
