package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// A damaged file must never take the process down, and pollhook must never
// write to one. bbolt trusts its file: it maps it into memory and follows
// page numbers without bounds checks, so a file cut short makes it read
// past the end of the mapping (SIGBUS, or SIGSEGV beyond it: a fatal error
// no recover() catches, unless debug.SetPanicOnFault is set on that
// goroutine), and a page that is not what its parent says makes it panic
// ("assertion failed: Page expected to be: 7, but self identifies as 0").
// The defences, cheapest first:
//
//  1. Every Open: checkFile, holding the file's lock and before bbolt maps
//     it, checks the meta pages (magic, version, checksum, as bbolt does),
//     that the file holds every page up to the meta's high-water mark, and
//     the root and freelist pages. That turns every truncation (the common
//     damage: a full disk, a copy or a restore cut short) and every file
//     that is not a database into a DamagedError, reading three pages. An
//     Open that finds every bucket in place writes nothing.
//  2. Every transaction runs in guard: a panic inside bbolt, or a fault
//     (made a panic by SetPanicOnFault on the goroutine that runs the
//     transaction), becomes a DamagedError naming the file, and marks the
//     DB damaged: writes are refused from then on (reads go on, so a backup
//     can still be taken), and Ping fails, so /readyz and the systemd
//     watchdog report it.
//  3. pollhook run (Options.Verify) and pollhook db check check every page:
//     walk.go first, with bounds checks of its own, then bbolt's Tx.Check,
//     which runs on a goroutine of bbolt's where no recover() reaches. It
//     reads the whole file (about half a second for 350 MiB), too slow for
//     every command, once per start for the daemon, which writes.

// ErrDamaged matches every *DamagedError (errors.Is).
var ErrDamaged = errors.New("database damaged")

// DamagedError is a database file pollhook cannot use as it is: cut short,
// not a bbolt file, or with pages that are not what they should be. Its
// message names the file and says how to recover, so every command prints
// the same advice.
type DamagedError struct {
	Path    string
	Problem string
}

