package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/api"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/store"
)

// db is pollhook db check [FILE] and pollhook db backup FILE [--force]:
// the database's consistency check and a consistent copy of it. Both ask
// a daemon that runs the configuration (it holds the database); otherwise
// they open the file read-only, so a damaged one is never written to.
func (c *cli) db(ctx context.Context, args []string) error {
	fs := c.flags("db")
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	force := fs.Bool("force", false, "db backup: replace FILE if it exists")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError{"db takes check or backup"}
	}
	switch sub, rest := pos[0], pos[1:]; sub {
	case "check":
		if *force {
			return usageError{"--force is for db backup"}
		}
		if len(rest) > 1 {
			return usageError{"db check takes at most one database file"}
		}
		return c.dbCheck(ctx, *cfgPath, rest)
	case "backup":
		if len(rest) != 1 {
			return usageError{"db backup takes the file to write"}
		}
		return c.dbBackup(ctx, *cfgPath, rest[0], *force)
	default:
		return usageError{fmt.Sprintf("db takes check or backup, not %q", sub)}
	}
}

// dbSource is where a db command reads: the daemon running cfg, or else the
// database file, opened read-only (closed by the caller).
func (c *cli) dbSource(ctx context.Context, cfgPath string) (*config.Config, *api.Client, *store.DB, error) {
	cfg, problems, err := c.loadConfig(cfgPath, topLevel)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := c.requireTopLevel(cfgPath, problems); err != nil {
		return nil, nil, nil, err
	}
	remote, whyNot, err := findDaemon(ctx, cfg)
	if err != nil || remote != nil {
		return cfg, remote, nil, err
	}
	db, err := openReadOnly(cfg.DB)
	if errors.Is(err, store.ErrLocked) {
		err = fmt.Errorf("%w, and %s: stop it, or give it a listen address to ask it through", err, whyNot)
	}
	return cfg, nil, db, err
}

// openReadOnly opens an existing database file for reading only: the lock
// is shared, and nothing is written to it.
func openReadOnly(path string) (*store.DB, error) {
	if !store.Exists(path) {
		return nil, fmt.Errorf("no database at %s", path)
	}
	return store.Open(path, store.Options{LockTimeout: cliLockTimeout, ReadOnly: true})
}

// dbCheck is pollhook db check [FILE]: bbolt's consistency check and
// pollhook's own, of the configuration's database or of FILE (a backup,
// before restoring it). It prints ok, or every problem and exits 1.
func (c *cli) dbCheck(ctx context.Context, cfgPath string, file []string) error {
	var (
		rep store.CheckReport
		err error
	)
	if len(file) == 1 {
		rep, err = checkFile(ctx, file[0])
	} else {
		var (
			remote *api.Client
			db     *store.DB
		)
		_, remote, db, err = c.dbSource(ctx, cfgPath)
		switch {
		case err != nil:
		case remote != nil:
			rep, err = remote.CheckDB(ctx)
		default:
			rep, err = db.Check(ctx)
			err = errors.Join(err, db.Close())
		}
	}
	if err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		for _, p := range rep.Problems {
			fmt.Fprintf(c.stderr, "%s: %s\n", human.Printable(rep.Path), human.Printable(p))
		}
		return &store.DamagedError{Path: rep.Path, Problem: fmt.Sprintf("%d problem(s), listed above", len(rep.Problems))}
	}
	fmt.Fprintf(c.stdout, "%s: ok (%s, %s, %s, %s)\n", human.Printable(rep.Path), byteSize(rep.Size),
		human.Count(rep.Watches, "watch", "watches"), human.Count(rep.Events, "event", "events"), human.Count(rep.Deliveries, "delivery", "deliveries"))
	return nil
}

// checkFile checks the database file at path itself.
func checkFile(ctx context.Context, path string) (store.CheckReport, error) {
	db, err := openReadOnly(path)
	if errors.Is(err, store.ErrLocked) {
		return store.CheckReport{}, fmt.Errorf("%w: to check the database of a running daemon, name its configuration (--config), not the file", err)
	}
	if err != nil {
		return store.CheckReport{}, err
	}
	rep, err := db.Check(ctx)
	return rep, errors.Join(err, db.Close())
}

// dbBackup is pollhook db backup FILE: a consistent copy of the database,
// from one read transaction (the daemon's when one runs), written to
// FILE.tmp, checked, then renamed to FILE; mode 0600.
func (c *cli) dbBackup(ctx context.Context, cfgPath, dest string, force bool) (err error) {
	if _, err := os.Lstat(dest); err == nil && !force {
		return fmt.Errorf("%s exists: pass --force to replace it", dest)
	}
	cfg, remote, db, err := c.dbSource(ctx, cfgPath)
	if err != nil {
		return err
	}
	if db != nil {
		defer func() { err = errors.Join(err, db.Close()) }()
	}
	if sameFile(dest, cfg.DB) {
		return fmt.Errorf("%s is the database itself: name another file", dest)
	}
	tmp := dest + ".tmp"
	if force {
		_ = os.Remove(tmp)
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists (left by a backup that failed?): remove it, or pass --force", tmp)
	}
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	var n int64
	from := "read from " + cfg.DB
	if remote != nil {
		from = "from the running daemon"
		n, err = remote.BackupDB(ctx, f)
	} else {
		n, err = writeBackup(ctx, db, f)
	}
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// The copy is opened as the daemon would open it, every page checked:
	// a copy cut short on the way, or of a damaged file, is never renamed
	// into place.
	check, err := store.Open(tmp, store.Options{ReadOnly: true, Verify: true})
	if err != nil {
		return fmt.Errorf("the copy is not sound, so %s was not written: %w", dest, err)
	}
	if err := check.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, dest); err != nil {
		return err
	}
	syncDir(filepath.Dir(dest))
	fmt.Fprintf(c.stdout, "wrote %s (%s), a consistent copy of %s %s\n", dest, byteSize(n), cfg.DB, from)
	return nil
}

// writeBackup copies db to w from one read transaction.
func writeBackup(ctx context.Context, db *store.DB, w io.Writer) (int64, error) {
	b, err := db.Backup(ctx)
	if err != nil {
		return 0, err
	}
	n, err := b.WriteTo(w)
	return n, errors.Join(err, b.Close())
}

// sameFile reports whether a and b name one existing file.
func sameFile(a, b string) bool {
	ai, err1 := os.Stat(a)
	bi, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ai, bi)
}

// syncDir makes a rename in dir durable; where a folder cannot be synced
// the rename stands anyway.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// byteSize is n bytes for people: 512 B, 3.8 MiB.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
