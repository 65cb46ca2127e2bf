package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/store"
)

// watchFlags are repeated --watch flags, in order.
type watchFlags []string

// String is the flag's value, for flag's help.
func (w *watchFlags) String() string { return strings.Join(*w, ",") }

// Set adds a watch name.
func (w *watchFlags) Set(s string) error {
	if s == "" {
		return errors.New("empty watch name")
	}
	*w = append(*w, s)
	return nil
}

// exported is one line of pollhook export: a watch's state and snapshot.
type exported struct {
	Watch    string           `json:"watch"`
	State    store.WatchState `json:"state"`
	Snapshot []byte           `json:"snapshot,omitempty"`
}

// maxExportLine bounds a line import reads: a snapshot of the largest
// max_body, in base64, with its state.
const maxExportLine = config.MaxBodyLimit/3*4 + 1<<20

// heldDB opens the configuration's database for export, import or forget;
// a running daemon holds it, and these change what its poller has in
// memory, so they refuse to run beside one.
func heldDB(path string, readOnly bool) (*store.DB, error) {
	if readOnly && !store.Exists(path) {
		return nil, fmt.Errorf("no database at %s", path)
	}
	db, err := store.Open(path, store.Options{LockTimeout: cliLockTimeout, ReadOnly: readOnly, Verify: !readOnly})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%w: export, import and forget work on a stopped daemon's database; stop it first", err)
	}
	return db, err
}

// export is pollhook export [--watch W]...: the state of the watches (of
// every watch the database holds state for, when none is named) as JSON
// lines on stdout, for pollhook import on their new shard.
func (c *cli) export(ctx context.Context, args []string) (err error) {
	fs := c.flags("export")
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	var watches watchFlags
	fs.Var(&watches, "watch", "export this `watch` (repeat for more; default: every watch with state)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("export", pos); err != nil {
		return err
	}
	cfg, problems, err := c.loadConfig(*cfgPath, topLevel)
	if err != nil {
		return err
	}
	if err := c.requireTopLevel(*cfgPath, problems); err != nil {
		return err
	}
	db, err := heldDB(cfg.DB, true)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	hs, err := db.Held(ctx, watches)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(c.stdout)
	for _, h := range hs {
		st := h.State
		// A change waiting for confirm starts again on the new owner.
		st.PendingSum, st.PendingCount = 0, 0
		line, err := json.Marshal(exported{Watch: h.Watch, State: st, Snapshot: h.Snapshot})
		if err != nil {
			return fmt.Errorf("export %s: %w", h.Watch, err)
		}
		w.Write(line)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "exported %s from %s\n", human.Count(len(hs), "watch", "watches"), cfg.DB)
	return nil
}

// importCmd is pollhook import [FILE|-]: the lines of pollhook export,
// stored in one transaction. It refuses, naming each line, a garbled
// line, a watch the configuration does not have or that another shard
// owns, and one whose seq the database is already past; then nothing is
// imported.
func (c *cli) importCmd(ctx context.Context, args []string) (err error) {
	fs := c.flags("import")
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	shardFlag := fs.String("shard", "", "import as shard `I/N` (or auto)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageError{"import takes one file (or - for stdin)"}
	}
	in, name := io.Reader(os.Stdin), "stdin"
	if len(pos) == 1 && pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, pos[0]
	}
	cfg, err := c.loadShardTopLevel(*cfgPath, *shardFlag)
	if err != nil {
		return err
	}
	hs, lines, err := readExport(cfg, in, name)
	if err != nil {
		return err
	}
	db, err := heldDB(cfg.DB, false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	if err := db.Adopt(ctx, hs); err != nil {
		var list []string
		for _, e := range unjoin(err) {
			var se *store.SeqError
			if errors.As(e, &se) {
				list = append(list, fmt.Sprintf("%s:%d: %v", name, lines[se.Watch], se))
			} else {
				list = append(list, e.Error())
			}
		}
		return fmt.Errorf("nothing imported:\n%s", strings.Join(list, "\n"))
	}
	fmt.Fprintf(c.stdout, "imported %s into %s\n", human.Count(len(hs), "watch", "watches"), cfg.DB)
	return nil
}