// Error names the file, the problem and the way out.
func (e *DamagedError) Error() string {
	return fmt.Sprintf("database %s is damaged: %s; pollhook does not repair or rewrite it: "+
		"stop pollhook, then restore a backup (see pollhook db backup) or move the file away to start with an empty database",
		e.Path, e.Problem)
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// bbolt's file format (go.etcd.io/bbolt/internal/common, version 2), in
// the machine's byte order as bbolt writes it: a page starts with a 16-byte
// header (id u64, flags u16, count u16, overflow u32); a meta page's body
// is magic u32, version u32, page size u32, flags u32, root bucket (root
// page u64, sequence u64), freelist page u64, high-water mark u64, txid
// u64, and an FNV-1a checksum u64 of the 56 bytes before it.
const (
	pageHeaderSize = 16
	metaSize       = 64
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	noFreelist     = ^uint64(0)

	flagBranch   = 0x01
	flagLeaf     = 0x02
	flagFreelist = 0x10
	// flagBucket marks a leaf element whose value is a bucket.
	flagBucket = 0x01
)

var order = binary.NativeEndian

// meta is the part of a meta page the checks use.
type meta struct {
	pageSize uint64
	root     uint64
	freelist uint64
	hwm      uint64 // pages 0..hwm-1 are in use or free; the file must hold them
	txid     uint64
}

// parseMeta reads the meta page at the start of b, and says what is wrong
// with it as bbolt's Meta.Validate does.
func parseMeta(b []byte) (meta, error) {
	if len(b) < pageHeaderSize+metaSize {
		return meta{}, bolterrors.ErrInvalid
	}
	m := b[pageHeaderSize : pageHeaderSize+metaSize]
	switch {
	case order.Uint32(m[0:]) != boltMagic:
		return meta{}, bolterrors.ErrInvalid
	case order.Uint32(m[4:]) != boltVersion:
		return meta{}, bolterrors.ErrVersionMismatch
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != order.Uint64(m[56:]) {
		return meta{}, bolterrors.ErrChecksum
	}
	return meta{
		pageSize: uint64(order.Uint32(m[8:])),
		root:     order.Uint64(m[16:]),
		freelist: order.Uint64(m[32:]),
		hwm:      order.Uint64(m[40:]),
		txid:     order.Uint64(m[48:]),
	}, nil
}

// pageHeader is a page's header.
type pageHeader struct {
	id       uint64
	flags    uint16
	count    uint16
	overflow uint32
}

func parseHeader(b []byte) pageHeader {
	return pageHeader{id: order.Uint64(b[0:]), flags: order.Uint16(b[8:]), count: order.Uint16(b[10:]), overflow: order.Uint32(b[12:])}
}

// readMeta finds the meta page bbolt would use: it finds the page size as
// bbolt does (from meta 0, else by looking for meta 1 at 1 KiB, 2 KiB, ...
// 16 MiB), then takes the valid meta of the two with the higher txid.
func readMeta(f io.ReaderAt, size int64) (meta, error) {
	buf := make([]byte, pageHeaderSize+metaSize)
	at := func(off int64) (meta, error) {
		if off+int64(len(buf)) > size {
			return meta{}, bolterrors.ErrInvalid
		}
		if _, err := f.ReadAt(buf, off); err != nil {
			return meta{}, err
		}
		return parseMeta(buf)
	}
	m0, err0 := at(0)
	pageSize := m0.pageSize
	if err0 != nil {
		for i := 0; i <= 14; i++ {
			if m, err := at(1024 << i); err == nil {
				pageSize = m.pageSize
				break
			}
		}
	}
	if pageSize == 0 {
		switch {
		case errors.Is(err0, bolterrors.ErrVersionMismatch):
			return meta{}, errors.New("it is a bbolt file of another format version than this pollhook reads (2)")
		case errors.Is(err0, bolterrors.ErrChecksum):
			return meta{}, errors.New("neither of its two meta pages is valid (meta page 0 fails its checksum)")
		}
		return meta{}, errors.New("it is not a bbolt database (no valid meta page)")
	}
	if pageSize < 1024 || pageSize > 1<<26 {
		return meta{}, fmt.Errorf("its meta page gives a page size of %d bytes, which bbolt does not write", pageSize)
	}
	// As bbolt's DB.meta: the valid one with the higher txid, meta 0 on
	// a tie.
	m1, err1 := at(int64(pageSize))
	switch {
	case err0 != nil && err1 != nil:
		return meta{}, errors.New("neither of its two meta pages is valid")
	case err0 != nil:
		return m1, nil
	case err1 != nil || m0.txid >= m1.txid:
		return m0, nil
	}
	return m1, nil
}

// checkFile checks what bbolt would trust blindly when it opens f: the
// meta pages, that the file holds every page up to the high-water mark,
// and the root and freelist pages. Open calls it holding the file's lock,
// so no commit changes the file meanwhile. An empty file is damaged:
// bbolt would silently make a new database of it, and the outbox and the
// snapshots it stood for would be lost without a word.
func checkFile(f *os.File, path string) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if info.Size() == 0 {
		return &DamagedError{Path: path, Problem: "the file is empty (0 bytes), not a database"}
	}
	m, err := readMeta(f, info.Size())
	if err == nil {
		err = checkMeta(f, info.Size(), m)
	}
	if err != nil {
		return &DamagedError{Path: path, Problem: err.Error()}
	}
	if m.freelist == noFreelist {
		// bbolt rebuilds the freelist by walking every page when it
		// opens such a file (written with NoFreelistSync, which pollhook
		// never sets): walk it first, safely.
		if problems := walk(f, m, 1); len(problems) > 0 {
			return &DamagedError{Path: path, Problem: problems[0]}
		}
	}
	return nil
}

// openFile opens the database file at path and takes its lock as bbolt
// does (exclusive, or shared when read-only), waiting at most timeout. It
// reports whether it created the file.
func openFile(path string, readOnly bool, timeout time.Duration) (f *os.File, created bool, err error) {
	if readOnly {
		f, err = os.Open(path)
	} else {
		f, err = os.OpenFile(path, os.O_RDWR, 0)
		if errors.Is(err, os.ErrNotExist) {
			f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
			created = err == nil
		}
	}
	if err != nil {
		return nil, false, err
	}
	how := syscall.LOCK_EX
	if readOnly {
		how = syscall.LOCK_SH
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return f, created, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				err = ErrLocked
			}
			return nil, false, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkMeta checks that the file of size bytes holds m's pages, and that
// its root and freelist pages are what m says they are.
func checkMeta(f io.ReaderAt, size int64, m meta) error {
	ps := m.pageSize
	if m.hwm < 4 || m.hwm > uint64(size)/ps {
		need := fmt.Sprintf("%d pages of %d bytes", m.hwm, ps)
		if m.hwm <= 1<<40 {
			need = fmt.Sprintf("%d bytes (%s)", m.hwm*ps, need)
		}
		return fmt.Errorf("the file is %d bytes, but its last commit (transaction %d) uses %s: it was cut short", size, m.txid, need)
	}
	if m.root < 2 || m.root >= m.hwm {
		return fmt.Errorf("its meta page puts the root bucket at page %d, outside pages 2 to %d", m.root, m.hwm-1)
	}
	head := make([]byte, pageHeaderSize)
	if _, err := f.ReadAt(head, int64(m.root*ps)); err != nil {
		return fmt.Errorf("read the root page: %w", err)
	}
	if h := parseHeader(head); h.id != m.root || (h.flags != flagBranch && h.flags != flagLeaf) || m.root+uint64(h.overflow) >= m.hwm {
		return fmt.Errorf("the root page %d is not a b-tree page (it says: page %d, type %#x, %d overflow pages)", m.root, h.id, h.flags, h.overflow)
	}
	if m.freelist == noFreelist {
		return nil
	}
	if _, err := freelistIDs(f, m); err != nil {
		return err
	}
	return nil
}

// freelistIDs reads the freelist page m names, checking that it is one and
// that every page it lists is a data page below the high-water mark.
func freelistIDs(f io.ReaderAt, m meta) ([]uint64, error) {
	ps := m.pageSize
	if m.freelist < 2 || m.freelist >= m.hwm {
		return nil, fmt.Errorf("its meta page puts the freelist at page %d, outside pages 2 to %d", m.freelist, m.hwm-1)
	}
	head := make([]byte, pageHeaderSize+8)
	if _, err := f.ReadAt(head, int64(m.freelist*ps)); err != nil {
		return nil, fmt.Errorf("read the freelist page: %w", err)
	}
	h := parseHeader(head)
	if h.id != m.freelist || h.flags != flagFreelist || m.freelist+uint64(h.overflow) >= m.hwm {
		return nil, fmt.Errorf("the freelist page %d is not a freelist page (it says: page %d, type %#x, %d overflow pages)", m.freelist, h.id, h.flags, h.overflow)
	}
	first, count := uint64(0), uint64(h.count)
	if count == 0xFFFF { // the count is in the first element
		first, count = 1, order.Uint64(head[pageHeaderSize:])
	}
	span := (1 + uint64(h.overflow)) * ps
	if count > (span-pageHeaderSize)/8-first {
		return nil, fmt.Errorf("the freelist page %d lists %d pages, more than it can hold", m.freelist, count)
	}
	body := make([]byte, (first+count)*8)
	if _, err := f.ReadAt(body, int64(m.freelist*ps+pageHeaderSize)); err != nil {
		return nil, fmt.Errorf("read the freelist page: %w", err)
	}
	ids := make([]uint64, count)
	for i := range ids {
		id := order.Uint64(body[(first+uint64(i))*8:])
		if id < 2 || id >= m.hwm {
			return nil, fmt.Errorf("the freelist lists page %d, outside pages 2 to %d", id, m.hwm-1)
		}
		ids[i] = id
	}
	return ids, nil
}

// damaged returns the error for a problem found in db's file, and marks db
// damaged: from then on it refuses to write.
func (db *DB) damaged(problem string) error {
	e := &DamagedError{Path: db.path, Problem: problem}
	db.broken.CompareAndSwap(nil, e)
	return e
}

// damage is the error of a DB found damaged, or nil.
func (db *DB) damage() error {
	if e := db.broken.Load(); e != nil {
		return e
	}
	return nil
}

// guard runs fn, a transaction, turning a panic inside it into a
// *DamagedError. Faults (a read of a page past the end of the mapping) are
// made panics for this goroutine, which runs the transaction's function
// and, in View and Update, bbolt's reads. A panic of pollhook's own code in
// a transaction is reported the same way: what it read may be damaged, and
// refusing to write on until a restart is the safe side of either.
func (db *DB) guard(op string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = db.damaged(fmt.Sprintf("bbolt failed in a %s: %s (pollhook db check lists the damage)", op, panicText(p)))
		}
	}()
	return fn()
}