// unjoin is the errors of errors.Join, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// heldProblem is what makes an export line's state one the watch could
// not be polled on from (every poll would fail), or "".
func heldProblem(e exported) string {
	switch f := diff.Format(e.State.Format); {
	case f != "" && f != diff.JSON && f != diff.Text:
		return fmt.Sprintf("format %q is neither json nor text", e.State.Format)
	case e.State.Baseline && len(e.Snapshot) == 0:
		return "a baseline without its snapshot"
	case e.State.Baseline && f == diff.JSON && !json.Valid(e.Snapshot):
		return "its snapshot is not valid JSON, though its format is json"
	}
	return ""
}

// readExport reads export lines, checking each against cfg's shard, and
// returns them with the line of each watch, or every problem found.
func readExport(cfg *config.Config, in io.Reader, name string) ([]store.Held, map[string]int, error) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), maxExportLine)
	var (
		hs       []store.Held
		problems []string
	)
	lines := map[string]int{}
	n := 0
	for sc.Scan() {
		n++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var e exported
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil || e.Watch == "" {
			if err == nil {
				err = errors.New("no watch name")
			}
			problems = append(problems, fmt.Sprintf("%s:%d: not a line of pollhook export: %v", name, n, err))
			continue
		}
		switch {
		case lines[e.Watch] > 0:
			problems = append(problems, fmt.Sprintf("%s:%d: watch %q again (first on line %d)", name, n, e.Watch, lines[e.Watch]))
		case cfg.Watch(e.Watch) != nil && heldProblem(e) != "":
			problems = append(problems, fmt.Sprintf("%s:%d: watch %q: %s", name, n, e.Watch, heldProblem(e)))
		case cfg.Watch(e.Watch) != nil:
			hs = append(hs, store.Held{Watch: e.Watch, State: e.State, Snapshot: e.Snapshot})
		case notOurs(cfg, e.Watch) != "":
			problems = append(problems, fmt.Sprintf("%s:%d: %s", name, n, notOurs(cfg, e.Watch)))
		default:
			problems = append(problems, fmt.Sprintf("%s:%d: no watch named %q in %s", name, n, e.Watch, cfg.File))
		}
		if lines[e.Watch] == 0 {
			lines[e.Watch] = n
		}
	}
	if err := sc.Err(); err != nil {
		problems = append(problems, fmt.Sprintf("%s:%d: %v", name, n+1, err))
	}
	if len(problems) > 0 {
		for i, p := range problems {
			problems[i] = human.Printable(p)
		}
		return nil, nil, fmt.Errorf("nothing imported:\n%s", strings.Join(problems, "\n"))
	}
	return hs, lines, nil
}

// forget is pollhook forget --watch W...: the old owner's way to drop the
// state and snapshot of watches that moved to another shard (after
// pollhook import there). It refuses a watch this shard owns: that one
// would take a new baseline.
func (c *cli) forget(ctx context.Context, args []string) (err error) {
	fs := c.flags("forget")
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	shardFlag := fs.String("shard", "", "as shard `I/N` (or auto)")
	var watches watchFlags
	fs.Var(&watches, "watch", "forget this `watch`'s state (repeat for more)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("forget", pos); err != nil {
		return err
	}
	if len(watches) == 0 {
		return usageError{"forget takes --watch W (one or more)"}
	}
	cfg, err := c.loadShardTopLevel(*cfgPath, *shardFlag)
	if err != nil {
		return err
	}
	for _, w := range watches {
		if cfg.Watch(w) == nil {
			continue
		}
		whose := "in the configuration"
		if spec := cfg.Sharding.Spec; spec.Sharded() {
			whose = "this shard's (" + spec.String() + ")"
		}
		return fmt.Errorf("watch %q is %s: forgetting its state would make it take a new baseline", w, whose)
	}
	db, err := heldDB(cfg.DB, false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	if err := db.Forget(ctx, watches); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "forgot the state of %s (their events and deliveries stay)\n", human.Count(len(watches), "watch", "watches"))
	return nil
}