// panicText says what a recovered panic was: a memory fault (a page read
// past the end of bbolt's map of the file) in words, else as it is.
func panicText(p any) string {
	if f, ok := p.(interface{ Addr() uintptr }); ok {
		return fmt.Sprintf("it read memory outside its map of the file (fault at %#x)", f.Addr())
	}
	return fmt.Sprint(p)
}

// view runs fn in a read transaction, guarded.
func (db *DB) view(fn func(*bolt.Tx) error) error {
	return db.guard("read", func() error { return db.bolt.View(fn) })
}

// update runs fn in a write transaction, guarded; a DB found damaged
// refuses.
func (db *DB) update(fn func(*bolt.Tx) error) error {
	if db.verify != nil {
		if err := db.verify(); err != nil {
			return err
		}
	}
	if err := db.damage(); err != nil {
		return err
	}
	return db.guard("write", func() error { return db.bolt.Update(fn) })
}

// openBolt is bolt.Open of f, already opened and locked by openFile (bbolt
// takes the same lock again on it, at once), guarded: a file checkFile
// passed may still have a damaged freelist, or a fault in store for bbolt.
// bbolt closes f when it fails, and on Close. On a panic f is closed here;
// bbolt's mapping of it cannot be reached, and stays until the process
// ends.
func openBolt(f *os.File, o *bolt.Options) (b *bolt.DB, err error) {
	// bbolt opens the data file with OpenFile first, in Open; any later
	// call (CopyFile, WriteTo with WriteFlag) gets a file of its own.
	var handed atomic.Bool
	o.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		if handed.CompareAndSwap(false, true) {
			return f, nil
		}
		return os.OpenFile(name, flag, perm)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			f.Close()
			b, err = nil, &DamagedError{Path: f.Name(), Problem: fmt.Sprintf("bbolt failed to open it: %s (pollhook db check lists the damage)", panicText(p))}
		}
	}()
	b, err = bolt.Open(f.Name(), 0o600, o)
	if errors.Is(err, bolterrors.ErrInvalid) || errors.Is(err, bolterrors.ErrChecksum) || errors.Is(err, bolterrors.ErrVersionMismatch) {
		return nil, &DamagedError{Path: f.Name(), Problem: err.Error()}
	}
	return b, err
}
